"""Complaint pages: thin views over `services`, `eightd`, `answers` and `selectors`."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from cqms.audit.selectors import history_for
from cqms.core import previews
from cqms.core.database import custom_plans
from cqms.core.errors import BusinessRuleError
from cqms.core.files import download_checked
from cqms.core.forms import ReasonForm, apply_service
from cqms.customers.selectors import customers_visible_to
from cqms.notifications.selectors import clocks_with_escalations

from . import selectors, services, views_answers, views_eightd
from .filters import ComplaintFilter
from .forms import ComplaintIntakeForm, HandOverForm, PauseForm
from .models import Attachment, Complaint, DefectCategory
from .tables import RegisterTable

PAGE_SIZE = 25

# What a register row shows (RegisterTable.row_html): reading only these halves the time spent
# building the 25 complaints of a page with their customer, owner and category.
REGISTER_ROW = (
    "number",
    "status",
    "severity",
    "major",
    "is_repeat",
    "reopen_count",
    "received_at",
    "part_number",
    "quantity_affected",
    "defect_description",
    "customer_reference",
    "customer__code",
    "customer__name",
    "customer__name_en",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "defect_category__name",
    "defect_category__name_en",
    "department",
)


def _partial(request, template: str, partial: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


@permission_required("complaints.view_complaint", raise_exception=True)
@custom_plans()
def register(request):
    """客户抱怨处理总表: every complaint with its clocks."""
    complaints = selectors.with_register_columns(selectors.complaints_visible_to(request.user))
    filterset = ComplaintFilter(
        request.GET, queryset=complaints.only(*REGISTER_ROW), request=request
    )
    table = RegisterTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(
        request,
        _partial(request, "complaints/register.html", "results"),
        {"filter": filterset, "table": table},
    )


@permission_required("complaints.add_complaint", raise_exception=True)
def create(request):
    customers = customers_visible_to(request.user)
    form = ComplaintIntakeForm(request.POST or None, request.FILES or None, customers=customers)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "attachments"}
        values = {k: v for k, v in values.items() if v not in (None, "")}
        created = []
        call = lambda: created.append(  # noqa: E731
            services.register_complaint(
                values, actor=request.user, attachments=form.cleaned_data["attachments"]
            )
        )
        if apply_service(form, call):
            complaint = created[0]
            messages.success(
                request, _("Complaint %(number)s was registered.") % {"number": complaint.number}
            )
            return redirect(complaint)
    return render(request, "complaints/complaint_form.html", {"form": form})


@permission_required("complaints.add_complaint", raise_exception=True)
def intake_contacts(request):
    """The contact choice of the intake, redrawn for the chosen customer (htmx)."""
    form = ComplaintIntakeForm(
        initial={"customer": request.GET.get("customer")},
        customers=customers_visible_to(request.user),
    )
    return render(request, "complaints/intake_contact.html", {"form": form})


@permission_required("complaints.add_complaint", raise_exception=True)
def recurrence(request):
    """The earlier complaints a new one would repeat (shown while registering)."""
    customer = (
        customers_visible_to(request.user).filter(pk=request.GET.get("customer") or 0).first()
    )
    earlier, months = [], None
    if customer is not None:
        months = services.policy_for(customer).recurrence_window_months
        category = DefectCategory.objects.filter(pk=request.GET.get("defect_category") or 0).first()
        earlier = services.earlier_similar(
            customer=customer,
            part_number=request.GET.get("part_number", "").strip(),
            customer_part_number=request.GET.get("customer_part_number", "").strip(),
            defect_category=category,
        ).select_related("defect_category")[:10]
    return render(request, "complaints/recurrence.html", {"earlier": earlier, "months": months})


def detail(request, number: str):
    complaint = selectors.complaint_for_user_or_404(request.user, number)
    clocks = clocks_with_escalations(complaint)
    eightd = views_eightd.panel_context(request, complaint)
    return render(
        request,
        "complaints/complaint_detail.html",
        {
            "complaint": complaint,
            "clocks": selectors.ordered_clocks(complaint, clocks),
            "panel_clocks": clocks,
            "repeat_of": complaint.repeat_of.select_related("defect_category")
            if complaint.is_repeat
            else [],
            "reopenings": complaint.reopenings.all()
            if complaint.status == Complaint.Status.REOPENED
            else [],
            "attachments": eightd["eightd_attachments"],
            **eightd,
            **views_answers.panel_context(request, complaint),
        },
    )


class PanelForm(NamedTuple):
    permission: str | None
    form: Callable
    action: str  # the view it posts to
    title: str
    button: str


# The complaint page's secondary forms, drawn when their panel opens (`panel_form`): drawing
# all three on every view of an open complaint cost about 3 ms a page (bench/README.md).
PANEL_FORMS = {
    "hand-over": PanelForm(
        None,
        HandOverForm,
        "complaints:hand_over",
        gettext_lazy("Hand over"),
        gettext_lazy("Hand over"),
    ),
    "pause": PanelForm(
        "complaints.work_eightd",
        PauseForm,
        "complaints:pause",
        gettext_lazy("Pause a clock"),
        gettext_lazy("Pause"),
    ),
    "cancel": PanelForm(
        "complaints.cancel_complaint",
        lambda: ReasonForm(auto_id="cancel_%s"),
        "complaints:cancel",
        gettext_lazy("Cancel this complaint"),
        gettext_lazy("Cancel complaint"),
    ),
}


def panel_form(request, number: str, name: str):
    """One of `PANEL_FORMS`, for an open complaint: the form alone for htmx, else on a page."""
    if name not in PANEL_FORMS:
        raise Http404
    spec = PANEL_FORMS[name]
    complaint = selectors.complaint_for_user_or_404(request.user, number)
    if spec.permission and not request.user.has_perm(spec.permission):
        raise PermissionDenied
    context = {
        "complaint": complaint,
        "spec": spec,
        "form": spec.form() if complaint.is_open else None,
    }
    return render(request, _partial(request, "complaints/panel_form.html", "form"), context)


def history(request, number: str):
    complaint = selectors.complaint_for_user_or_404(request.user, number)
    return render(request, "audit/history.html", {"entries": history_for(complaint)})


def attachment_download(request, number: str, pk: int):
    """A photo or evidence file of a complaint the user may see, served only while its bytes
    still have the digest taken at upload."""
    return download_checked(request, _attachment(request, number, pk))


def attachment_view(request, number: str, pk: int):
    """A photo at full size in the browser (any other file downloads), checked like a download."""
    return download_checked(request, _attachment(request, number, pk), show_image=True)


def attachment_thumbnail(request, number: str, pk: int):
    return previews.thumbnail_response(_attachment(request, number, pk))


def _attachment(request, number: str, pk: int) -> Attachment:
    complaint = selectors.complaint_for_user_or_404(request.user, number)
    return get_object_or_404(Attachment, pk=pk, complaint=complaint)


def _transition(request, number: str, call, success: str, form=None):
    """Run a transition on a complaint the user may see (404 otherwise), report the outcome."""
    complaint = selectors.complaint_for_user_or_404(request.user, number)
    if form is not None and not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(complaint)
    try:
        call(complaint)
    except BusinessRuleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(complaint)


@require_POST
def acknowledge(request, number: str):
    return _transition(
        request,
        number,
        lambda c: services.acknowledge(c, actor=request.user),
        _("The complaint is acknowledged; the acknowledgement clock has stopped."),
    )


@require_POST
def hand_over(request, number: str):
    form = HandOverForm(request.POST)
    return _transition(
        request,
        number,
        lambda c: services.hand_over(
            c, to=form.cleaned_data["to"], actor=request.user, reason=form.cleaned_data["reason"]
        ),
        _("The complaint was handed over."),
        form,
    )


@require_POST
def pause(request, number: str):
    form = PauseForm(request.POST)
    return _transition(
        request,
        number,
        lambda c: services.pause_clock(
            c, form.cleaned_data["clock"], reason=form.cleaned_data["reason"], actor=request.user
        ),
        _("The clock is paused."),
        form,
    )


@require_POST
def resume(request, number: str, clock: str):
    return _transition(
        request,
        number,
        lambda c: services.resume_clock(c, clock, actor=request.user),
        _("The clock runs again with the time it had left."),
    )


@require_POST
def cancel(request, number: str):
    form = ReasonForm(request.POST, auto_id="cancel_%s")
    return _transition(
        request,
        number,
        lambda c: services.cancel(c, reason=form.cleaned_data["reason"], actor=request.user),
        _("The complaint was cancelled."),
        form,
    )
