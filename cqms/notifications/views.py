"""The inbox, personal preferences, and the administrators' channel pages."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cqms.core.errors import BusinessRuleError
from cqms.core.forms import apply_service

from . import events, services
from .forms import ChannelForm, PreferencesForm
from .models import Channel, ChannelState, DeliveryAttempt, Notification, OutboxMessage, Preference

PAGE_SIZE = 50
LOG_SIZE = 100


# --- Inbox ------------------------------------------------------------------------------------


def inbox(request):
    entries = Notification.objects.filter(recipient=request.user).order_by(
        F("read_at").desc(nulls_first=True), "-id"
    )
    if request.GET.get("unread") == "1":
        entries = entries.filter(read_at__isnull=True)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "only_unread": request.GET.get("unread") == "1"},
    )


def _own_notification(request, pk: int) -> Notification:
    found = Notification.objects.filter(pk=pk, recipient=request.user).first()
    if found is None:
        raise Http404
    return found


def open_notification(request, pk: int):
    """Mark one entry read and go to its record."""
    entry = _own_notification(request, pk)
    services.mark_read(request.user, [entry.pk])
    if entry.url and url_has_allowed_host_and_scheme(
        entry.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(entry.url)
    return redirect("notifications:inbox")


@require_POST
def mark_read(request, pk: int):
    entry = _own_notification(request, pk)
    services.mark_read(request.user, [entry.pk])
    return redirect("notifications:inbox")


@require_POST
def mark_all_read(request):
    count = services.mark_read(request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications:inbox")


def preferences(request):
    stored = {p.event: (p.inbox, p.email) for p in Preference.objects.filter(user=request.user)}
    form = PreferencesForm(request.POST or None, stored=stored)
    if request.method == "POST" and form.is_valid():
        services.save_preferences(request.user, form.choices(), actor=request.user)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "event_fields": [form[name] for name in form.event_fields],
            "has_email": bool(request.user.email),
        },
    )


# --- Channels (administrators) ------------------------------------------------------------


def _require(request, permission: str, *, hide: bool = False) -> None:
    """Pages about one channel answer 404 without permission (no hint that it exists)."""
    if not request.user.has_perm(permission):
        if hide:
            raise Http404
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


def _channel(request, pk: int, permission: str) -> Channel:
    _require(request, permission, hide=True)
    channel = Channel.objects.filter(pk=pk).first()
    if channel is None:
        raise Http404
    return channel


def _intranet_only() -> bool:
    """Whether CQMS_PUBLIC_URL points to an address that phones outside cannot open."""
    host = urlsplit(settings.PUBLIC_URL).hostname or ""
    if host in ("localhost", "") or host.endswith((".local", ".lan", ".internal")):
        return True
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def channel_list(request):
    _require(request, "notifications.view_channel")
    failed = Count("messages", filter=Q(messages__status=OutboxMessage.Status.FAILED))
    waiting = Count("messages", filter=Q(messages__status=OutboxMessage.Status.PENDING))
    channels = Channel.objects.annotate(failed=failed, waiting=waiting).prefetch_related(
        "departments"
    )
    return render(
        request,
        "notifications/channels.html",
        {
            "channels": channels,
            "intranet_only": _intranet_only(),
            "public_url": settings.PUBLIC_URL,
        },
    )


def channel_create(request):
    _require(request, "notifications.add_channel")
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = []

        def call():
            created.append(
                services.create_channel(
                    form.service_values(),
                    actor=request.user,
                    webhook_url=form.cleaned_data["new_webhook_url"],
                    secret=form.cleaned_data.get("new_secret") or "",
                )
            )

        if apply_service(form, call):
            messages.success(request, _("The channel was created. Send a test message now."))
            return redirect(created[0])
    return render(request, "notifications/channel_form.html", {"form": form, "channel": None})


def channel_edit(request, pk: int):
    channel = _channel(request, pk, "notifications.change_channel")
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():

        def call():
            services.update_channel(
                channel,
                form.service_values(),
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                webhook_url=form.cleaned_data.get("new_webhook_url") or "",
                secret=form.secret_value(),
            )

        if apply_service(form, call):
            messages.success(request, _("The channel was saved."))
            return redirect(channel)
    return render(request, "notifications/channel_form.html", {"form": form, "channel": channel})


def channel_detail(request, pk: int):
    channel = _channel(request, pk, "notifications.view_channel")
    log = (
        DeliveryAttempt.objects.filter(channel=channel)
        .select_related("message")
        .order_by("-id")[:LOG_SIZE]
    )
    waiting = OutboxMessage.objects.filter(
        channel=channel, status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]
    ).order_by("id")[:LOG_SIZE]
    failed = OutboxMessage.objects.filter(
        channel=channel, status=OutboxMessage.Status.FAILED
    ).order_by("-id")[:LOG_SIZE]
    labels = {e.code: e.label for e in events.all_events()}
    return render(
        request,
        "notifications/channel_detail.html",
        {
            "channel": channel,
            "log": log,
            "waiting": waiting,
            "failed": failed,
            "event_labels": [labels.get(code, code) for code in channel.events],
            "departments": channel.departments.all(),
            "intranet_only": _intranet_only(),
            "public_url": settings.PUBLIC_URL,
            "paused_until": _paused_until(channel),
        },
    )


def _paused_until(channel: Channel):
    state = ChannelState.objects.filter(channel=channel).first()
    if state is not None and state.paused_until and state.paused_until > timezone.now():
        return state.paused_until
    return None


@require_POST
def channel_test(request, pk: int):
    channel = _channel(request, pk, "notifications.change_channel")
    try:
        message = services.send_test_message(channel, actor=request.user)
    except BusinessRuleError as error:
        messages.error(request, error.message)
        return redirect(channel)
    if message.status == OutboxMessage.Status.SENT:
        messages.success(request, _("The test message was delivered."))
    elif message.status == OutboxMessage.Status.FAILED:
        messages.error(
            request,
            _("The test message was refused: %(code)s %(text)s")
            % {"code": message.error_code, "text": message.error_message},
        )
    else:
        messages.warning(
            request,
            _("The test message is waiting to be sent (%(text)s). The log below shows the result.")
            % {"text": message.error_message or message.get_status_display()},
        )
    return redirect(channel)
