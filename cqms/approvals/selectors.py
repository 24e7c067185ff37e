"""Reading approvals: what waits for whom, the flow of a record, and signatures as plain data
for pages, PDF and Excel exports."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cqms.clocks.models import Clock
from cqms.organisation import access

from . import registry, resolve, signing
from .models import ApprovalCopy, ApprovalInstance, ApprovalTask, Meaning, Mode, Signature

Status = ApprovalTask.Status
DECIDED = (Status.APPROVED, Status.REJECTED, Status.RETURNED, Status.TRANSFERRED)


# --- Signatures ---------------------------------------------------------------------------------


def signatures_of(record: models.Model, *, kind: str | None = None) -> QuerySet[Signature]:
    signatures = Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).order_by("signed_at", "pk")
    return signatures.filter(kind=kind) if kind else signatures


def signature_rows(record: models.Model, *, kind: str | None = None) -> list[dict]:
    """The signatures of a record, checked against it now, as plain values:

    name, on_behalf_of (printed names), time (aware, local), time_text ("2026-11-24
    10:15:03+08:00"), meaning and meaning_label, reason, node, record_version, state ("valid",
    "changed", "tampered", "unknown"), state_label (naming changed evidence files), valid (True
    only for "valid"), changed_files (names) and files_note (for a signature made before
    evidence files were signed, on a kind that signs them now)."""
    rows = []
    current: dict[str, signing.Current | None] = {}
    for signature in signatures_of(record, kind=kind):
        if signature.kind not in current:
            try:  # evidence files re-hashed only when they changed since last read
                current[signature.kind] = signing.current_content(
                    record, signature.kind, quick=True
                )
            except Exception:  # check() reports what cannot be checked
                current[signature.kind] = signing.Current(None)
        verdict = signing.check(signature, record, current=current[signature.kind])
        local = timezone.localtime(signature.signed_at)
        rows.append(
            {
                "id": signature.pk,
                "name": signature.signer_name,
                "on_behalf_of": signature.on_behalf_of_name,
                "time": local,
                "time_text": local.isoformat(sep=" ", timespec="seconds"),
                "meaning": signature.meaning,
                "meaning_label": str(Meaning(signature.meaning).label)
                if signature.meaning in Meaning.values
                else signature.meaning,
                "reason": signature.reason,
                "node": signature.node_name,
                "record_version": signature.record_version,
                "method": signature.method,
                "state": verdict.state,
                "state_label": verdict.label,
                "valid": verdict.state == signing.VALID,
                "changed_files": verdict.files,
                "files_note": str(signing.FILES_NOT_COVERED)
                if verdict.covers_files is False
                else "",
            }
        )
    return rows


# --- Instances of a record ----------------------------------------------------------------------


def instances_for(record: models.Model, *, kind: str | None = None) -> QuerySet[ApprovalInstance]:
    instances = ApprovalInstance.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    ).select_related("requester")
    return instances.filter(kind=kind) if kind else instances


def newest_first(record: models.Model) -> list[ApprovalInstance]:
    """Every approval of the record, newest first: one query for a page that asks about
    several kinds (pass it on as `known=` and to `{% approval_panel record instances %}`)."""
    return list(instances_for(record).order_by("-started_at", "-pk"))


def latest_instance(
    record: models.Model, kind: str, *, known: list[ApprovalInstance] | None = None
) -> ApprovalInstance | None:
    if known is not None:
        return next((instance for instance in known if instance.kind == kind), None)
    return instances_for(record, kind=kind).order_by("-started_at", "-pk").first()


def is_approved(record: models.Model, kind: str) -> bool:
    latest = latest_instance(record, kind)
    return latest is not None and latest.status == ApprovalInstance.Status.APPROVED


def pending_tasks(instance: ApprovalInstance) -> list[ApprovalTask]:
    return list(
        instance.tasks.filter(status=Status.PENDING).select_related("assignee").order_by("pk")
    )


def route_tasks(instances: list[ApprovalInstance]) -> dict[int, list[ApprovalTask]]:
    """The tasks of several approvals in one query, by approval, in route order: a record's
    panel showed each approval's route and waiting tasks with two queries an approval."""
    tasks: dict[int, list[ApprovalTask]] = {instance.pk: [] for instance in instances}
    for task in (
        ApprovalTask.objects.filter(instance__in=instances)
        .select_related("assignee", "acted_by")
        .order_by("step", "visit", "seq", "pk")
    ):
        tasks[task.instance_id].append(task)
    return tasks


def waiting_among(tasks: list[ApprovalTask]) -> list[ApprovalTask]:
    """`pending_tasks` of an approval whose tasks are loaded (`route_tasks`)."""
    return sorted((task for task in tasks if task.status == Status.PENDING), key=lambda t: t.pk)


def flow_steps(
    instance: ApprovalInstance, *, tasks: list[ApprovalTask] | None = None
) -> list[dict]:
    """The route of an approval for its page: each node with its tasks (every visit, so
    returns stay visible), its state and, for nodes not reached yet, who would approve.
    `tasks`: the approval's tasks in route order, when loaded already (`route_tasks`)."""
    if tasks is None:
        tasks = route_tasks([instance])[instance.pk]
    running = instance.status == ApprovalInstance.Status.RUNNING
    definition = registry.get(instance.kind) if registry.is_registered(instance.kind) else None
    record = None
    steps = []
    for index, node in enumerate(instance.path):
        if running and index == instance.current_step:
            state = "current"
        elif index < instance.current_step or instance.status == ApprovalInstance.Status.APPROVED:
            state = "done"
        elif running:
            state = "upcoming"
        elif index == instance.current_step:
            state = "ended"
        else:
            state = "not_reached"
        expected = []
        if state == "upcoming" and definition is not None:
            record = record if record is not None else instance.record
            if record is not None:
                slots = resolve.resolve_node(
                    node, requester=instance.requester, record=record, kind=definition
                )
                expected = [
                    {"name": str(user), "fallback": slot.fallback}
                    for slot in slots
                    for user in slot.users
                ]
        steps.append(
            {
                "index": index,
                "name": node["name"],
                "mode": node["mode"],
                "mode_label": Mode(node["mode"]).label if node["mode"] in Mode.values else "",
                "signature": node["signature"]["required"],
                "meaning_label": Meaning(node["signature"]["meaning"]).label
                if node["signature"].get("meaning") in Meaning.values
                else "",
                "time_limit_hours": node.get("time_limit_hours"),
                "state": state,
                "tasks": [t for t in tasks if t.step == index],
                "expected": expected,
            }
        )
    return steps


# --- What waits for whom ------------------------------------------------------------------------


def _people(user) -> list[int]:
    return [person.pk for person in access.acting_for(user)]


def to_do(user) -> QuerySet[ApprovalTask]:
    """Tasks waiting for the user's decision, and for colleagues the user acts for today."""
    return (
        ApprovalTask.objects.filter(
            assignee_id__in=_people(user),
            status=Status.PENDING,
            instance__status=ApprovalInstance.Status.RUNNING,
        )
        .select_related("instance", "instance__requester", "assignee")
        .order_by("activated_at", "pk")
    )


def done_by(user) -> QuerySet[ApprovalTask]:
    return (
        ApprovalTask.objects.filter(Q(acted_by=user) | Q(assignee=user, status__in=DECIDED))
        .select_related("instance", "instance__requester", "assignee", "acted_by")
        .order_by("-decided_at", "-pk")
    )


def copied_to(user) -> QuerySet[ApprovalCopy]:
    return (
        ApprovalCopy.objects.filter(user=user)
        .select_related("instance", "instance__requester")
        .order_by("-created_at", "-pk")
    )


def requested_by(user) -> QuerySet[ApprovalInstance]:
    return (
        ApprovalInstance.objects.filter(requester=user)
        .select_related("requester")
        .order_by("-started_at", "-pk")
    )


def counts(user) -> dict[str, int]:
    return {
        "todo": to_do(user).count(),
        "done": done_by(user).count(),
        "copied": copied_to(user).count(),
        "requested": requested_by(user).count(),
    }


def due_times(tasks) -> dict[int, Clock]:
    """The running clock of each task, by task id (one query)."""
    ids = [task.pk for task in tasks]
    if not ids:
        return {}
    clocks = Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(ApprovalTask),
        object_id__in=ids,
        done_at=None,
    )
    return {clock.object_id: clock for clock in clocks}


# --- Access ---------------------------------------------------------------------------------------


def can_reassign(user) -> bool:
    return user.has_perm("approvals.reassign_approvaltask")


def task_for_user_or_404(user, pk: int) -> ApprovalTask:
    """A task its approver, whoever acts for them, or an administrator may open."""
    task = (
        ApprovalTask.objects.select_related("instance", "assignee", "acted_by")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    people = _people(user)
    if task.assignee_id in people or task.acted_by_id in people or can_reassign(user):
        return task
    raise Http404


def can_view_instance(user, instance: ApprovalInstance) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    people = _people(user)
    if instance.requester_id in people or can_reassign(user):
        return True
    if instance.tasks.filter(Q(assignee_id__in=people) | Q(acted_by_id__in=people)).exists():
        return True
    if instance.copies.filter(user_id__in=people).exists():
        return True
    record = instance.record
    return record is not None and access.can(user, "view", record)


def instance_for_user_or_404(user, pk: int) -> ApprovalInstance:
    instance = ApprovalInstance.objects.select_related("requester").filter(pk=pk).first()
    if instance is None or not can_view_instance(user, instance):
        raise Http404
    return instance


def startable_kinds(user, record: models.Model) -> list[registry.ApprovalKind]:
    """The kinds the panel offers to start on this record now: registered with
    `start_on_panel`, allowed to the user, none of them running."""
    kinds = [k for k in registry.kinds_for(record) if k.start_on_panel]
    if not kinds:
        return []
    running = set(
        instances_for(record)
        .filter(status=ApprovalInstance.Status.RUNNING)
        .values_list("kind", flat=True)
    )
    return [k for k in kinds if k.kind not in running and k.can_start(user, record)]


def record_url(instance: ApprovalInstance) -> str:
    if not registry.is_registered(instance.kind):
        return ""
    record = instance.record
    return registry.get(instance.kind).record_url(record) if record is not None else ""


def kind_label(kind: str) -> str:
    return str(registry.get(kind).label) if registry.is_registered(kind) else kind
