"""The approval engine: one function per action, each in the same order — permission,
validation, write (rows locked, versions checked), audit entry, notifications inside the
transaction (`notifications.publish` sends after commit).

    instance = start("complaints.eightd_closure", complaint, actor=user, data={"amount": 12000})
    approve(task, actor=approver, comment="OK", signature=SignatureInput(password, "approved",
            request=request))

Signatures are checked before the transaction opens, so a wrong password's failure count and
its audit entry stay although nothing is signed: call `approve`/`reject` with a signature outside
any transaction of your own (the pages do). `start` may run inside the caller's change.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.audit import services as audit
from cqms.clocks import services as clocks
from cqms.clocks.models import Basis, Clock
from cqms.clocks.services import ClockSpec
from cqms.core.errors import BusinessRuleError, ConcurrentEditError
from cqms.notifications.services import publish
from cqms.organisation import access
from cqms.organisation.models import Delegation, User

from . import conditions, flows, registry, resolve, signing
from .models import ApprovalCopy, ApprovalInstance, ApprovalTask, Meaning, Mode
from .signing import SignatureInput

CLOCK = "approval_task"
Status = ApprovalTask.Status
InstanceStatus = ApprovalInstance.Status
BEFORE, AFTER = ApprovalTask.Added.BEFORE, ApprovalTask.Added.AFTER

__all__ = [
    "SignatureInput",
    "add_approver",
    "approve",
    "reject",
    "return_to",
    "start",
    "transfer",
    "urge",
    "withdraw",
]


# --- Start ---------------------------------------------------------------------------------------


def start(kind: str, record: models.Model, *, actor, data: dict | None = None) -> ApprovalInstance:
    """Start the approval `kind` of `record`, requested by `actor`. `data` holds values the
    conditions read before the record's own fields ({"amount": 12000})."""
    definition = registry.get(kind)
    if not isinstance(record, definition.model):
        raise TypeError(f"{kind} approves {definition.model.__name__} records")
    if not definition.can_start(actor, record):
        raise PermissionDenied
    data = _json_data(data or {})
    with audit.change_transaction():
        flow = flows.flow_for(kind, actor=actor)
        if not flow.is_active:
            raise BusinessRuleError(
                _("The approval flow %(flow)s is switched off; ask an administrator.")
                % {"flow": flow.name},
                "flow_inactive",
            )
        content_type = ContentType.objects.get_for_model(record)
        running = ApprovalInstance.objects.filter(
            content_type=content_type,
            object_id=record.pk,
            kind=kind,
            status=InstanceStatus.RUNNING,
        )
        if running.exists():
            raise BusinessRuleError(
                _("This record is already in approval: %(flow)s.") % {"flow": flow.name},
                "already_running",
            )
        revision = flows.current_revision(flow, actor=actor)
        snapshot = revision.definition
        values = conditions.values_for(definition, record, data)
        path = route(snapshot, values, definition.condition_fields)
        if not path:
            path = [_fallback_node(snapshot)]
        instance = ApprovalInstance(
            content_type=content_type,
            object_id=record.pk,
            kind=kind,
            title=str(record)[:300],
            flow=flow,
            flow_revision=revision.revision,
            snapshot=snapshot,
            path=path,
            data=data,
            requester=actor,
            current_step=0,
            visit=1,
            started_at=timezone.now(),
        )
        route_text = " → ".join(node["name"] for node in path)
        audit.save_new(instance, actor=actor, action="approvals.started", reason=route_text)
        _open_step(instance, record, actor)
    return instance


def route(snapshot: dict, values: dict, fields: dict) -> list[dict]:
    """The nodes this approval runs through: step by step, among the nodes of a step the
    first (by priority) whose condition holds, else the one without a condition (the default
    branch); a step where nothing applies is left out."""
    steps: OrderedDict[int, list[dict]] = OrderedDict()
    for node in sorted(snapshot["nodes"], key=lambda n: (n["step"], n["priority"])):
        steps.setdefault(node["step"], []).append(node)
    path = []
    for nodes in steps.values():
        chosen = next(
            (
                n
                for n in nodes
                if n["condition"] and conditions.holds(n["condition"], values, fields)
            ),
            None,
        )
        if chosen is None:
            chosen = next((n for n in nodes if not n["condition"]), None)
        if chosen is not None:
            path.append(chosen)
    return path


def _fallback_node(snapshot: dict) -> dict:
    """No node applies: the administrators decide; nothing is approved by default."""
    signed = any(node["signature"]["required"] for node in snapshot["nodes"])
    return {
        "id": None,
        "step": 0,
        "priority": 1,
        "name": _("Administrator"),
        "mode": Mode.ANY,
        "condition": None,
        "rules": [],
        "signature": {"required": signed, "meaning": Meaning.APPROVED, "reason_required": False},
        "time_limit_hours": None,
        "cc": {"users": [], "roles": []},
    }


def _json_data(data: dict) -> dict:
    return json.loads(signing.canonical(data))


# --- Decisions -----------------------------------------------------------------------------------


def approve(
    task: ApprovalTask,
    *,
    actor,
    comment: str = "",
    signature: SignatureInput | None = None,
    expected_version: int | None = None,
    add_after=None,
) -> ApprovalTask:
    """Approve one's task (or the task of a colleague one acts for). With `add_after`, that
    person must approve after this one before the node is complete (后加签)."""
    task = _fresh(task)
    _precheck(task, actor)
    if add_after is not None:
        _validate_added(task, add_after)
    method = _check_signature(task, actor, signature, comment, rejecting=False)
    with audit.change_transaction():
        instance, task = _lock(task)
        on_behalf_of = _check(task, instance, actor, expected_version)
        record = _record(instance)
        _decide(task, Status.APPROVED, actor, on_behalf_of, comment, "approvals.approved")
        if method:
            signing.sign(
                record,
                kind=instance.kind,
                signer=actor,
                meaning=signature.meaning,
                reason=comment,
                on_behalf_of=on_behalf_of,
                instance=instance,
                task=task,
                method=method,
            )
        if add_after is not None:
            _validate_added(task, add_after)
            added = _create_task(
                instance,
                task=task,
                assignee=add_after,
                added=AFTER,
                added_from=task,
                actor=actor,
                on_behalf_of=on_behalf_of,
                action="approvals.added_after",
                reason=comment,
            )
            _announce(added, instance, record, actor)
        _settle(instance, record, actor)
    return task


def reject(
    task: ApprovalTask,
    *,
    actor,
    comment: str,
    signature: SignatureInput | None = None,
    expected_version: int | None = None,
) -> ApprovalTask:
    """Reject: the approval ends as rejected (the kind's `on_rejected` runs)."""
    task = _fresh(task)
    _precheck(task, actor)
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Give the reason for rejecting.")})
    method = _check_signature(task, actor, signature, comment, rejecting=True)
    with audit.change_transaction():
        instance, task = _lock(task)
        on_behalf_of = _check(task, instance, actor, expected_version)
        record = _record(instance)
        _decide(task, Status.REJECTED, actor, on_behalf_of, comment, "approvals.rejected")
        if method:
            signing.sign(
                record,
                kind=instance.kind,
                signer=actor,
                meaning=Meaning.REJECTED,
                reason=comment,
                on_behalf_of=on_behalf_of,
                instance=instance,
                task=task,
                method=method,
            )
        _finish(instance, record, InstanceStatus.REJECTED, actor, on_behalf_of, comment)
    return task


def return_to(
    task: ApprovalTask, *, actor, step: int, comment: str, expected_version: int | None = None
) -> ApprovalTask:
    """Send the approval back to an earlier node of its route (退回); that node starts again."""
    task = _fresh(task)
    _precheck(task, actor)
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Say why you return it.")})
    if not isinstance(step, int) or not 0 <= step < task.step:
        raise ValidationError({"step": _("Choose an earlier step of this approval.")})
    with audit.change_transaction():
        instance, task = _lock(task)
        on_behalf_of = _check(task, instance, actor, expected_version)
        record = _record(instance)
        _decide(task, Status.RETURNED, actor, on_behalf_of, comment, "approvals.returned")
        for other in _open_tasks(instance, step=instance.current_step):
            _close(other, Status.CANCELLED, actor)
        audit.save_changes(
            instance,
            {"current_step": step, "visit": instance.visit + 1},
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="approvals.step_reached",
            reason=instance.path[step]["name"],
        )
        _open_step(instance, record, actor)
        publish(
            "approval_returned",
            recipients=[instance.requester],
            record=record,
            url=instance.get_absolute_url(),
            actor=actor,
            context=_context(instance, node=instance.path[step]["name"], comment=comment),
            key=f"approvals:{instance.pk}:returned:{task.pk}",
        )
    return task


def transfer(
    task: ApprovalTask,
    *,
    actor,
    to_user,
    comment: str = "",
    expected_version: int | None = None,
) -> ApprovalTask:
    """Hand one's task to someone else (转交); administrators may hand on anyone's task."""
    task = _fresh(task)
    reassigning = actor.has_perm("approvals.reassign_approvaltask")
    if not reassigning:
        _precheck(task, actor)
    _require_pending(task)
    _validate_added(task, to_user)
    with audit.change_transaction():
        instance, task = _lock(task)
        on_behalf_of = _check(task, instance, actor, expected_version, reassigning=reassigning)
        record = _record(instance)
        _validate_added(task, to_user)
        _decide(
            task,
            Status.TRANSFERRED,
            actor,
            on_behalf_of,
            comment,
            "approvals.transferred",
            reason=_("Handed on to %(name)s.") % {"name": to_user}
            + (f" {comment}" if comment else ""),
        )
        new = _create_task(
            instance,
            task=task,
            assignee=to_user,
            added=task.added,
            added_from=task.added_from,
            fallback=task.fallback,
            actor=actor,
            on_behalf_of=on_behalf_of,
        )
        _announce(new, instance, record, actor)
    return new


def add_approver(
    task: ApprovalTask,
    *,
    actor,
    user,
    position: str,
    comment: str = "",
    signature: SignatureInput | None = None,
    expected_version: int | None = None,
) -> ApprovalTask:
    """Add an approver before oneself (前加签: they decide first, then the task comes back)
    or after oneself (后加签: one approves now, they approve next). Returns the new task."""
    if position == AFTER:
        approve(
            task,
            actor=actor,
            comment=comment,
            signature=signature,
            expected_version=expected_version,
            add_after=user,
        )
        return ApprovalTask.objects.filter(added_from=task, added=AFTER, assignee=user).latest("pk")
    if position != BEFORE:
        raise ValueError("position is 'before' or 'after'")
    task = _fresh(task)
    _precheck(task, actor)
    _validate_added(task, user)
    with audit.change_transaction():
        instance, task = _lock(task)
        on_behalf_of = _check(task, instance, actor, expected_version)
        record = _record(instance)
        _validate_added(task, user)
        audit.save_changes(
            task,
            {"status": Status.WAITING},
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="approvals.added_before",
            reason=_("%(name)s decides first.") % {"name": user}
            + (f" {comment}" if comment else ""),
        )
        if _running_clock(task, paused=False):
            clocks.pause_clock(
                task,
                CLOCK,
                reason=_("Waiting for %(name)s, added before.") % {"name": user},
                actor=actor,
            )
        added = _create_task(
            instance,
            task=task,
            assignee=user,
            added=BEFORE,
            added_from=task,
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="approvals.added_before",
            reason=comment,
        )
        _announce(added, instance, record, actor)
    return added


def withdraw(
    instance: ApprovalInstance, *, actor, reason: str = "", expected_version: int | None = None
) -> ApprovalInstance:
    """The requester takes the request back (撤回) while it runs."""
    on_behalf_of = _requester_side(instance, actor)
    with audit.change_transaction():
        instance = ApprovalInstance.objects.select_for_update().get(pk=instance.pk)
        _require_running(instance)
        if expected_version is not None and instance.version != expected_version:
            raise ConcurrentEditError(instance)
        record = _record(instance)
        told = [task.assignee for task in _open_tasks(instance) if task.status == Status.PENDING]
        _finish(instance, record, InstanceStatus.WITHDRAWN, actor, on_behalf_of, reason)
        publish(
            "approval_withdrawn",
            recipients=told,
            record=record,
            url=instance.get_absolute_url(),
            actor=actor,
            context=_context(instance, comment=reason),
            key=f"approvals:{instance.pk}:withdrawn",
        )
    return instance


def urge(instance: ApprovalInstance, *, actor, comment: str = "") -> int:
    """Remind the people whose decision is awaited (催办); once an hour. Returns how many
    people were reminded."""
    on_behalf_of = _requester_side(instance, actor)
    with audit.change_transaction():
        instance = ApprovalInstance.objects.select_for_update().get(pk=instance.pk)
        _require_running(instance)
        record = _record(instance)
        hour = timezone.localtime().strftime("%Y%m%d%H")
        reminded = 0
        for task in _open_tasks(instance):
            if task.status != Status.PENDING:
                continue
            reminded += len(
                publish(
                    "approval_urged",
                    recipients=_with_delegates(task.assignee),
                    record=record,
                    url=task.get_absolute_url(),
                    actor=actor,
                    context=_context(instance, node=task.node_name, comment=comment),
                    key=f"approvals:task:{task.pk}:urged:{hour}",
                )
            )
        if not reminded:
            raise BusinessRuleError(
                _("The approvers were already reminded within this hour; try again later."),
                "urged_recently",
            )
        audit.record(
            instance, "approvals.urged", actor=actor, on_behalf_of=on_behalf_of, reason=comment
        )
    return reminded


# --- The step machine ---------------------------------------------------------------------------


def _open_step(instance: ApprovalInstance, record, actor) -> None:
    """Create the tasks of the current node: the approvers its rules find now, or the
    administrators where a rule finds nobody."""
    node = instance.path[instance.current_step]
    slots = resolve.resolve_node(
        node, requester=instance.requester, record=record, kind=registry.get(instance.kind)
    )
    if any(not slot.users for slot in slots):
        raise BusinessRuleError(
            _(
                "Nobody can approve %(node)s and there is no administrator to hand it to. "
                "Ask your IT department to give someone the administrator role."
            )
            % {"node": node["name"]},
            "no_approver",
        )
    sequential = node["mode"] == Mode.SEQUENTIAL
    for seq, slot in enumerate(slots):
        active = not sequential or seq == 0
        for user in slot.users:
            task = ApprovalTask(
                instance=instance,
                step=instance.current_step,
                visit=instance.visit,
                seq=seq,
                node_name=node["name"][:100],
                assignee=user,
                status=Status.PENDING if active else Status.QUEUED,
                activated_at=timezone.now() if active else None,
                fallback=slot.fallback,
            )
            audit.save_new(task, actor=actor)
            if active:
                _announce(task, instance, record, actor)


def _settle(instance: ApprovalInstance, record, actor) -> None:
    """After a decision: skip what is no longer needed, open what comes next, and complete
    the node when its mode is satisfied and every added approver has approved."""
    node = instance.path[instance.current_step]
    tasks = list(
        ApprovalTask.objects.filter(
            instance=instance, step=instance.current_step, visit=instance.visit
        ).order_by("seq", "pk")
    )
    live = [t for t in tasks if t.status not in (Status.TRANSFERRED, Status.CANCELLED)]
    base = [t for t in live if not t.added]
    slots: OrderedDict[int, list[ApprovalTask]] = OrderedDict()
    for t in base:
        slots.setdefault(t.seq, []).append(t)
    done = {seq: any(t.status == Status.APPROVED for t in ts) for seq, ts in slots.items()}
    for seq, ts in slots.items():  # one administrator decided a fallback slot for all
        if done[seq]:
            for t in ts:
                if t.is_open:
                    _close(t, Status.SKIPPED, actor)
    if node["mode"] == Mode.ANY:
        base_done = any(done.values())
        if base_done:
            for t in base:
                if t.is_open:
                    _close(t, Status.SKIPPED, actor)
    else:
        base_done = all(done.values())
    # Approvers added before someone who is no longer needed are not needed either.
    changed = True
    while changed:
        changed = False
        skipped = {t.pk for t in live if t.status == Status.SKIPPED}
        for t in live:
            if t.is_open and t.added_from_id in skipped:
                _close(t, Status.SKIPPED, actor)
                changed = True
    for t in live:
        if t.status == Status.WAITING:
            before = [x for x in live if x.added_from_id == t.pk and x.added == BEFORE]
            if before and all(x.status == Status.APPROVED for x in before):
                _reopen(t, instance, record, actor)
    turn_free = not any(t.status in (Status.PENDING, Status.WAITING) for t in base)
    if node["mode"] == Mode.SEQUENTIAL and not base_done and turn_free:
        next_seq = next(seq for seq, is_done in done.items() if not is_done)
        for t in slots[next_seq]:
            if t.status == Status.QUEUED:
                _reopen(t, instance, record, actor)
    if base_done and not any(t.is_open for t in live):
        _complete_step(instance, record, actor)


def _complete_step(instance: ApprovalInstance, record, actor) -> None:
    node = instance.path[instance.current_step]
    _copy(instance, node, record, actor)
    following = instance.current_step + 1
    if following < len(instance.path):
        audit.save_changes(
            instance,
            {"current_step": following, "visit": instance.visit + 1},
            actor=actor,
            action="approvals.step_reached",
            reason=instance.path[following]["name"],
        )
        _open_step(instance, record, actor)
    else:
        _finish(instance, record, InstanceStatus.APPROVED, actor, None, "")


def _finish(instance, record, status: str, actor, on_behalf_of, reason: str) -> None:
    for task in _open_tasks(instance):
        _close(task, Status.CANCELLED, actor)
    audit.save_changes(
        instance,
        {"status": status, "finished_at": timezone.now()},
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=f"approvals.instance_{status}",
        reason=reason,
    )
    definition = registry.get(instance.kind)
    callback = {
        InstanceStatus.APPROVED: definition.on_approved,
        InstanceStatus.REJECTED: definition.on_rejected,
        InstanceStatus.WITHDRAWN: definition.on_withdrawn,
    }[status]
    callback(record, instance, actor)
    if status != InstanceStatus.WITHDRAWN:
        publish(
            "approval_decided",
            recipients=[instance.requester],
            record=record,
            url=instance.get_absolute_url(),
            actor=actor,
            context=_context(instance, status=status, comment=reason),
            key=f"approvals:{instance.pk}:decided",
            include_actor=True,
        )


def _copy(instance, node: dict, record, actor) -> None:
    cc = node.get("cc") or {}
    people = User.objects.filter(is_active=True).filter(
        models.Q(pk__in=cc.get("users") or [])
        | models.Q(roles__code__in=cc.get("roles") or [], roles__is_active=True)
    )
    people = list(people.distinct().order_by("pk"))
    if not people:
        return
    existing = set(
        ApprovalCopy.objects.filter(instance=instance, user__in=people).values_list(
            "user_id", flat=True
        )
    )
    for person in people:
        if person.pk not in existing:
            audit.save_new(
                ApprovalCopy(instance=instance, user=person, step=instance.current_step),
                actor=actor,
            )
    publish(
        "approval_copied",
        recipients=people,
        record=record,
        url=instance.get_absolute_url(),
        actor=actor,
        context=_context(instance, node=node["name"]),
        key=f"approvals:{instance.pk}:copied:{instance.current_step}:{instance.visit}",
    )


# --- Tasks ----------------------------------------------------------------------------------------


def _create_task(
    instance,
    *,
    task: ApprovalTask,
    assignee,
    added: str,
    added_from: ApprovalTask | None,
    actor,
    on_behalf_of=None,
    fallback: bool = False,
    action: str = audit.CREATE,
    reason: str = "",
) -> ApprovalTask:
    """A task at `task`'s node and place, pending at once."""
    new = ApprovalTask(
        instance=instance,
        step=task.step,
        visit=task.visit,
        seq=task.seq,
        node_name=task.node_name,
        assignee=assignee,
        status=Status.PENDING,
        activated_at=timezone.now(),
        added=added,
        added_from=added_from,
        fallback=fallback,
    )
    return audit.save_new(new, actor=actor, on_behalf_of=on_behalf_of, action=action, reason=reason)


def _announce(task: ApprovalTask, instance, record, actor) -> None:
    """A task now awaits its approver: its clock starts and the approver (and whoever acts
    for them today) is told."""
    hours = instance.path[task.step].get("time_limit_hours")
    if hours and Decimal(hours) > 0:
        clocks.start_clocks(
            task,
            [ClockSpec(CLOCK, Basis.WORKING_HOURS, Decimal(hours))],
            started_at=task.activated_at or timezone.now(),
            actor=actor,
            owner=task.assignee,
            department=task.assignee.department,
        )
    publish(
        "approval_requested",
        recipients=_with_delegates(task.assignee),
        record=record,
        url=task.get_absolute_url(),
        actor=actor,
        context=_context(instance, node=task.node_name, fallback=task.fallback),
        key=f"approvals:task:{task.pk}:requested:{task.version}",
    )


def _reopen(task: ApprovalTask, instance, record, actor) -> None:
    """A queued task's turn has come, or a waiting task's added approvers have approved."""
    was_waiting = task.status == Status.WAITING
    audit.save_changes(
        task,
        {"status": Status.PENDING, "activated_at": task.activated_at or timezone.now()},
        actor=actor,
        action="approvals.task_opened",
    )
    if was_waiting and _running_clock(task, paused=True):
        clocks.resume_clock(task, CLOCK, actor=actor)
        publish(
            "approval_requested",
            recipients=_with_delegates(task.assignee),
            record=record,
            url=task.get_absolute_url(),
            actor=actor,
            context=_context(instance, node=task.node_name),
            key=f"approvals:task:{task.pk}:requested:{task.version}",
        )
    else:
        _announce(task, instance, record, actor)


def _decide(task, status, actor, on_behalf_of, comment, action, *, reason=None) -> None:
    audit.save_changes(
        task,
        {"status": status, "acted_by": actor, "decided_at": timezone.now(), "comment": comment},
        actor=actor,
        on_behalf_of=on_behalf_of,
        action=action,
        reason=comment if reason is None else reason,
    )
    _stop_clock(task, actor)


def _close(task: ApprovalTask, status: str, actor) -> None:
    audit.save_changes(
        task,
        {"status": status, "decided_at": timezone.now()},
        actor=actor,
        action=f"approvals.task_{status}",
    )
    _stop_clock(task, actor)


def _running_clock(task, *, paused: bool) -> bool:
    return Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(ApprovalTask),
        object_id=task.pk,
        name=CLOCK,
        done_at=None,
        paused_at__isnull=not paused,
    ).exists()


def _stop_clock(task, actor) -> None:
    running = Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(ApprovalTask),
        object_id=task.pk,
        name=CLOCK,
        done_at=None,
    )
    if running.exists():
        clocks.stop_clock(task, CLOCK, actor=actor)


def _open_tasks(instance, *, step: int | None = None) -> list[ApprovalTask]:
    tasks = ApprovalTask.objects.filter(instance=instance, status__in=ApprovalTask.OPEN)
    if step is not None:
        tasks = tasks.filter(step=step, visit=instance.visit)
    return list(tasks.select_related("assignee").order_by("pk"))


# --- Checks ---------------------------------------------------------------------------------------


def _fresh(task: ApprovalTask) -> ApprovalTask:
    return ApprovalTask.objects.select_related("instance", "assignee").get(pk=task.pk)


def acting_as(actor, task: ApprovalTask):
    """The person `actor` acts as on this task: the assignee, if the actor is the assignee or
    holds their work today (delegation); None otherwise."""
    for person in access.acting_for(actor):
        if person.pk == task.assignee_id:
            return person
    return None


def _precheck(task: ApprovalTask, actor) -> None:
    if acting_as(actor, task) is None:
        raise PermissionDenied
    _require_pending(task)


def _require_running(instance: ApprovalInstance) -> None:
    if instance.status != InstanceStatus.RUNNING:
        raise BusinessRuleError(
            _("This approval has already ended: %(status)s.")
            % {"status": instance.get_status_display()},
            "approval_ended",
        )


def _require_pending(task: ApprovalTask) -> None:
    if task.status != Status.PENDING:
        if task.acted_by_id:
            message = _("This task was already handled: %(status)s by %(name)s.") % {
                "status": task.get_status_display(),
                "name": task.acted_by,
            }
        else:
            message = _("This task is not waiting for a decision: %(status)s.") % {
                "status": task.get_status_display()
            }
        raise BusinessRuleError(message, "task_not_pending")
    _require_running(task.instance)


def _lock(task: ApprovalTask) -> tuple[ApprovalInstance, ApprovalTask]:
    """Lock the instance, then the task, and read them again: of two people deciding the
    same task at once, the second sees the first one's decision."""
    instance = ApprovalInstance.objects.select_for_update().get(pk=task.instance_id)
    task = ApprovalTask.objects.select_for_update().get(pk=task.pk)
    task.instance = instance
    return instance, task


def _check(task, instance, actor, expected_version, *, reassigning: bool = False):
    """Inside the lock: still the actor's, still pending, unchanged since the page loaded.
    Returns the person acted for when it is not the actor."""
    person = acting_as(actor, task)
    if person is None and not reassigning:
        raise PermissionDenied
    _require_pending(task)
    if expected_version is not None and task.version != expected_version:
        raise ConcurrentEditError(task)
    if person is None or person.pk == actor.pk:
        return None
    return person


def _requester_side(instance: ApprovalInstance, actor):
    for person in access.acting_for(actor):
        if person.pk == instance.requester_id:
            return None if person.pk == actor.pk else person
    raise PermissionDenied


def _validate_added(task: ApprovalTask, user) -> None:
    if user is None or not user.is_active:
        raise ValidationError({"user": _("Choose an active colleague.")})
    if user.pk == task.assignee_id:
        raise ValidationError({"user": _("Choose someone other than the approver of this task.")})
    busy = ApprovalTask.objects.filter(
        instance_id=task.instance_id,
        step=task.step,
        visit=task.visit,
        assignee=user,
        status__in=ApprovalTask.OPEN,
    )
    if busy.exists():
        raise ValidationError(
            {"user": _("%(name)s already has a task at this step.") % {"name": user}}
        )


def _check_signature(task, actor, signature, comment, *, rejecting: bool) -> str | None:
    """Validate the signature entry and check the credentials, outside the transaction.
    Returns the signing method, or None when the node needs no signature."""
    rules = task.instance.path[task.step]["signature"]
    if not rules["required"]:
        return None
    if signature is None:
        raise BusinessRuleError(
            _("This step needs your electronic signature: enter your password."),
            "signature_required",
        )
    if rejecting:
        signature.meaning = Meaning.REJECTED
    elif signature.meaning not in Meaning.values or signature.meaning == Meaning.REJECTED:
        raise ValidationError({"meaning": _("Choose what your signature means.")})
    if rules.get("reason_required") and not (comment or "").strip():
        raise ValidationError({"comment": _("Give the reason for your signature.")})
    return signing.check_credentials(signature, actor, subject=task)


# --- Records and audit ----------------------------------------------------------------------------


def _record(instance: ApprovalInstance):
    model = registry.get(instance.kind).model
    return model._base_manager.select_for_update().get(pk=instance.object_id)


def _with_delegates(user) -> list:
    delegates = [
        d.delegate
        for d in Delegation.objects.active()
        .filter(delegator=user, delegate__is_active=True)
        .select_related("delegate")
    ]
    return [user, *delegates]


def _context(instance, **values) -> dict:
    return {
        "instance": instance.pk,
        "kind": instance.kind,
        "flow": instance.snapshot.get("flow", {}).get("name", ""),
        "record": instance.title,
        **{k: str(v) for k, v in values.items()},
    }
