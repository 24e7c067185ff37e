"""The answer to the customer and the customer's verdict (procedure 001 6.3.2).

    answer = send_answer(complaint, via="email", actor=user)          # freezes version n
    token = create_verdict_link(answer, contact=contact, actor=user)   # shown once
    record_verdict(answer, accepted=False, reason="...", actor=user)   # or contact= / link=

An answer may be sent once the 8D's actions are answered (status "actions answered": D4, D5 and
D7 done). Sending freezes a numbered version (the whole 8D as JSON), stops the corrective-action
clock and marks the complaint "sent to customer". The verdict is recorded once per version,
by staff or by the customer's contact through a private link. Acceptance lets the 8D close;
a rejection makes the complaint read-only ("rejected and reopened") and continues the case as
`<root number>-n` (flat: -1, -2 …) with a draft copy of the 8D and fresh clocks from the
rejection.

Versions are numbered along the whole case: the answer to `KS-2026-0001-1` after the rejected
version 1 of `KS-2026-0001` is version 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqms.audit import services as audit
from cqms.clocks import services as clocks
from cqms.core.errors import BusinessRuleError
from cqms.customers.models import Contact, Customer
from cqms.notifications.services import publish
from cqms.workdays import calendar

from . import reports
from .models import (
    Action,
    Answer,
    Attachment,
    ClockName,
    Complaint,
    ContainmentAction,
    DocumentUpdate,
    EightDStep,
    HorizontalDeployment,
    QualityInvestigation,
    RootCause,
    Step,
    TeamMember,
    VerdictLink,
)
from .services import FUTURE_TOLERANCE, _start_clocks, can_see, policy_for, require

Status = Complaint.Status
PERMISSION = "complaints.answer_complaint"
LINK_DAYS = 14
LINK_MAX_DAYS = 60
TOKEN_BYTES = 32  # 256 bits
CARRIED_OVER = "_carried_over_from"  # key in EightDStep.data of a step copied to a reopening
# Steps a rejection does not put back into question: they are carried over as they were.
# D3 too, unless the customer says the containment was inadequate.
KEPT_STEPS = (Step.D0, Step.D1, Step.D2, Step.D3)
# The clocks a reopening starts at the rejection (containment only when it was rejected).
REOPEN_CLOCKS = (ClockName.ACKNOWLEDGEMENT, ClockName.CORRECTIVE_ACTION, ClockName.CLOSURE)


def may_answer(user, complaint: Complaint) -> bool:
    return bool(user.has_perm(PERMISSION)) and can_see(user, complaint)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def case_answers(complaint: Complaint):
    """Every answer of the case: the root complaint and all its reopenings, in version order."""
    return Answer.objects.filter(complaint__root_number=complaint.root_number).order_by(
        "version_number"
    )


def latest_answer(complaint: Complaint) -> Answer | None:
    return complaint.answers.order_by("-version_number").first()


def _locked(complaint: Complaint) -> Complaint:
    """The complaint as stored now, its row locked until the change commits."""
    list(Complaint.objects.select_for_update().filter(pk=complaint.pk).values_list("pk"))
    complaint.refresh_from_db()
    return complaint


def _people(complaint: Complaint) -> list:
    people = [complaint.owner, complaint.department.head, complaint.received_by]
    return [person for person in people if person is not None]


def _check_moment(at, *, not_before, field_name: str) -> dt.datetime:
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError({field_name: _("This time is in the future.")})
    if not_before is not None and at < not_before:
        raise ValidationError(
            {field_name: _("This time is before %(when)s.") % {"when": _local(not_before)}}
        )
    return at


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- Sending -----------------------------------------------------------------------------------


@audit.change_transaction()
def send_answer(
    complaint: Complaint,
    *,
    via: str,
    actor,
    language: str | None = None,
    sent_at: dt.datetime | None = None,
    contact: Contact | None = None,
) -> Answer:
    """Record that the 8D answer was sent to the customer (how, when, to whom, in which
    language) and freeze it as the next version. Only from "actions answered"."""
    require(actor.has_perm(PERMISSION))
    require(can_see(actor, complaint))
    complaint = _locked(complaint)
    if complaint.status != Status.ACTIONS_ANSWERED:
        raise BusinessRuleError(
            _(
                "The answer can be sent when the actions are answered (D4, D5 and D7 done). "
                "Complaint %(number)s is %(status)s."
            )
            % {"number": complaint.number, "status": complaint.get_status_display()},
            "not_ready_to_answer",
        )
    errors = {}
    if via not in Complaint.Channel.values:
        errors["via"] = _("Choose how the answer was sent.")
    language = language or complaint.customer.document_language
    if language not in Customer.DocumentLanguage.values:
        errors["language"] = _("Choose the language of the answer.")
    if contact is not None and contact.customer_id != complaint.customer_id:
        errors["contact"] = _("The contact does not belong to this customer.")
    if errors:
        raise ValidationError(errors)
    sent_at = _check_moment(sent_at, not_before=complaint.received_at, field_name="sent_at")
    version = (case_answers(complaint).aggregate(top=Max("version_number"))["top"] or 0) + 1
    clocks.stop_clock(
        complaint, ClockName.CORRECTIVE_ACTION, actor=actor, at=sent_at, missing_ok=True
    )
    sent = {
        "version": version,
        "sent_at": reports._iso(sent_at),
        "sent_by": str(actor),
        "via": via,
        "language": language,
        "contact": str(contact) if contact else "",
    }
    answer = Answer(
        complaint=complaint,
        version_number=version,
        snapshot=reports.build_snapshot(complaint, sent=sent),
        language=language,
        sent_at=sent_at,
        sent_by=actor,
        sent_via=via,
        sent_to=contact,
    )
    audit.save_new(answer, actor=actor, action="complaints.answer_sent")
    audit.save_changes(
        complaint, {"status": Status.ANSWERED}, actor=actor, action="complaints.answered"
    )
    publish(
        "answer_sent",
        recipients=_people(complaint),
        record=complaint,
        actor=actor,
        context={"version": version},
        key=f"complaint:{complaint.pk}:answer:{version}",
    )
    return answer


# --- The private link --------------------------------------------------------------------------


def _require_pending(answer: Answer) -> Complaint:
    """The answer is the complaint's current version and still waits for the verdict."""
    complaint = answer.complaint
    if answer.verdict:
        raise BusinessRuleError(
            _("The customer's verdict on version %(version)s is already recorded.")
            % {"version": answer.version_number},
            "verdict_given",
        )
    latest = latest_answer(complaint)
    if complaint.status != Status.ANSWERED or latest is None or latest.pk != answer.pk:
        raise BusinessRuleError(
            _("Version %(version)s is not the answer the customer is asked about.")
            % {"version": answer.version_number},
            "not_current_answer",
        )
    return complaint


@audit.change_transaction()
def create_verdict_link(answer: Answer, *, contact: Contact, actor, days: int = LINK_DAYS) -> str:
    """A private link for one contact to accept or reject this answered version. Returns the
    token (shown once; only its SHA-256 is stored). Earlier unused links of the version stop
    working."""
    complaint = answer.complaint
    require(actor.has_perm(PERMISSION))
    require(can_see(actor, complaint))
    _locked(complaint)
    answer.refresh_from_db()
    _require_pending(answer)
    if contact is None or contact.customer_id != complaint.customer_id or not contact.is_active:
        raise ValidationError({"contact": _("Choose an active contact of this customer.")})
    if not 1 <= int(days) <= LINK_MAX_DAYS:
        raise ValidationError(
            {"days": _("A link is valid for 1 to %(max)s days.") % {"max": LINK_MAX_DAYS}}
        )
    now = timezone.now()
    for old in VerdictLink.objects.filter(answer=answer, used_at=None, expires_at__gt=now):
        audit.save_changes(old, {"expires_at": now}, actor=actor, action="complaints.link_revoked")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = VerdictLink(
        answer=answer,
        token_hash=hash_token(token),
        contact=contact,
        expires_at=calendar.add_calendar_hours(now, 24 * int(days)),
    )
    audit.save_new(link, actor=actor, action="complaints.link_created")
    return token


def link_for_token(token: str) -> VerdictLink | None:
    """The link of a token, whatever its state (None: no such token)."""
    if not token or len(token) > 200:
        return None
    return (
        VerdictLink.objects.select_related("answer__complaint__customer", "contact")
        .filter(token_hash=hash_token(token))
        .first()
    )


def link_usable(link: VerdictLink | None) -> bool:
    """Unspent, unexpired, and its version still waits for the verdict."""
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return False
    answer = link.answer
    if answer.verdict:
        return False
    latest = latest_answer(answer.complaint)
    return (
        answer.complaint.status == Status.ANSWERED
        and latest is not None
        and (latest.pk == answer.pk)
    )


def verdict_url(token: str) -> str:
    return reverse("complaints:verdict_start", args=[token])


# --- The verdict -------------------------------------------------------------------------------


@audit.change_transaction()
def record_verdict(
    answer: Answer,
    *,
    accepted: bool,
    reason: str = "",
    actor=None,
    contact: Contact | None = None,
    link: VerdictLink | None = None,
    containment_rejected: bool = False,
    at: dt.datetime | None = None,
) -> Complaint:
    """The customer accepts or rejects one answered version, once. Staff record it (`actor`,
    optionally the `contact` who gave it and when: `at`), or the contact gives it through a
    private `link`. Returns the complaint (accepted) or the reopening `<root>-n` (rejected)."""
    if actor is not None:
        require(actor.has_perm(PERMISSION))
        require(can_see(actor, answer.complaint))
    elif link is None:
        raise PermissionDenied
    complaint = _locked(answer.complaint)
    answer.refresh_from_db()
    if link is not None:
        link = VerdictLink.objects.select_for_update().get(pk=link.pk)
        if link.answer_id != answer.pk or not link_usable(link):
            raise BusinessRuleError(_("This link is no longer valid."), "link_invalid")
        contact = link.contact
    _require_pending(answer)
    if contact is not None and contact.customer_id != complaint.customer_id:
        raise ValidationError({"contact": _("The contact does not belong to this customer.")})
    reason = (reason or "").strip()
    if not accepted and not reason:
        raise ValidationError({"reason": _("Give the customer's reason for rejecting.")})
    at = _check_moment(
        at if actor is not None else None, not_before=answer.sent_at, field_name="at"
    )
    audit.save_changes(
        answer,
        {
            "verdict": Answer.Verdict.ACCEPTED if accepted else Answer.Verdict.REJECTED,
            "verdict_at": at,
            "verdict_by": actor,
            "verdict_contact": contact,
            "rejection_reason": "" if accepted else reason,
            "containment_rejected": bool(containment_rejected) and not accepted,
        },
        actor=actor,
        reason=reason,
        action="complaints.verdict_recorded",
    )
    if link is not None:
        audit.save_changes(link, {"used_at": timezone.now()}, actor=actor)
    result = complaint
    if accepted:
        audit.save_changes(
            complaint, {"status": Status.ACCEPTED}, actor=actor, action="complaints.accepted"
        )
    else:
        audit.save_changes(
            complaint,
            {"status": Status.REOPENED},
            actor=actor,
            reason=reason,
            action="complaints.rejected",
        )
        # The rejected version is read-only: its clocks still running (at least the closure
        # clock) end here, neither met nor missed; the reopening's clocks take over.
        clocks.cancel_clocks(complaint, actor=actor, at=at)
        result = _reopen(complaint, answer, at=at, actor=actor)
    publish(
        "customer_answered",
        recipients=_people(complaint),
        record=result,
        actor=actor,
        context={"accepted": accepted, "reason": reason, "number": complaint.number},
        key=f"complaint:{complaint.pk}:verdict:{answer.pk}",
    )
    return result


# --- Reopening ---------------------------------------------------------------------------------

HEADER_FIELDS = [
    "customer",
    "contact",
    "customer_reference",
    "channel",
    "complaint_type",
    "part_number",
    "part_name",
    "customer_part_number",
    "lot_number",
    "quantity_delivered",
    "quantity_affected",
    "quantity_checked",
    "quantity_rejected",
    "defect_description",
    "defect_category",
    "severity",
    "safety_regulatory",
    "major",
    "detection_point",
    "goods_returned",
    "owner",
    "department",
    "is_repeat",
]


def _reopen(parent: Complaint, answer: Answer, *, at, actor) -> Complaint:
    """The case continues as `<root>-n`: the header and a draft copy of the 8D, fresh clocks
    from the rejection, the root's reopen count up by one."""
    root = Complaint.objects.select_for_update().get(number=parent.root_number)
    index = root.reopen_count + 1
    audit.save_changes(
        root,
        {"reopen_count": index},
        actor=actor,
        expected_version=root.version,
        reason=answer.rejection_reason,
        action="complaints.reopen_counted",
    )
    child = Complaint(
        **{name: getattr(parent, name) for name in HEADER_FIELDS},
        number=f"{root.root_number}-{index}",
        root_number=root.root_number,
        revision=index,
        parent=parent,
        reopen_count=index,
        received_at=at,
        received_by=actor or parent.received_by,
        sla_policy=policy_for(parent.customer),
        status=Status.REGISTERED,
    )
    audit.save_new(
        child, actor=actor, action="complaints.reopening", reason=answer.rejection_reason
    )
    earlier = list(parent.repeat_of.all())
    if earlier:
        child.repeat_of.set(earlier)
    _carry_over(parent, child, actor=actor, containment_rejected=answer.containment_rejected)
    only = list(REOPEN_CLOCKS)
    if answer.containment_rejected:
        only.append(ClockName.CONTAINMENT)
    _start_clocks(child, started_at=at, actor=actor, only=only)
    return child


def _copy(row, child: Complaint, *, actor, reason: str, **changes):
    row.pk = None
    row.id = None
    row._state.adding = True
    row.complaint = child
    if hasattr(row, "version"):
        row.version = 1
        row.created_by = None
    for name, value in changes.items():
        setattr(row, name, value)
    return audit.save_new(row, actor=actor, action="complaints.carried_over", reason=reason)


def _carry_over(parent: Complaint, child: Complaint, *, actor, containment_rejected: bool) -> None:
    """The 8D as a draft: D0–D2 (and D3 unless the containment was rejected) as they were,
    D4–D7 in progress again; rows copied, actions open again. Every copied step is marked with
    the number it came from."""
    reason = _("Carried over from %(number)s") % {"number": parent.number}
    kept = [s for s in KEPT_STEPS if not (s == Step.D3 and containment_rejected)]
    for row in EightDStep.objects.filter(complaint=parent).exclude(step=Step.D8):
        data = {**row.data, CARRIED_OVER: parent.number}
        if row.step in kept:
            _copy(row, child, actor=actor, reason=reason, data=data)
        else:
            _copy(
                row,
                child,
                actor=actor,
                reason=reason,
                data=data,
                status=EightDStep.Status.IN_PROGRESS,
                completed_at=None,
                completed_by=None,
            )
    for model in (TeamMember, ContainmentAction, DocumentUpdate, HorizontalDeployment, Attachment):
        for row in model.objects.filter(complaint=parent).order_by("pk"):
            _copy(row, child, actor=actor, reason=reason)
    causes = {}
    for cause in RootCause.objects.filter(complaint=parent).order_by("pk"):
        old = cause.pk
        causes[old] = _copy(cause, child, actor=actor, reason=reason)
    for action in Action.objects.filter(complaint=parent).order_by("pk"):
        _copy(
            action,
            child,
            actor=actor,
            reason=reason,
            root_cause=causes.get(action.root_cause_id),
            status=Action.Status.OPEN,
            done_at=None,
            evidence="",
            effectiveness_result="",
            effectiveness_checked_at=None,
        )
    investigation = QualityInvestigation.objects.filter(complaint=parent).first()
    if investigation is not None:
        _copy(investigation, child, actor=actor, reason=reason)


def close_reopened_chain(complaint: Complaint, *, actor, at=None) -> list[Complaint]:
    """When a reopening closes, the rejected versions before it close with it (they stay
    "rejected" in their answers). Call inside the closing transaction."""
    at = at or timezone.now()
    closed = []
    for earlier in Complaint.objects.filter(
        root_number=complaint.root_number, revision__lt=complaint.revision, status=Status.REOPENED
    ).select_for_update():
        audit.save_changes(
            earlier,
            {"status": Status.CLOSED, "closed_at": at},
            actor=actor,
            reason=_("Closed with %(number)s") % {"number": complaint.number},
            action="complaints.closed_with_reopening",
        )
        closed.append(earlier)
    return closed


def carried_over_from(step_row: EightDStep) -> str:
    """The complaint number a step was copied from when the case was reopened ("" if not)."""
    return str((step_row.data or {}).get(CARRIED_OVER, ""))


# --- Registration ------------------------------------------------------------------------------

AUDIT_CODES = [
    ("complaints.answer_sent", gettext_lazy("Answer sent to the customer")),
    ("complaints.answered", gettext_lazy("Waiting for the customer's verdict")),
    ("complaints.link_created", gettext_lazy("Private verdict link created")),
    ("complaints.link_revoked", gettext_lazy("Private verdict link revoked")),
    ("complaints.verdict_recorded", gettext_lazy("Customer's verdict recorded")),
    ("complaints.accepted", gettext_lazy("Accepted by the customer")),
    ("complaints.rejected", gettext_lazy("Rejected by the customer and reopened")),
    ("complaints.reopen_counted", gettext_lazy("Reopen count increased")),
    ("complaints.reopening", gettext_lazy("Reopened after the customer's rejection")),
    ("complaints.carried_over", gettext_lazy("Carried over from the rejected complaint")),
    ("complaints.closed_with_reopening", gettext_lazy("Closed with its reopening")),
]


def _render_answer_sent(record, context) -> tuple[str, str]:
    return (
        _("Answer to %(number)s sent to the customer (version %(version)s)")
        % {"number": record, "version": context.get("version", "")},
        "",
    )


def _render_customer_answered(record, context) -> tuple[str, str]:
    number = context.get("number") or str(record)
    if context.get("accepted"):
        return _("The customer accepted the answer to %(number)s") % {"number": number}, ""
    return (
        _("The customer rejected the answer to %(number)s; the case continues as %(record)s")
        % {"number": number, "record": record},
        context.get("reason", ""),
    )


def register() -> None:
    """Registrations of this module (approval kinds, job kinds, menu items, events), called from
    ComplaintsConfig.ready()."""
    from django.contrib import admin

    from cqms.audit import codes
    from cqms.core import menu
    from cqms.notifications import events

    from . import spreadsheets
    from .models import ReportSettings

    for code, label in AUDIT_CODES:
        codes.register(code, label)
    events.register("answer_sent", gettext_lazy("Answer sent to the customer"), _render_answer_sent)
    events.register(
        "customer_answered", gettext_lazy("Customer answered"), _render_customer_answered
    )
    menu.add(
        "quality",
        menu.MenuItem(
            gettext_lazy("Complaint tracking list"),
            "complaints:tracking",
            "list-check",
            "complaints.view_complaint",
            active_prefixes=("/complaints/tracking/",),
        ),
    )
    spreadsheets.register()
    if not admin.site.is_registered(ReportSettings):
        from cqms.audit.admin import AuditedModelAdmin

        class ReportSettingsAdmin(AuditedModelAdmin):
            list_display = ["company_name", "form_number", "revision"]
            fieldsets = [
                (_("Our company"), {"fields": ["company_name", "company_name_en", "logo"]}),
                (_("Controlled form"), {"fields": ["form_number", "revision"]}),
            ]

            def has_add_permission(self, request):
                return not ReportSettings.objects.exists() and super().has_add_permission(request)

            def has_delete_permission(self, request, obj=None):
                return False

        admin.site.register(ReportSettings, ReportSettingsAdmin)
