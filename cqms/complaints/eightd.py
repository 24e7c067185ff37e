"""The 8D report of a complaint (procedure 001 §6.2–6.3, Ford G8D / VDA 8D): step content, the
rows of each step, the gates that must hold before a step is done, and the status the steps move
the complaint to.

    save_step(complaint, "d3", {"clean_point": "..."}, actor=user, expected_version=2)
    complete_step(complaint, "d3", actor=user)        # gates checked here, on the server
    request_closure(complaint, actor=user)            # D8: the quality manager's approval

Status flow driven by the steps (one service per transition):

    acknowledged ─complete D3─▶ contained ─complete D4─▶ analysed ─complete D5 and D7─▶
    actions_answered   (the answers module sends the reply: answered → accepted)
    accepted ─closure approved (D8)─▶ closed

Every function checks permission ("complaints.work_eightd") and the complaint's data scope, the
complaint's state, the versions the user read, then writes and audits inside one
`change_transaction()` and publishes after commit. The specification of each step (fields,
required fields, gates in words) is `steps.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqms.audit import services as audit
from cqms.clocks import services as clocks
from cqms.core.errors import BusinessRuleError
from cqms.core.work import WorkItem, WorkSection
from cqms.notifications.services import publish
from cqms.organisation import access
from cqms.organisation.models import User

from . import answers, steps
from .models import (
    Action,
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
)
from .services import add_attachment, can_see, require, require_open

CLOSURE_KIND = "complaints.eightd_closure"
WAIVER_KIND = "complaints.preventive_action_waiver"
StepStatus = EightDStep.Status
Status = Complaint.Status
FINISHED = (StepStatus.DONE, StepStatus.NOT_APPLICABLE)
MAX_WHYS = 10

# Statuses the 8D steps move the complaint through; later statuses belong to the answer.
EIGHTD_STATUSES = (Status.ACKNOWLEDGED, Status.CONTAINED, Status.ANALYSED, Status.ACTIONS_ANSWERED)


class StepIncomplete(BusinessRuleError):
    """A step's gates do not hold: `missing` names each missing piece in words."""

    def __init__(self, step: str, missing: list[str]):
        self.step = step
        self.missing = missing
        message = _("%(step)s cannot be completed yet: %(missing)s") % {
            "step": Step(step).label,
            "missing": " ".join(missing),
        }
        super().__init__(message, "step_incomplete")


# --- Permissions and small helpers -----------------------------------------------------------


def may_work(user, complaint: Complaint) -> bool:
    return user.has_perm("complaints.work_eightd") and can_see(user, complaint)


def is_quality_manager(user) -> bool:
    if user.is_superuser:
        return True
    return "quality_manager" in access.active_roles(user)


def _require_worker(actor, complaint: Complaint) -> None:
    require(actor.has_perm("complaints.work_eightd"))
    require(can_see(actor, complaint))


def _fresh(complaint: Complaint) -> Complaint:
    """The complaint as stored now (the caller's copy may be older than this transaction)."""
    complaint.refresh_from_db()
    return complaint


def step_code(step) -> str:
    if step not in Step.values:
        raise ValidationError({"step": _("Unknown 8D step %(step)s.") % {"step": step}})
    return str(step)


def stored_steps(complaint: Complaint) -> dict[str, EightDStep]:
    return {s.step: s for s in EightDStep.objects.filter(complaint=complaint)}


# The 8D content of a complaint: one query per kind of row, then the people the rows name in
# one more (joining each kind to users and departments cost more than the rows themselves).
CONTENT = (
    Prefetch("steps", EightDStep.objects.all()),
    Prefetch("team", TeamMember.objects.all()),
    Prefetch("containment", ContainmentAction.objects.all()),
    Prefetch("root_causes", RootCause.objects.all()),
    Prefetch("actions", Action.objects.all()),
    Prefetch("documents", DocumentUpdate.objects.all()),
    Prefetch("deployments", HorizontalDeployment.objects.all()),
    Prefetch("attachments", Attachment.objects.all()),
)
PEOPLE = {
    "steps": ("owner", "completed_by"),
    "team": ("user",),
    "containment": ("responsible",),
    "actions": ("owner",),
    "deployments": ("owner",),
    "attachments": ("uploaded_by",),
}


def load_content(complaint: Complaint, *, fresh: bool = False) -> Complaint:
    """Read the 8D content onto the complaint (`complaint.team.all()` ...), each person with
    their department (the user pickers of the forms name people so).
    What is already loaded stays as it is unless `fresh`: the complaint page reads it fresh
    once, and its signature check reuses it."""
    cached = getattr(complaint, "_prefetched_objects_cache", {})
    if fresh:
        for lookup in CONTENT:
            cached.pop(lookup.prefetch_to, None)
    elif all(lookup.prefetch_to in cached for lookup in CONTENT):
        return complaint
    prefetch_related_objects([complaint], *CONTENT)
    _attach_people(complaint)
    causes = {cause.pk: cause for cause in complaint.root_causes.all()}
    for action in complaint.actions.all():
        if action.root_cause_id in causes:
            action.root_cause = causes[action.root_cause_id]
    return complaint


def _attach_people(complaint: Complaint) -> None:
    rows = [
        (row, field)
        for kind, fields in PEOPLE.items()
        for row in getattr(complaint, kind).all()
        for field in fields
    ]
    ids = {getattr(row, f"{field}_id") for row, field in rows} - {None}
    people = User.objects.select_related("department").in_bulk(ids) if ids else {}
    for row, field in rows:
        if (pk := getattr(row, f"{field}_id")) is not None:
            setattr(row, field, people[pk])


def step_status(complaint: Complaint, step: str) -> str:
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    return stored.status if stored else StepStatus.NOT_STARTED


def _done_steps(complaint: Complaint) -> set[str]:
    return set(
        EightDStep.objects.filter(complaint=complaint, status__in=FINISHED).values_list(
            "step", flat=True
        )
    )


def closure_running(complaint: Complaint, *, known=None) -> bool:
    """`known`: the complaint's approvals newest first, when the caller has loaded them."""
    return _approval_running(complaint, CLOSURE_KIND, known)


def waiver_running(complaint: Complaint, *, known=None) -> bool:
    return _approval_running(complaint, WAIVER_KIND, known)


def _approval_running(complaint: Complaint, kind: str, known) -> bool:
    from cqms.approvals import selectors as approvals

    instance = approvals.latest_instance(complaint, kind, known=known)
    return instance is not None and instance.status == "running"


def _require_editable(complaint: Complaint) -> None:
    require_open(complaint)
    if closure_running(complaint):
        raise BusinessRuleError(
            _(
                "The 8D of %(number)s is waiting for the closure approval. Withdraw the approval "
                "to change it."
            )
            % {"number": complaint.number},
            "closure_running",
        )


def _require_step_open(complaint: Complaint, step: str) -> None:
    if step_status(complaint, step) in FINISHED:
        raise BusinessRuleError(
            _("%(step)s is done. Ask the quality manager to reopen it before changing it.")
            % {"step": Step(step).label},
            "step_done",
        )


def _people(*people) -> list[User]:
    return [person for person in people if person is not None]


def _announce_step(complaint: Complaint, row: EightDStep, *, actor) -> None:
    publish(
        "step_completed",
        recipients=_people(complaint.owner, complaint.department.head),
        record=complaint,
        actor=actor,
        context={"step": str(Step(row.step).label)},
        key=f"complaint:{complaint.pk}:step:{row.step}:done:{row.version}",
    )


# --- Steps -------------------------------------------------------------------------------------


@audit.change_transaction()
def save_step(
    complaint: Complaint, step: str, values: dict, *, actor, expected_version: int | None
) -> EightDStep:
    """Save a step as a draft (nothing is required yet). `values` holds the step's own fields
    (cleaned by the step form) and optionally `owner` and `planned_date`. `expected_version` is
    the version the user read: 0 when the step had not been saved yet; a stale version raises
    ConcurrentEditError and nothing is written."""
    step = step_code(step)
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    spec = steps.spec(step)
    _require_step_open(complaint, step)
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    data = dict(stored.data) if stored is not None else {}
    for item in spec.fields:
        if item.name in values:
            data[item.name] = steps.dump_value(item, values[item.name])
    changes: dict = {"data": data}
    for name in ("owner", "planned_date"):
        if name in values:
            changes[name] = values[name] or None
    owner = changes.get("owner")
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": _("This person can no longer sign in.")})
    if stored is None:
        if expected_version:
            # The user read a stored step that is gone: never happens (steps are kept).
            raise BusinessRuleError(_("This step no longer exists."), "step_missing")
        stored = EightDStep(
            complaint=complaint, step=step, status=StepStatus.IN_PROGRESS, **changes
        )
        audit.save_new(stored, actor=actor)
        _opened(complaint, step, actor=actor)
        owner_before = None
    else:
        owner_before = stored.owner_id
        if stored.status == StepStatus.NOT_STARTED:
            changes["status"] = StepStatus.IN_PROGRESS
        audit.save_changes(
            stored,
            changes,
            actor=actor,
            expected_version=expected_version if expected_version is not None else stored.version,
        )
    if owner is not None and owner.pk != owner_before and owner.pk != actor.pk:
        publish(
            "assigned",
            recipients=[owner],
            record=complaint,
            actor=actor,
            context={"step": str(Step(step).label)},
            key=f"complaint:{complaint.pk}:step:{step}:owner:{owner.pk}",
        )
    return stored


def _opened(complaint: Complaint, step: str, *, actor) -> None:
    """A step saved for the first time: D3 offers its six locations, D7 its four documents."""
    if step == Step.D3:
        _offer_locations(complaint, actor=actor)
    elif step == Step.D7:
        _offer_documents(complaint, actor=actor)


def _offer_locations(complaint: Complaint, *, actor) -> None:
    present = set(complaint.containment.values_list("location", flat=True))
    for location in steps.CONTAINMENT_LOCATIONS:
        if location not in present:
            audit.save_new(
                ContainmentAction(complaint=complaint, location=location, responsible=actor),
                actor=actor,
            )


def _offer_documents(complaint: Complaint, *, actor) -> None:
    present = set(complaint.documents.values_list("document", flat=True))
    for document in steps.DOCUMENTS:
        if document not in present:
            audit.save_new(DocumentUpdate(complaint=complaint, document=document), actor=actor)


@audit.change_transaction()
def start_step(complaint: Complaint, step: str, *, actor) -> EightDStep:
    """Open a step without content (D3: the containment grid with its six locations)."""
    step = step_code(step)
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    if stored is None:
        stored = audit.save_new(
            EightDStep(complaint=complaint, step=step, status=StepStatus.IN_PROGRESS),
            actor=actor,
        )
    elif stored.status in FINISHED:
        return stored
    elif stored.status == StepStatus.NOT_STARTED:
        audit.save_changes(stored, {"status": StepStatus.IN_PROGRESS}, actor=actor)
    _opened(complaint, step, actor=actor)
    return stored


# --- Gates -------------------------------------------------------------------------------------


def check_step(complaint: Complaint, step: str) -> tuple[dict[str, str], list[str]]:
    """What is missing before `step` may be completed: (field name → message, other gaps).
    Both empty: the step may be completed."""
    step = step_code(step)
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    data = stored.data if stored is not None else {}
    fields: dict[str, str] = {}
    for item in steps.spec(step).fields:
        if item.required and not steps.is_filled(item, data.get(item.name)):
            fields[item.name] = _("Fill in “%(field)s” to complete the step.") % {
                "field": item.label
            }
    gaps: list[str] = []
    done = _done_steps(complaint)
    for before in steps.PREREQUISITES.get(step, ()):
        if before not in done:
            gaps.append(_("Complete %(step)s first.") % {"step": Step(before).label})
    gate = GATES.get(step)
    if gate is not None:
        gate(complaint, data, fields, gaps)
    return fields, gaps


def _gate_d1(complaint, data, fields, gaps) -> None:
    team = list(complaint.team.all())
    leaders = [m for m in team if m.role == TeamMember.Role.LEADER]
    if not leaders:
        gaps.append(_("The team needs a leader."))
    if len([m for m in team if m.role != TeamMember.Role.LEADER]) < 1:
        gaps.append(_("The team needs at least one member besides the leader."))


def _gate_d2(complaint, data, fields, gaps) -> None:
    evidence = complaint.attachments.filter(step__in=["", Step.D2]).exists()
    if not evidence:
        gaps.append(_("Attach at least one piece of evidence (photo, returned part, data) to D2."))


def _gate_d3(complaint, data, fields, gaps) -> None:
    if complaint.status == Status.REGISTERED:
        gaps.append(_("Acknowledge receipt of the complaint before answering the containment."))
    rows = list(complaint.containment.select_related("responsible"))
    present = {row.location for row in rows}
    for location in steps.CONTAINMENT_LOCATIONS:
        if location not in present:
            gaps.append(
                _("Add the location “%(location)s” to the containment grid.")
                % {"location": ContainmentAction.Location(location).label}
            )
    for row in rows:
        label = row.get_location_display()
        if not row.result:
            gaps.append(_("Containment at “%(location)s”: give the result.") % {"location": label})
        elif row.result == ContainmentAction.Result.NOT_APPLICABLE:
            if not row.note.strip():
                gaps.append(
                    _("Containment at “%(location)s”: say in the note why it does not apply.")
                    % {"location": label}
                )
        elif not (
            row.method.strip()
            and row.responsible_id
            and row.done_at
            and row.quantity_checked is not None
            and row.quantity_rejected is not None
        ):
            gaps.append(
                _(
                    "Containment at “%(location)s”: give the method, who, when, and the "
                    "quantities checked and rejected."
                )
                % {"location": label}
            )


def _gate_d4(complaint, data, fields, gaps) -> None:
    if complaint.is_repeat and not steps.is_filled(
        steps.field_of(Step.D4, "earlier_action_failure"), data.get("earlier_action_failure")
    ):
        fields["earlier_action_failure"] = _(
            "This complaint repeats an earlier one: say why the earlier action did not prevent it."
        )
    causes = list(complaint.root_causes.all())
    for kind in RootCause.Kind:
        ready = [c for c in causes if c.kind == kind and _cause_complete(c)]
        if not ready:
            gaps.append(
                _(
                    "Give at least one verified %(kind)s cause with its 5-Why chain and how it "
                    "was verified."
                )
                % {"kind": str(kind.label).lower()}
            )


def _cause_complete(cause: RootCause) -> bool:
    whys = [w for w in cause.why_chain or [] if str(w).strip()]
    return bool(cause.verified and cause.verification.strip() and whys)


def _gate_d5(complaint, data, fields, gaps) -> None:
    actions = list(complaint.actions.filter(kind=Action.Kind.CORRECTIVE))
    if not actions:
        gaps.append(_("Choose at least one permanent corrective action."))
    for action in actions:
        if not action.verification_plan.strip():
            gaps.append(
                _("Corrective action “%(action)s”: say how it will be verified.")
                % {"action": _short(action.description)}
            )
    covered = {a.root_cause_id for a in actions if a.root_cause_id}
    for cause in complaint.root_causes.filter(verified=True):
        if cause.pk not in covered:
            gaps.append(
                _("Root cause “%(cause)s” has no corrective action.")
                % {"cause": _short(cause.description)}
            )


def _gate_d6(complaint, data, fields, gaps) -> None:
    for action in complaint.actions.filter(kind=Action.Kind.CORRECTIVE):
        name = _short(action.description)
        if action.done_at is None:
            gaps.append(
                _("Corrective action “%(action)s” is not implemented yet.") % {"action": name}
            )
        elif action.effectiveness_due is None:
            gaps.append(
                _("Corrective action “%(action)s”: schedule its effectiveness check.")
                % {"action": name}
            )
        elif action.status == Action.Status.NOT_EFFECTIVE:
            gaps.append(
                _(
                    "Corrective action “%(action)s” was found not effective: choose a new action "
                    "in D5."
                )
                % {"action": name}
            )
        elif action.status != Action.Status.EFFECTIVE or not action.effectiveness_result.strip():
            gaps.append(
                _("Corrective action “%(action)s”: record the result of its effectiveness check.")
                % {"action": name}
            )


def _gate_d7(complaint, data, fields, gaps) -> None:
    documents = {d.document: d for d in complaint.documents.all()}
    for value, label in DocumentUpdate.Document.choices:
        document = documents.get(value)
        if document is None or document.affected is None:
            gaps.append(_("%(document)s: say whether it needs updating.") % {"document": label})
        elif document.affected and not document.new_revision.strip():
            gaps.append(_("%(document)s: give the new revision.") % {"document": label})
        elif not document.affected and not document.not_affected_reason.strip():
            gaps.append(_("%(document)s: say why it is not affected.") % {"document": label})
    no_deployment = steps.is_filled(
        steps.field_of(Step.D7, "no_deployment_reason"), data.get("no_deployment_reason")
    )
    if not complaint.deployments.exists() and not no_deployment:
        gaps.append(
            _(
                "Plan the horizontal deployment to similar products and lines, or say why there "
                "is nothing to deploy to."
            )
        )
    if (
        not complaint.preventive_waived
        and not complaint.actions.filter(kind=Action.Kind.PREVENTIVE).exists()
    ):
        gaps.append(
            _(
                "Add a preventive action, or have the general manager approve waiving it "
                "(with a reason)."
            )
        )


def _gate_d8(complaint, data, fields, gaps) -> None:
    gaps.extend(closure_gaps(complaint, check_steps=False))


def closure_gaps(
    complaint: Complaint, *, check_steps: bool = True, done: set[str] | None = None
) -> list[str]:
    """Why the complaint may not close now (empty: it may). `done`: the finished steps, when
    the caller has read them."""
    gaps = []
    if complaint.status != Status.ACCEPTED:
        gaps.append(
            _("The customer has not accepted the answer (status: %(status)s).")
            % {"status": complaint.get_status_display()}
        )
    if check_steps:
        done = _done_steps(complaint) if done is None else done
        for before in steps.PREREQUISITES[Step.D8]:
            if before not in done:
                gaps.append(_("Complete %(step)s first.") % {"step": Step(before).label})
    if complaint.major:
        investigation = QualityInvestigation.objects.filter(complaint=complaint).first()
        if investigation is None or investigation.completed_at is None:
            gaps.append(
                _("A major complaint needs a completed quality investigation before it closes.")
            )
    return gaps


GATES = {
    Step.D1: _gate_d1,
    Step.D2: _gate_d2,
    Step.D3: _gate_d3,
    Step.D4: _gate_d4,
    Step.D5: _gate_d5,
    Step.D6: _gate_d6,
    Step.D7: _gate_d7,
    Step.D8: _gate_d8,
}


def _short(text: str, length: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _refuse_if_missing(step: str, fields: dict[str, str], gaps: list[str]) -> None:
    if fields:
        errors = {name: [message] for name, message in fields.items()}
        if gaps:
            errors[NON_FIELD_ERRORS] = gaps
        raise ValidationError(errors)
    if gaps:
        raise StepIncomplete(step, gaps)


# --- Completing, reopening ---------------------------------------------------------------------


@audit.change_transaction()
def complete_step(
    complaint: Complaint, step: str, *, actor, expected_version: int | None = None
) -> EightDStep:
    """Mark a step done when its required fields and gates hold (else ValidationError naming the
    empty fields, or StepIncomplete naming the rest). D3 done: the complaint is contained and the
    containment clock stops; D4: analysed; D5 and D7: actions answered (the reply may be sent).
    D8 is done by the quality manager's closure approval: completing it requests that."""
    step = step_code(step)
    if step == Step.D8:
        request_closure(complaint, actor=actor)
        return EightDStep.objects.get(complaint=complaint, step=Step.D8)
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    _require_step_open(complaint, step)
    fields, gaps = check_step(complaint, step)
    _refuse_if_missing(step, fields, gaps)
    now = timezone.now()
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    values = {"status": StepStatus.DONE, "completed_at": now, "completed_by": actor}
    if stored is None:
        stored = audit.save_new(
            EightDStep(complaint=complaint, step=step, **values),
            actor=actor,
            action="complaints.step_completed",
        )
    else:
        audit.save_changes(
            stored,
            values,
            actor=actor,
            expected_version=expected_version if expected_version else stored.version,
            action="complaints.step_completed",
        )
    if step == Step.D3:
        clocks.stop_clock(complaint, ClockName.CONTAINMENT, actor=actor, at=now, missing_ok=True)
    _sync_status(complaint, actor=actor)
    _announce_step(complaint, stored, actor=actor)
    return stored


def derived_status(done: Iterable[str]) -> str:
    """The status the done steps give a complaint between acknowledgement and the answer."""
    done = set(done)
    if {Step.D4, Step.D5, Step.D7} <= done:
        return Status.ACTIONS_ANSWERED
    if Step.D4 in done:
        return Status.ANALYSED
    if Step.D3 in done:
        return Status.CONTAINED
    return Status.ACKNOWLEDGED


def _sync_status(complaint: Complaint, *, actor, reason: str = "") -> None:
    if complaint.status not in EIGHTD_STATUSES:
        return  # before acknowledgement, or the answer has been sent: the answer decides
    status = derived_status(_done_steps(complaint))
    if status != complaint.status:
        audit.save_changes(
            complaint,
            {"status": status},
            actor=actor,
            reason=reason,
            action="complaints.eightd_status",
        )


@audit.change_transaction()
def reopen_step(
    complaint: Complaint, step: str, *, reason: str, actor, expected_version: int | None = None
) -> EightDStep:
    """The quality manager reopens a done step (with a reason) so it can be changed; the
    complaint's status follows back while the answer has not been sent."""
    step = step_code(step)
    _require_worker(actor, complaint)
    require(is_quality_manager(actor))
    _fresh(complaint)
    _require_editable(complaint)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for reopening the step.")})
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    if stored is None or stored.status not in FINISHED:
        raise BusinessRuleError(
            _("%(step)s is not done, so there is nothing to reopen.") % {"step": Step(step).label},
            "step_not_done",
        )
    audit.save_changes(
        stored,
        {"status": StepStatus.IN_PROGRESS, "completed_at": None, "completed_by": None},
        actor=actor,
        expected_version=expected_version if expected_version else stored.version,
        reason=reason,
        action="complaints.step_reopened",
    )
    _sync_status(complaint, actor=actor, reason=reason)
    return stored


@audit.change_transaction()
def mark_not_applicable(complaint: Complaint, step: str, *, reason: str, actor) -> EightDStep:
    """With a short report (D0: no full 8D needed) the team and problem-description steps may be
    marked not applicable, with the reason."""
    step = step_code(step)
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason why the step does not apply.")})
    d0 = EightDStep.objects.filter(complaint=complaint, step=Step.D0).first()
    short = d0 is not None and d0.status == StepStatus.DONE and d0.data.get("full_8d") == "no"
    if step not in steps.SHORT_REPORT_OPTIONAL or not short:
        raise BusinessRuleError(
            _(
                "Only D1 and D2 may be skipped, and only when D0 decided that a short report is "
                "enough."
            ),
            "not_optional",
        )
    _require_step_open(complaint, step)
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    values = {
        "status": StepStatus.NOT_APPLICABLE,
        "completed_at": timezone.now(),
        "completed_by": actor,
    }
    if stored is None:
        stored = EightDStep(
            complaint=complaint, step=step, data={"not_applicable_reason": reason}, **values
        )
        audit.save_new(stored, actor=actor, reason=reason, action="complaints.step_not_applicable")
    else:
        values["data"] = {**stored.data, "not_applicable_reason": reason}
        audit.save_changes(
            stored, values, actor=actor, reason=reason, action="complaints.step_not_applicable"
        )
    return stored


# --- Rows of the steps -------------------------------------------------------------------------


@dataclass(frozen=True)
class RowKind:
    model: type
    step: str
    fields: tuple[str, ...]
    label: object


ACTION_PLAN = ("root_cause", "description", "owner", "due_date", "verification_plan")
ACTION_DONE = ("done_at", "evidence")
ACTION_CHECK = ("effectiveness_due", "effectiveness_result", "status")
OWNER_FIELDS = ACTION_DONE  # what an action's owner may change without 8D rights

ROWS: dict[str, RowKind] = {
    "team": RowKind(
        TeamMember,
        Step.D1,
        ("user", "name", "department", "role", "contact"),
        gettext_lazy("team member"),
    ),
    "containment": RowKind(
        ContainmentAction,
        Step.D3,
        (
            "location",
            "method",
            "responsible",
            "done_at",
            "quantity_checked",
            "quantity_rejected",
            "result",
            "note",
        ),
        gettext_lazy("containment action"),
    ),
    "root_cause": RowKind(
        RootCause,
        Step.D4,
        ("kind", "category", "description", "why_chain", "verification", "verified"),
        gettext_lazy("root cause"),
    ),
    "corrective": RowKind(
        Action, Step.D5, ACTION_PLAN + ACTION_DONE + ACTION_CHECK, gettext_lazy("corrective action")
    ),
    "preventive": RowKind(
        Action, Step.D7, ACTION_PLAN + ACTION_DONE + ACTION_CHECK, gettext_lazy("preventive action")
    ),
    "document": RowKind(
        DocumentUpdate,
        Step.D7,
        ("document", "affected", "new_revision", "not_affected_reason"),
        gettext_lazy("document update"),
    ),
    "deployment": RowKind(
        HorizontalDeployment,
        Step.D7,
        ("target", "action", "owner", "due_date", "done_at"),
        gettext_lazy("horizontal deployment"),
    ),
}


def row_kind(kind: str) -> RowKind:
    try:
        return ROWS[kind]
    except KeyError:
        raise ValidationError(_("Unknown kind of 8D row.")) from None


def kind_of(row) -> str:
    if isinstance(row, Action):
        return str(row.kind)
    return next(name for name, spec in ROWS.items() if isinstance(row, spec.model))


def rows_of(complaint: Complaint, kind: str):
    spec = row_kind(kind)
    query = spec.model.objects.filter(complaint=complaint)
    if spec.model is Action:
        query = query.filter(kind=kind)
    return query


def get_row(complaint: Complaint, kind: str, pk) -> object:
    """One row of the complaint (DoesNotExist if it belongs to another complaint)."""
    return rows_of(complaint, kind).get(pk=pk)


def _step_of_change(kind: str, row, values: dict) -> list[str]:
    """The steps whose being done locks these changes."""
    if kind == "corrective":
        touched = set(values)
        locked = []
        if row is None or touched & set(ACTION_PLAN):
            locked.append(Step.D5)
        if touched & set(ACTION_DONE + ACTION_CHECK):
            locked.append(Step.D6)
        return locked
    if kind == "preventive":
        touched = set(values)
        return [Step.D7] if row is None or touched & set(ACTION_PLAN) else []
    return [ROWS[kind].step]


def _clean_values(kind: str, values: dict) -> dict:
    spec = ROWS[kind]
    cleaned = {name: value for name, value in values.items() if name in spec.fields}
    for name in (
        "name",
        "department",
        "contact",
        "method",
        "note",
        "description",
        "verification",
        "verification_plan",
        "evidence",
        "effectiveness_result",
        "new_revision",
        "not_affected_reason",
        "target",
        "action",
    ):
        if name in cleaned and cleaned[name] is None:
            cleaned[name] = ""
        if name in cleaned and isinstance(cleaned[name], str):
            cleaned[name] = cleaned[name].strip()
    if "why_chain" in cleaned:
        chain = cleaned["why_chain"] or []
        if isinstance(chain, str):
            chain = chain.splitlines()
        cleaned["why_chain"] = [str(w).strip() for w in chain if str(w).strip()]
    return cleaned


def _validate_row(kind: str, complaint: Complaint, row, values: dict) -> None:
    merged = {name: getattr(row, name) for name in ROWS[kind].fields} if row is not None else {}
    merged.update(values)
    errors: dict[str, str] = {}
    if kind == "team":
        if not merged.get("user") and not merged.get("name"):
            errors["user"] = _("Choose a person or give a name.")
        user = merged.get("user")
        others = complaint.team.exclude(pk=row.pk if row else None)
        if user is not None and others.filter(user=user).exists():
            errors["user"] = _("This person is already in the team.")
        if (
            merged.get("role") == TeamMember.Role.LEADER
            and others.filter(role=TeamMember.Role.LEADER).exists()
        ):
            errors["role"] = _("The team already has a leader.")
    elif kind == "containment":
        checked, rejected = merged.get("quantity_checked"), merged.get("quantity_rejected")
        if checked is not None and rejected is not None and rejected > checked:
            errors["quantity_rejected"] = _("More parts rejected than checked.")
        if not merged.get("location"):
            errors["location"] = _("Choose the location.")
    elif kind == "root_cause":
        for name, message in [
            ("kind", _("Choose occurrence or non-detection.")),
            ("category", _("Choose the Ishikawa category.")),
            ("description", _("Describe the root cause.")),
        ]:
            if not merged.get(name):
                errors[name] = message
        if len(merged.get("why_chain") or []) > MAX_WHYS:
            errors["why_chain"] = _("A 5-Why chain has at most %(count)s whys.") % {
                "count": MAX_WHYS
            }
        if merged.get("verified") and not (merged.get("verification") or "").strip():
            errors["verification"] = _("Say how the cause was verified before marking it verified.")
    elif kind in ("corrective", "preventive"):
        for name, message in [
            ("description", _("Describe the action.")),
            ("owner", _("Choose who owns the action.")),
            ("due_date", _("Give the due date.")),
        ]:
            if not merged.get(name):
                errors[name] = message
        cause = merged.get("root_cause")
        if cause is not None and cause.complaint_id != complaint.pk:
            errors["root_cause"] = _("This root cause belongs to another complaint.")
        status = merged.get("status") or Action.Status.OPEN
        if status in (Action.Status.EFFECTIVE, Action.Status.NOT_EFFECTIVE):
            if not merged.get("done_at"):
                errors["status"] = _(
                    "The action must be implemented before its effectiveness is judged."
                )
            elif not (merged.get("effectiveness_result") or "").strip():
                errors["effectiveness_result"] = _("Record the result of the effectiveness check.")
        due, check = merged.get("due_date"), merged.get("effectiveness_due")
        if due and check and check < due:
            errors["effectiveness_due"] = _(
                "The effectiveness check must be on or after the action's due date, %(date)s."
            ) % {"date": formats.date_format(due, "DATE_FORMAT")}
        if status == Action.Status.EFFECTIVE and check and "status" not in errors:
            # Judged now, or kept from an earlier verdict when only other fields change.
            judged = getattr(row, "effectiveness_checked_at", None)
            if judged is None or getattr(row, "status", None) != Action.Status.EFFECTIVE:
                judged = timezone.now()
            if timezone.localdate(judged) < check:
                errors["status"] = _(
                    "The action can be verified effective only from its check date, %(date)s."
                ) % {"date": formats.date_format(check, "DATE_FORMAT")}
    elif kind == "document":
        document = merged.get("document")
        if not document:
            errors["document"] = _("Choose the document.")
        elif (
            complaint.documents.exclude(pk=row.pk if row else None)
            .filter(document=document)
            .exists()
        ):
            errors["document"] = _("This document is already listed.")
    elif kind == "deployment":
        for name, message in [
            ("target", _("Name the similar product, line or plant.")),
            ("action", _("Say what is done there.")),
            ("owner", _("Choose who owns the deployment.")),
            ("due_date", _("Give the due date.")),
        ]:
            if not merged.get(name):
                errors[name] = message
    if errors:
        raise ValidationError(errors)


def _action_status(values: dict, row) -> dict:
    """An action is implemented when it has a date; judging it effective needs that date."""
    done_at = values.get("done_at", getattr(row, "done_at", None))
    status = values.get("status", getattr(row, "status", Action.Status.OPEN))
    if done_at and status == Action.Status.OPEN:
        values["status"] = Action.Status.DONE
    elif not done_at and status == Action.Status.DONE:
        values["status"] = Action.Status.OPEN
    judged = values.get("status", status) in (Action.Status.EFFECTIVE, Action.Status.NOT_EFFECTIVE)
    if judged and not getattr(row, "effectiveness_checked_at", None):
        values["effectiveness_checked_at"] = timezone.now()
    return values


@audit.change_transaction()
def add_row(complaint: Complaint, kind: str, values: dict, *, actor):
    """Add a row to a step: a team member, a containment location, a root cause, a corrective or
    preventive action, a document, a horizontal deployment."""
    spec = row_kind(kind)
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    values = _clean_values(kind, values)
    for step in _step_of_change(kind, None, values):
        _require_step_open(complaint, step)
    _validate_row(kind, complaint, None, values)
    if spec.model is Action:
        values = _action_status({**values, "kind": kind}, None)
    row = spec.model(complaint=complaint, **values)
    audit.save_new(row, actor=actor)
    _announce_owner(complaint, kind, row, None, actor=actor)
    return row


@audit.change_transaction()
def update_row(row, values: dict, *, actor, expected_version: int | None = None):
    """Change a row. Versioned rows refuse a stale `expected_version` (ConcurrentEditError)."""
    kind = kind_of(row)
    complaint = row.complaint
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    values = _clean_values(kind, values)
    for step in _step_of_change(kind, row, values):
        _require_step_open(complaint, step)
    _validate_row(kind, complaint, row, values)
    if isinstance(row, Action):
        values = _action_status(values, row)
    owner_before = getattr(row, "owner_id", None)
    audit.save_changes(row, values, actor=actor, expected_version=expected_version)
    _announce_owner(complaint, kind, row, owner_before, actor=actor)
    return row


@audit.change_transaction()
def delete_row(row, *, actor, expected_version: int | None = None) -> None:
    """Remove a row entered by mistake; the removal and every value stay in the history. The
    six standard containment locations stay (mark them not applicable instead)."""
    kind = kind_of(row)
    complaint = row.complaint
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    _require_step_open(complaint, ROWS[kind].step)
    if expected_version and hasattr(row, "version"):
        # Nothing to write: refuses only if someone changed the row since the user read it.
        audit.save_changes(row, {}, actor=actor, expected_version=expected_version)
    standard = kind == "containment" and row.location in steps.CONTAINMENT_LOCATIONS
    if (
        standard
        and not complaint.containment.filter(location=row.location).exclude(pk=row.pk).exists()
    ):
        raise BusinessRuleError(
            _(
                "“%(location)s” is one of the standard locations: mark it not applicable "
                "with a note instead of removing it."
            )
            % {"location": row.get_location_display()},
            "standard_location",
        )
    if kind == "document":
        raise BusinessRuleError(
            _("Answer the document question instead of removing it."), "standard_document"
        )
    if isinstance(row, RootCause) and row.actions.exists():
        raise BusinessRuleError(
            _("Actions refer to this root cause: change or remove them first."), "cause_in_use"
        )
    audit.delete(row, actor=actor)


@audit.change_transaction()
def save_grid(complaint: Complaint, kind: str, entries: list[tuple], *, actor) -> list:
    """Save several rows of a grid at once (the D3 containment grid, the D7 documents):
    `entries` are (row, values, expected_version). All or nothing: one stale row refuses all."""
    if kind not in ("containment", "document"):
        raise ValidationError(_("Only the containment grid and the documents are saved as a grid."))
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    _require_step_open(complaint, ROWS[kind].step)
    errors = {}
    saved = []
    for row, values, version in entries:
        if row.complaint_id != complaint.pk or kind_of(row) != kind:
            raise PermissionDenied
        cleaned = _clean_values(kind, values)
        try:
            _validate_row(kind, complaint, row, cleaned)
        except ValidationError as error:
            errors[row.pk] = error
            continue
        audit.save_changes(row, cleaned, actor=actor, expected_version=version)
        saved.append(row)
    if errors:
        raise GridErrors(errors)
    return saved


class GridErrors(ValidationError):
    """Field errors of several rows of a grid: `by_row` maps a row's id to its ValidationError."""

    def __init__(self, by_row: dict):
        self.by_row = by_row
        messages = []
        for error in by_row.values():
            messages.extend(error.messages)
        super().__init__(messages)


@audit.change_transaction()
def update_own_action(action: Action, values: dict, *, actor, expected_version: int | None):
    """The owner of an action records its implementation (date, evidence) without 8D rights.
    Quality (8D rights in scope) may do the same through `update_row`."""
    complaint = action.complaint
    if action.owner_id not in {person.pk for person in access.acting_for(actor)}:
        require(may_work(actor, complaint))
    _fresh(complaint)
    _require_editable(complaint)
    values = {name: value for name, value in values.items() if name in OWNER_FIELDS}
    if isinstance(values.get("evidence"), str):
        values["evidence"] = values["evidence"].strip()
    if action.kind == Action.Kind.CORRECTIVE:
        _require_step_open(complaint, Step.D6)
    values = _action_status(values, action)
    audit.save_changes(action, values, actor=actor, expected_version=expected_version)
    return action


def _announce_owner(complaint: Complaint, kind: str, row, owner_before, *, actor) -> None:
    owner = (
        getattr(row, "owner", None) if kind in ("corrective", "preventive", "deployment") else None
    )
    if owner is None or owner.pk == owner_before or owner.pk == actor.pk:
        return
    url = ""
    if isinstance(row, Action):
        url = reverse("complaints:eightd_action", args=[complaint.number, row.pk])
    publish(
        "assigned",
        recipients=[owner],
        record=complaint,
        url=url,
        actor=actor,
        context={"row": str(row)},
        key=f"complaint:{complaint.pk}:{kind}:{row.pk}:owner:{owner.pk}",
    )


@audit.change_transaction()
def add_step_attachment(complaint: Complaint, step: str, upload, *, actor, description=""):
    """Evidence of a step (photos, measurement data, the updated control plan ...)."""
    step = step_code(step)
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    _require_step_open(complaint, step)
    return add_attachment(complaint, upload, actor=actor, step=step, description=description)


def step_attachments(complaint: Complaint, step: str):
    query = Attachment.objects.filter(complaint=complaint).select_related("uploaded_by")
    if step == Step.D2:
        return query.filter(Q(step=Step.D2) | Q(step=""))
    return query.filter(step=step)


# --- Quality investigation (major complaints) --------------------------------------------------

INVESTIGATION_FIELDS = ("scope", "findings", "risk_to_other_customers", "improvement")


def _require_major(complaint: Complaint) -> None:
    if not complaint.major:
        raise BusinessRuleError(
            _("Only a major complaint needs a quality investigation."), "not_major"
        )


@audit.change_transaction()
def save_investigation(
    complaint: Complaint, values: dict, *, actor, expected_version: int | None
) -> QualityInvestigation:
    """Create or change the quality investigation (品质调查) of a major complaint."""
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    _require_major(complaint)
    values = {name: (values[name] or "").strip() for name in INVESTIGATION_FIELDS if name in values}
    investigation = QualityInvestigation.objects.filter(complaint=complaint).first()
    if investigation is None:
        if not values.get("scope"):
            raise ValidationError({"scope": _("Describe the scope of the investigation.")})
        investigation = QualityInvestigation(complaint=complaint, **values)
        return audit.save_new(investigation, actor=actor)
    if investigation.completed_at is not None:
        raise BusinessRuleError(
            _("The quality investigation is completed and can no longer be changed."),
            "investigation_completed",
        )
    audit.save_changes(
        investigation,
        values,
        actor=actor,
        expected_version=expected_version if expected_version else investigation.version,
    )
    return investigation


@audit.change_transaction()
def complete_investigation(
    complaint: Complaint, *, actor, expected_version: int | None = None
) -> QualityInvestigation:
    """Complete the investigation: scope, findings, risk to other customers and improvement."""
    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    _require_major(complaint)
    investigation = QualityInvestigation.objects.filter(complaint=complaint).first()
    if investigation is None:
        raise BusinessRuleError(
            _("Start the quality investigation before completing it."), "no_investigation"
        )
    if investigation.completed_at is not None:
        raise BusinessRuleError(
            _("The quality investigation is already completed."), "investigation_completed"
        )
    errors = {
        name: _("Fill in “%(field)s” to complete the investigation.")
        % {"field": QualityInvestigation._meta.get_field(name).verbose_name}
        for name in INVESTIGATION_FIELDS
        if not getattr(investigation, name).strip()
    }
    if errors:
        raise ValidationError(errors)
    audit.save_changes(
        investigation,
        {"completed_at": timezone.now(), "completed_by": actor},
        actor=actor,
        expected_version=expected_version if expected_version else investigation.version,
        action="complaints.investigation_completed",
    )
    return investigation


# --- Closure (D8) and the preventive-action waiver: approvals ----------------------------------


@audit.change_transaction()
def request_closure(complaint: Complaint, *, actor):
    """D8: ask the quality manager to approve the closure (signed). The gates are checked first:
    lessons learned written, the customer accepted, D1–D7 done, a major complaint's
    investigation completed. Returns the approval instance."""
    from cqms.approvals import services as approvals

    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    _require_step_open(complaint, Step.D8)
    fields, gaps = check_step(complaint, Step.D8)
    _refuse_if_missing(Step.D8, fields, gaps)
    stored = EightDStep.objects.filter(complaint=complaint, step=Step.D8).first()
    if stored is None:
        audit.save_new(
            EightDStep(complaint=complaint, step=Step.D8, status=StepStatus.IN_PROGRESS),
            actor=actor,
        )
    return approvals.start(CLOSURE_KIND, complaint, actor=actor)


def _closure_approved(record: Complaint, instance, actor) -> None:
    """The quality manager approved: the complaint closes, the closure clock stops, D8 is done."""
    complaint = _fresh(record)
    gaps = closure_gaps(complaint)
    if gaps:
        raise BusinessRuleError(
            _("The complaint cannot close now: %(gaps)s") % {"gaps": " ".join(gaps)},
            "closure_gaps",
        )
    now = timezone.now()
    stored = EightDStep.objects.get(complaint=complaint, step=Step.D8)
    audit.save_changes(
        stored,
        {"status": StepStatus.DONE, "completed_at": now, "completed_by": actor},
        actor=actor,
        action="complaints.step_completed",
    )
    audit.save_changes(
        complaint,
        {"status": Status.CLOSED, "closed_at": now},
        actor=actor,
        action="complaints.closed",
    )
    clocks.stop_clock(complaint, ClockName.CLOSURE, actor=actor, at=now, missing_ok=True)
    answers.close_reopened_chain(complaint, actor=actor, at=now)  # earlier rejected versions
    _announce_step(complaint, stored, actor=actor)


@audit.change_transaction()
def request_preventive_waiver(complaint: Complaint, reason: str, *, actor):
    """Ask the general manager to waive the preventive action (procedure 001 6.2.3: uneconomic,
    or no potential cause found); the reason is signed with the approval."""
    from cqms.approvals import services as approvals

    _require_worker(actor, complaint)
    _fresh(complaint)
    _require_editable(complaint)
    _require_step_open(complaint, Step.D7)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for waiving the preventive action.")})
    if complaint.preventive_waived:
        raise BusinessRuleError(_("The preventive action is already waived."), "already_waived")
    audit.save_changes(
        complaint,
        {"preventive_waiver_reason": reason},
        actor=actor,
        reason=reason,
        action="complaints.waiver_requested",
    )
    return approvals.start(WAIVER_KIND, complaint, actor=actor, data={"reason": reason})


def _waiver_approved(record: Complaint, instance, actor) -> None:
    complaint = _fresh(record)
    audit.save_changes(
        complaint,
        {"preventive_waived": True},
        actor=actor,
        reason=complaint.preventive_waiver_reason,
        action="complaints.preventive_waived",
    )


def _waiver_refused(record: Complaint, instance, actor) -> None:
    complaint = _fresh(record)
    if not complaint.preventive_waived:
        audit.save_changes(
            complaint,
            {"preventive_waiver_reason": ""},
            actor=actor,
            action="complaints.waiver_refused",
        )


def signed_content(complaint: Complaint) -> dict:
    """The 8D as the quality manager signs it: every step's content and rows (no statuses that
    the signature itself changes)."""
    load_content(complaint)
    stored = {s.step: s for s in complaint.steps.all()}
    content = {
        "number": complaint.number,
        "customer": complaint.customer.code,
        "part_number": complaint.part_number,
        "defect_description": complaint.defect_description,
        "major": complaint.major,
        "is_repeat": complaint.is_repeat,
        "preventive_waived": complaint.preventive_waived,
        "preventive_waiver_reason": complaint.preventive_waiver_reason,
        "steps": {
            step: {
                "data": stored[step].data if step in stored else {},
                "owner": stored[step].owner.username
                if step in stored and stored[step].owner_id
                else "",
            }
            for step in steps.ORDER
        },
        "team": [
            [m.user.username if m.user_id else m.name, m.role, m.department]
            for m in complaint.team.all()
        ],
        "containment": [
            [
                r.location,
                r.method,
                r.responsible.username if r.responsible_id else "",
                _iso(r.done_at),
                r.quantity_checked,
                r.quantity_rejected,
                r.result,
                r.note,
            ]
            for r in complaint.containment.all()
        ],
        "root_causes": [
            [c.kind, c.category, c.description, list(c.why_chain or []), c.verification, c.verified]
            for c in complaint.root_causes.all()
        ],
        "actions": [
            [
                a.kind,
                a.description,
                a.owner.username,
                _iso(a.due_date),
                a.verification_plan,
                _iso(a.done_at),
                a.evidence,
                _iso(a.effectiveness_due),
                a.effectiveness_result,
                a.status,
            ]
            for a in complaint.actions.all()
        ],
        "documents": [
            [d.document, d.affected, d.new_revision, d.not_affected_reason]
            for d in complaint.documents.all()
        ],
        "deployments": [
            [d.target, d.action, d.owner.username, _iso(d.due_date), _iso(d.done_at)]
            for d in complaint.deployments.all()
        ],
    }
    investigation = QualityInvestigation.objects.filter(complaint=complaint).first()
    if investigation is not None:
        content["investigation"] = {
            name: getattr(investigation, name) for name in INVESTIGATION_FIELDS
        }
    content["steps"][Step.D8]["owner"] = ""  # the closing approval completes D8 itself
    return content


def signed_files(complaint: Complaint):
    """Every photo and piece of evidence of the complaint: the closure signs their digests."""
    return complaint.attachments.all()


def waiver_content(complaint: Complaint) -> dict:
    return {
        "number": complaint.number,
        "customer": complaint.customer.code,
        "part_number": complaint.part_number,
        "reason": complaint.preventive_waiver_reason,
        "root_causes": [c.description for c in complaint.root_causes.all()],
    }


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _department(complaint: Complaint):
    return complaint.department


# --- Registration ------------------------------------------------------------------------------

AUDIT_CODES = [
    ("complaints.step_completed", gettext_lazy("8D step completed")),
    ("complaints.step_reopened", gettext_lazy("8D step reopened")),
    ("complaints.step_not_applicable", gettext_lazy("8D step marked not applicable")),
    ("complaints.eightd_status", gettext_lazy("Status follows the 8D steps")),
    ("complaints.closed", gettext_lazy("Closed after the closure approval")),
    ("complaints.waiver_requested", gettext_lazy("Waiver of the preventive action requested")),
    ("complaints.preventive_waived", gettext_lazy("Preventive action waived")),
    ("complaints.waiver_refused", gettext_lazy("Waiver of the preventive action not approved")),
    ("complaints.investigation_completed", gettext_lazy("Quality investigation completed")),
]


def register_approvals() -> None:
    from cqms.approvals import registry as approvals

    approvals.register(
        CLOSURE_KIND,
        label=gettext_lazy("8D closure"),
        model=Complaint,
        signed_content=signed_content,
        signed_files=signed_files,
        record_department=_department,
        on_approved=_closure_approved,
        can_start=may_work,
        default_flow=approvals.FlowSpec(
            gettext_lazy("8D closure"),
            [
                approvals.NodeSpec(
                    gettext_lazy("Quality manager"),
                    [approvals.Approver.role("quality_manager")],
                    signature=True,
                    meaning="approved",
                )
            ],
        ),
    )
    approvals.register(
        WAIVER_KIND,
        label=gettext_lazy("Waiver of the preventive action"),
        model=Complaint,
        signed_content=waiver_content,
        record_department=_department,
        on_approved=_waiver_approved,
        on_rejected=_waiver_refused,
        on_withdrawn=_waiver_refused,
        can_start=may_work,
        default_flow=approvals.FlowSpec(
            gettext_lazy("Waiver of the preventive action"),
            [
                approvals.NodeSpec(
                    gettext_lazy("General manager"),
                    [approvals.Approver.role("general_manager")],
                    signature=True,
                    meaning="approved",
                    reason_required=True,
                )
            ],
        ),
    )


def register() -> None:
    """Registrations of this module (approval kinds, job kinds, menu items, events), called from
    ComplaintsConfig.ready()."""
    from cqms.audit import codes
    from cqms.core import work

    for code, label in AUDIT_CODES:
        codes.register(code, label)
    work.register(my_actions)
    register_approvals()


def my_actions(user):
    """ "My work": the open corrective and preventive actions the user owns."""
    people = [person.pk for person in access.acting_for(user)]
    actions = (
        Action.objects.filter(
            owner__in=people,
            status=Action.Status.OPEN,
            complaint__status__in=Complaint.OPEN_STATUSES,
        )
        .select_related("complaint")
        .order_by("due_date")
    )
    items = [
        WorkItem(
            title=f"{action.complaint.number} · {_short(action.description, 60)}",
            url=reverse("complaints:eightd_action", args=[action.complaint.number, action.pk]),
            detail=str(action.get_kind_display()),
            due=action.due_date,
            overdue=action.due_date < timezone.localdate(),
        )
        for action in actions[:10]
    ]
    if not items:
        return None
    return WorkSection("complaint_actions", _("My complaint actions"), items, total=actions.count())
