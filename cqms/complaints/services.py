"""Customer complaint handling (procedure 001 §6): register, acknowledge, hand over, pause the
clocks, cancel. The 8D steps live in `eightd.py`, the answer and the verdict in `answers.py`.

Every function checks permission and scope, validates, writes, audits and notifies inside one
`change_transaction()`.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqms.audit import services as audit
from cqms.clocks import services as clocks
from cqms.clocks.services import ClockSpec
from cqms.core.errors import BusinessRuleError
from cqms.core.files import check_upload
from cqms.customers.models import Customer
from cqms.notifications.services import publish
from cqms.numbering.services import next_number
from cqms.organisation import access
from cqms.organisation.models import Department, User

from .models import Attachment, ClockName, Complaint, SlaPolicy, SlaRule

CLOCK_ORDER = [c.value for c in ClockName]
# A start in the future beyond this is a typing error, not a clock skew.
FUTURE_TOLERANCE = dt.timedelta(minutes=10)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def require_open(complaint: Complaint) -> None:
    if not complaint.is_open:
        raise BusinessRuleError(
            _("Complaint %(number)s is %(status)s and can no longer be changed.")
            % {"number": complaint.number, "status": complaint.get_status_display()},
            "complaint_not_open",
        )


def can_see(user, complaint: Complaint) -> bool:
    """Whether `complaint` is within the user's data scope. Remembered on the instance per user
    and stored version: a page asks several times, and any change bumps the version."""
    seen = complaint.__dict__.setdefault("_cqms_seen_by", {})
    key = (user.pk, complaint.version)
    if key not in seen:
        seen[key] = access.visible(user, Complaint.objects.filter(pk=complaint.pk)).exists()
    return seen[key]


def mark_seen(user, complaint: Complaint) -> Complaint:
    """Record that `complaint` was just read through the user's scope (see `can_see`)."""
    complaint.__dict__.setdefault("_cqms_seen_by", {})[(user.pk, complaint.version)] = True
    return complaint


# Audit actions written here; their sentences are registered in ComplaintsConfig.ready().
AUDIT_CODES = [
    ("complaints.repeat_linked", gettext_lazy("Linked to earlier complaints as a repeat")),
    ("complaints.acknowledged", gettext_lazy("Receipt acknowledged")),
    ("complaints.handed_over", gettext_lazy("Handed over")),
    ("complaints.cancelled", gettext_lazy("Cancelled")),
]


# --- SLA policy and clocks ---------------------------------------------------------------------


def policy_for(customer: Customer) -> SlaPolicy:
    """The customer's own policy when it has an active one, else the default policy."""
    own = SlaPolicy.objects.filter(customer=customer, is_active=True).first()
    if own is not None:
        return own
    default = SlaPolicy.objects.filter(is_default=True, is_active=True).first()
    if default is None:
        raise BusinessRuleError(
            _("No default SLA policy is active: an administrator must set one."), "no_sla_policy"
        )
    return default


def clock_specs(policy: SlaPolicy, *, severity: str, complaint_type: str) -> list[ClockSpec]:
    """One spec per clock: the most specific rule wins (severity and type over the general)."""
    rules = SlaRule.objects.filter(
        Q(severity=severity) | Q(severity=""),
        Q(complaint_type=complaint_type) | Q(complaint_type=""),
        policy=policy,
    )
    return specs_from_rules(rules)


def specs_from_rules(rules: Iterable[SlaRule]) -> list[ClockSpec]:
    """The clocks of a policy's rules that apply (see `clock_specs`)."""
    best: dict[str, SlaRule] = {}
    for rule in rules:
        score = (rule.severity != "") + (rule.complaint_type != "")
        current = best.get(rule.clock)
        if current is None or score > (current.severity != "") + (current.complaint_type != ""):
            best[rule.clock] = rule
    return [
        ClockSpec(name, best[name].basis, Decimal(best[name].amount))
        for name in CLOCK_ORDER
        if name in best
    ]


# --- Recurrence --------------------------------------------------------------------------------


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (the month's last day if shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def earlier_similar(
    *,
    customer: Customer,
    part_number: str = "",
    customer_part_number: str = "",
    defect_category=None,
    received_at: dt.datetime | None = None,
    exclude_root: str = "",
):
    """Earlier complaints of the same customer about the same part (our or the customer's part
    number) and defect category within the window: the new one is then a repeat."""
    received_at = received_at or timezone.now()
    months = policy_for(customer).recurrence_window_months
    since = months_before(received_at, months)
    same_part = Q()
    if part_number:
        same_part |= Q(part_number__iexact=part_number)
    if customer_part_number:
        same_part |= Q(customer_part_number__iexact=customer_part_number)
    if not same_part:
        return Complaint.objects.none()
    query = Complaint.objects.filter(
        same_part,
        customer=customer,
        received_at__gte=since,
        received_at__lte=received_at,
        revision=0,
    ).exclude(status=Complaint.Status.CANCELLED)
    if defect_category is not None:
        query = query.filter(defect_category=defect_category)
    if exclude_root:
        query = query.exclude(root_number=exclude_root)
    return query.order_by("-received_at")


# --- Registering -------------------------------------------------------------------------------


def _quality_department() -> Department:
    department = Department.objects.filter(code="quality", is_active=True).first()
    if department is None:
        raise BusinessRuleError(
            _("Choose the responsible department: there is no quality department."),
            "no_department",
        )
    return department


def _validate_intake(values: dict) -> None:
    errors = {}
    received_at = values.get("received_at")
    if received_at is not None and received_at > timezone.now() + FUTURE_TOLERANCE:
        errors["received_at"] = _("The complaint cannot have been received in the future.")
    checked, rejected = values.get("quantity_checked"), values.get("quantity_rejected")
    if checked is not None and rejected is not None and rejected > checked:
        errors["quantity_rejected"] = _("More parts rejected than checked.")
    delivered, affected = values.get("quantity_delivered"), values.get("quantity_affected")
    if delivered is not None and affected is not None and affected > delivered:
        errors["quantity_affected"] = _("More parts affected than delivered.")
    customer = values.get("customer")
    if customer is not None and customer.status == Customer.Status.VOIDED:
        errors["customer"] = _("This customer is voided.")
    contact = values.get("contact")
    if contact is not None and customer is not None and contact.customer_id != customer.pk:
        errors["contact"] = _("The contact does not belong to this customer.")
    reference = values.get("customer_reference", "")
    if (
        reference
        and customer is not None
        and Complaint.objects.filter(
            customer=customer, customer_reference__iexact=reference, revision=0
        ).exists()
    ):
        errors["customer_reference"] = _(
            "A complaint with this reference of the customer is already registered."
        )
    if errors:
        raise ValidationError(errors)


@audit.change_transaction()
def register_complaint(values: dict, *, actor: User, attachments: Iterable = ()) -> Complaint:
    """Sales, customer service or quality register a complaint (procedure 001 6.1.1–6.1.2).
    Its clocks start at the time it was received, not at registration."""
    require(actor.has_perm("complaints.add_complaint"))
    _validate_intake(values)
    complaint = Complaint(**values)
    require(access.visible(actor, Customer.objects.filter(pk=complaint.customer_id)).exists())
    complaint.number = complaint.root_number = next_number("complaint")
    complaint.department_id = complaint.department_id or _quality_department().pk
    complaint.received_by = complaint.received_by or actor
    complaint.sla_policy = policy_for(complaint.customer)
    if complaint.safety_regulatory:
        complaint.major = True
    earlier = list(
        earlier_similar(
            customer=complaint.customer,
            part_number=complaint.part_number,
            customer_part_number=complaint.customer_part_number,
            defect_category=complaint.defect_category,
            received_at=complaint.received_at,
        )[:20]
    )
    complaint.is_repeat = bool(earlier)
    audit.save_new(complaint, actor=actor)
    if earlier:
        complaint.repeat_of.set(earlier)
        audit.record(
            complaint,
            "complaints.repeat_linked",
            actor=actor,
            changes=[
                {"field": "repeat_of", "old": "", "new": ", ".join(c.number for c in earlier)}
            ],
        )
    for upload in attachments:
        add_attachment(complaint, upload, actor=actor)
    _start_clocks(complaint, started_at=complaint.received_at, actor=actor)
    _announce(complaint, actor=actor)
    return complaint


def _start_clocks(complaint: Complaint, *, started_at, actor, only: Iterable[str] | None = None):
    specs = clock_specs(
        complaint.sla_policy,
        severity=complaint.severity,
        complaint_type=complaint.complaint_type,
    )
    if only is not None:
        specs = [spec for spec in specs if spec.name in set(only)]
    responsible = complaint.owner or complaint.department.head
    return clocks.start_clocks(
        complaint,
        specs,
        started_at=started_at,
        actor=actor,
        owner=responsible,
        department=complaint.department,
    )


def _announce(complaint: Complaint, *, actor) -> None:
    people = [p for p in (complaint.owner, complaint.department.head) if p is not None]
    publish(
        "assigned",
        recipients=people,
        record=complaint,
        actor=actor,
        key=f"complaint:{complaint.pk}:assigned",
    )
    if complaint.major:
        # A major issue goes to the management representative and the general manager at once.
        managers = User.objects.filter(
            is_active=True, roles__code__in=["management_representative", "general_manager"]
        ).distinct()
        publish(
            "escalated",
            recipients=list(managers),
            record=complaint,
            actor=actor,
            key=f"complaint:{complaint.pk}:major",
            include_actor=True,
        )


def add_attachment(complaint: Complaint, upload, *, actor, step: str = "", description=""):
    checked = check_upload(upload)
    attachment = Attachment(
        complaint=complaint,
        step=step,
        original_filename=checked.original_name,
        file_size=checked.size,
        sha256=checked.sha256,
        description=description,
        uploaded_by=actor,
    )
    attachment.file.save(checked.original_name, upload, save=False)
    return audit.save_new(attachment, actor=actor)


# --- First response ----------------------------------------------------------------------------


@audit.change_transaction()
def acknowledge(complaint: Complaint, *, actor: User) -> Complaint:
    """The first responder confirms receipt to the customer; the acknowledgement clock stops."""
    require(actor.has_perm("complaints.add_complaint") or actor.has_perm("complaints.work_eightd"))
    require(can_see(actor, complaint))
    if complaint.status != Complaint.Status.REGISTERED:
        raise BusinessRuleError(_("This complaint is already acknowledged."), "acknowledged")
    now = timezone.now()
    audit.save_changes(
        complaint,
        {"status": Complaint.Status.ACKNOWLEDGED, "acknowledged_at": now, "acknowledged_by": actor},
        actor=actor,
        action="complaints.acknowledged",
    )
    clocks.stop_clock(complaint, ClockName.ACKNOWLEDGEMENT, actor=actor, at=now, missing_ok=True)
    return complaint


@audit.change_transaction()
def hand_over(complaint: Complaint, *, to: User, actor: User, reason: str = "") -> Complaint:
    """Pass the complaint to another owner; the hand-over is kept in the history and the new
    owner is told. Running clocks follow the owner."""
    require(actor.has_perm("complaints.work_eightd") or actor.has_perm("complaints.add_complaint"))
    require(can_see(actor, complaint))
    require_open(complaint)
    if complaint.owner_id == to.pk:
        raise BusinessRuleError(_("This person already owns the complaint."), "same_owner")
    audit.save_changes(
        complaint, {"owner": to}, actor=actor, reason=reason, action="complaints.handed_over"
    )
    for clock in clocks.clocks_for(complaint):
        if clock.done_at is None:
            audit.save_changes(clock, {"owner": to}, actor=actor)
    publish(
        "assigned",
        recipients=[to],
        record=complaint,
        actor=actor,
        key=f"complaint:{complaint.pk}:assigned:{to.pk}:{complaint.version}",
    )
    return complaint


@audit.change_transaction()
def pause_clock(complaint: Complaint, name: str, *, reason: str, actor: User) -> None:
    require(actor.has_perm("complaints.work_eightd"))
    require(can_see(actor, complaint))
    require_open(complaint)
    clocks.pause_clock(complaint, name, reason=reason, actor=actor)


@audit.change_transaction()
def resume_clock(complaint: Complaint, name: str, *, actor: User) -> None:
    require(actor.has_perm("complaints.work_eightd"))
    require(can_see(actor, complaint))
    clocks.resume_clock(complaint, name, actor=actor)


@audit.change_transaction()
def cancel(complaint: Complaint, *, reason: str, actor: User) -> Complaint:
    """Entered in error, a duplicate, or withdrawn by the customer. The number is kept."""
    require(actor.has_perm("complaints.cancel_complaint"))
    require(can_see(actor, complaint))
    require_open(complaint)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    audit.save_changes(
        complaint,
        {"status": Complaint.Status.CANCELLED, "cancel_reason": reason},
        actor=actor,
        reason=reason,
        action="complaints.cancelled",
    )
    clocks.cancel_clocks(complaint, actor=actor)
    return complaint
