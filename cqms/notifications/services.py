"""Publishing events: the one way every part of CQMS tells people something.

    notifications.publish("approval_requested", recipients=[approver], record=instance,
                          actor=requester, key=f"approval:{task.pk}:requested")

Call it inside the transaction of the change that caused the event. The inbox entries and the
outgoing messages (one e-mail per person who wants it, one post per group bot that subscribed)
are written in that same transaction, so a rolled-back change tells nobody anything; the job
worker sends after commit. A `key` makes publishing idempotent: the same event with the same key
reaches each recipient and each channel once, whatever retries, double clicks or concurrent
workers do.

The rest of this module changes configuration (channels, preferences, settings): each of those
changes is audited.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cqms.audit import services as audit

from . import events
from .models import Channel, ChannelState, Notification, OutboxMessage, Preference, mask

logger = logging.getLogger(__name__)


def publish(
    event: str,
    *,
    recipients: Iterable,
    record: models.Model | None = None,
    url: str = "",
    actor=None,
    context: dict | None = None,
    key: str | None = None,
    include_actor: bool = False,
    departments: Iterable | None = None,
    customer=None,
    channels: bool = True,
) -> list[Notification]:
    """Tell `recipients` about `event`; returns the inbox entries written now (not repeats).

    Group bots subscribed to the event receive it too when their department and customer
    filters match: the departments are `departments` or the record's `department`, the
    customer is `customer`, the record's `customer` or the record itself if it is a customer.
    `channels=False` keeps the message to the inbox and e-mail.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() belongs inside the transaction of the change it reports")
    definition = events.get(event)
    key = (key or f"{event}:{uuid.uuid4().hex}")[:200]
    context = context or {}
    people = _distinct_active(recipients, skip=None if include_actor else actor)
    if not url and record is not None and hasattr(record, "get_absolute_url"):
        url = record.get_absolute_url()
    link = absolute_url(url)
    record_type = record._meta.label_lower if record is not None else ""
    record_id = str(record.pk) if record is not None else ""

    already = set(
        Notification.objects.filter(key=key, recipient__in=people).values_list(
            "recipient_id", flat=True
        )
    )
    fresh_people = [person for person in people if person.pk not in already]
    wanted = preferences_for(fresh_people, event)
    now = timezone.now()
    entries, mails = [], []
    for person in fresh_people:
        inbox_on, email_on = wanted[person.pk]
        if not inbox_on:
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            title, body = _render(definition, record, context)
            title = str(title)[:300]
            entries.append(
                Notification(
                    recipient=person,
                    event=event,
                    key=key,
                    title=title,
                    body=str(body),
                    url=url,
                    record_type=record_type,
                    record_id=record_id,
                )
            )
            if email_on and person.email:
                mails.append(
                    OutboxMessage(
                        recipient=person,
                        key=key,
                        event=event,
                        language=person.language or settings.LANGUAGE_CODE,
                        subject=title,
                        body=_email_text(person, title, str(body), link),
                        html=_email_html(person, title, str(body), link),
                        url=link[:500],
                        next_attempt_at=now,
                    )
                )
    Notification.objects.bulk_create(entries, ignore_conflicts=True)
    OutboxMessage.objects.bulk_create(mails, ignore_conflicts=True)
    posts = []
    if channels and definition.channels:
        posts = _channel_messages(
            definition, key, record, context, link, people, departments, customer, now
        )
        OutboxMessage.objects.bulk_create(posts, ignore_conflicts=True)
    if mails or posts:
        _wake_worker_after_commit()
    return entries


def _wake_worker_after_commit() -> None:
    """One wake-up per transaction, however many events it publishes (a bulk change or the
    demo publishes hundreds). Django drops the callback with a rolled-back savepoint, so looking
    at its pending callbacks never loses one."""
    pending = transaction.get_connection().run_on_commit
    if not any(callback is enqueue_delivery for _sids, callback, _robust in pending):
        transaction.on_commit(enqueue_delivery)


def preferences_for(people: list, event: str) -> dict[int, tuple[bool, bool]]:
    """(inbox, e-mail) per person for an event; without a stored choice both are on."""
    stored = {
        p.user_id: (p.inbox, p.email)
        for p in Preference.objects.filter(user__in=people, event=event)
    }
    result = {}
    for person in people:
        inbox, email = stored.get(person.pk, (True, True))
        if event != events.DIGEST:
            inbox = True  # the inbox always receives; only the digest can be switched off
        result[person.pk] = (inbox, email)
    return result


def absolute_url(url: str) -> str:
    """A link that opens from a phone in a chat group or a mail reader (CQMS_PUBLIC_URL)."""
    if not url:
        return ""
    if url.startswith("/"):
        return settings.PUBLIC_URL + url
    return url


def enqueue_delivery() -> None:
    """Wake the job worker; the minute schedule picks up anything this misses."""
    from django_q.tasks import async_task

    try:
        async_task(
            "cqms.notifications.tasks.deliver", task_name="notifications-deliver", group="cqms"
        )
    except Exception:
        logger.exception("Notification delivery could not be queued; the schedule will send")


def _distinct_active(recipients: Iterable, *, skip) -> list:
    seen, people = set(), []
    for person in recipients:
        if person is None or not person.is_active or person.pk in seen:
            continue
        if skip is not None and person.pk == skip.pk:
            continue
        seen.add(person.pk)
        people.append(person)
    return people


def _render(definition: events.Event, record, context: dict) -> tuple[str, str]:
    if definition.render is not None:
        return definition.render(record, context)
    if record is None:
        return str(definition.label), ""
    return _("%(event)s: %(record)s") % {"event": definition.label, "record": record}, ""


def _email_context(person, title: str, body: str, link: str) -> dict:
    return {
        "person": person,
        "title": title,
        "body": body,
        "link": link,
        "preferences_url": absolute_url(reverse("notifications:preferences")),
    }


def _email_text(person, title, body, link) -> str:
    return render_to_string(
        "notifications/email/message.txt", _email_context(person, title, body, link)
    )


def _email_html(person, title, body, link) -> str:
    return render_to_string(
        "notifications/email/message.html", _email_context(person, title, body, link)
    )


# --- Group bots ---------------------------------------------------------------------------------


def _record_departments(record, departments) -> set[int]:
    if departments is not None:
        return {getattr(d, "pk", d) for d in departments if d is not None}
    department_id = getattr(record, "department_id", None) if record is not None else None
    return {department_id} if department_id else set()


def _record_customer_code(record, customer) -> str | None:
    """The customer a record concerns, without importing the customer app."""
    if customer is None and record is not None:
        customer = getattr(record, "customer", None)
        if customer is None and record._meta.label_lower == "customers.customer":
            customer = record
    code = getattr(customer, "code", None) if customer is not None else None
    return code or None


def matching_channels(event: str, record=None, departments=None, customer=None) -> list[Channel]:
    from cqms.organisation.access import department_ids

    record_departments = _record_departments(record, departments)
    customer_code = _record_customer_code(record, customer)
    matched = []
    for channel in Channel.objects.filter(is_active=True).prefetch_related("departments"):
        if event not in (channel.events or []):
            continue
        chosen = list(channel.departments.all())
        if chosen:
            covered = set()
            for department in chosen:
                covered.update(department_ids(department.pk, with_descendants=True))
            if not covered & record_departments:
                continue
        codes = channel.customer_code_list
        if codes and customer_code not in codes:
            continue
        matched.append(channel)
    return matched


def mentions_of(people) -> list[dict]:
    return [
        {
            "name": str(person),
            "wecom": person.wecom_user_id,
            "dingtalk": person.dingtalk_user_id,
            "mobile": person.phone.replace(" ", "").replace("-", "") if person.phone else "",
            "feishu": person.feishu_open_id,
        }
        for person in people
    ]


def _channel_messages(
    definition, key, record, context, link, people, departments, customer, now
) -> list[OutboxMessage]:
    posts = []
    channels = matching_channels(definition.code, record, departments, customer)
    if not channels:
        return posts
    done = set(
        OutboxMessage.objects.filter(
            key=key, channel__in=channels, recipient__isnull=True
        ).values_list("channel_id", flat=True)
    )
    for channel in channels:
        if channel.pk in done:
            continue
        with translation.override(channel.language):
            title, body = _render(definition, record, context)
        posts.append(
            OutboxMessage(
                channel=channel,
                key=key,
                event=definition.code,
                language=channel.language,
                subject=str(title)[:300],
                body=str(body),
                url=link[:500],
                mentions=mentions_of(people) if channel.mention_recipients else [],
                next_attempt_at=now,
            )
        )
    return posts


# --- Configuration: channels ----------------------------------------------------------------


CHANNEL_FIELDS = [
    "name",
    "kind",
    "keyword",
    "language",
    "events",
    "customer_codes",
    "mention_recipients",
    "per_minute",
    "per_second",
    "is_active",
]


@audit.change_transaction()
def create_channel(values: dict, *, actor, webhook_url: str, secret: str = "") -> Channel:
    channel = Channel(**{name: values[name] for name in CHANNEL_FIELDS if name in values})
    per_minute, per_second = Channel.DEFAULT_LIMITS[channel.kind]
    if not values.get("per_minute"):
        channel.per_minute = per_minute
    if "per_second" not in values:
        channel.per_second = per_second
    _set_secrets(channel, webhook_url, secret)
    channel.full_clean(exclude=["departments"])
    audit.save_new(channel, actor=actor)
    ChannelState.objects.get_or_create(channel=channel)
    if values.get("departments") is not None:
        _set_departments(channel, values["departments"], actor=actor, before=[])
    return channel


@audit.change_transaction()
def update_channel(
    channel: Channel,
    values: dict,
    *,
    actor,
    expected_version: int | None = None,
    webhook_url: str = "",
    secret: str | None = None,
) -> Channel:
    """Change a channel. A blank `webhook_url` keeps the stored one; `secret=None` keeps the
    stored secret and `secret=""` removes it."""
    changes = {name: values[name] for name in CHANNEL_FIELDS if name in values}
    replaced = {}
    if webhook_url:
        replaced["webhook_url"] = webhook_url.strip()
        changes["webhook_hint"] = mask(webhook_url)
    if secret is not None:
        replaced["secret"] = secret.strip()
        changes["secret_hint"] = mask(secret)
    hints_before = {"webhook_url": channel.webhook_hint, "secret": channel.secret_hint}
    before_departments = list(channel.departments.values_list("pk", flat=True))
    audit.save_changes(channel, changes, actor=actor, expected_version=expected_version)
    if replaced:
        # The secrets are not audited fields: write them here, and record that they were
        # replaced (with the masked hints, never the values).
        Channel.objects.filter(pk=channel.pk).update(**replaced, version=F("version") + 1)
        for name, value in replaced.items():
            setattr(channel, name, value)
        channel.version += 1
        audit.record(
            channel,
            "notifications.secret_replaced",
            actor=actor,
            changes=[
                {
                    "field": name,
                    "old": hints_before[name] or None,
                    "new": mask(value) or None,
                }
                for name, value in replaced.items()
            ],
        )
    if values.get("departments") is not None:
        _set_departments(channel, values["departments"], actor=actor, before=before_departments)
    return channel


def _set_secrets(channel: Channel, webhook_url: str, secret: str) -> None:
    channel.webhook_url = (webhook_url or "").strip()
    channel.webhook_hint = mask(channel.webhook_url)
    channel.secret = (secret or "").strip()
    channel.secret_hint = mask(channel.secret)


def _set_departments(channel: Channel, departments, *, actor, before: list[int]) -> None:
    after = sorted(getattr(d, "pk", d) for d in departments)
    if sorted(before) == after:
        return
    channel.departments.set(after)
    audit.record(
        channel,
        audit.UPDATE,
        actor=actor,
        changes=[
            {
                "field": "departments",
                "old": ",".join(str(pk) for pk in sorted(before)),
                "new": ",".join(str(pk) for pk in after),
            }
        ],
    )


def send_test_message(channel: Channel, *, actor) -> OutboxMessage:
    """Queue a test post for a channel and try it at once; returns the message as it ended."""
    from . import delivery

    with transaction.atomic():
        with translation.override(channel.language):
            title, body = events.render_test(None, {"name": channel.name})
        message = OutboxMessage.objects.create(
            channel=channel,
            key=f"test:{uuid.uuid4().hex}",
            event=events.TEST,
            language=channel.language,
            subject=str(title),
            body=str(body),
            url=absolute_url(channel.get_absolute_url()),
            mentions=mentions_of([actor]) if channel.mention_recipients else [],
            next_attempt_at=timezone.now(),
        )
    delivery.deliver_channel(channel.pk, only=[message.pk])
    message.refresh_from_db()
    return message


# --- Configuration: preferences and settings --------------------------------------------------


@audit.change_transaction()
def save_preferences(user, choices: dict[str, tuple[bool, bool]], *, actor) -> int:
    """Store a person's (inbox, e-mail) choice per event; returns how many changed."""
    stored = {p.event: p for p in Preference.objects.filter(user=user)}
    changed = 0
    for event, (inbox, email) in choices.items():
        events.get(event)
        if event != events.DIGEST:
            inbox = True
        current = stored.get(event)
        if current is None:
            if inbox and email:
                continue  # the default; no row needed
            audit.save_new(
                Preference(user=user, event=event, inbox=inbox, email=email), actor=actor
            )
            changed += 1
        elif (current.inbox, current.email) != (inbox, email):
            audit.save_changes(current, {"inbox": inbox, "email": email}, actor=actor)
            changed += 1
    return changed


# --- The inbox ------------------------------------------------------------------------------


def mark_read(user, pks: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when `pks` is None)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pks is not None:
        unread = unread.filter(pk__in=list(pks))
    return unread.update(read_at=timezone.now())


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
