"""Who approves: the approver rules of a node turned into people when the node is reached."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from cqms.organisation.models import Department, User

from . import registry
from .models import Basis, RuleType


@dataclass
class Slot:
    """One place to fill at a node: one of `users` approves it. A rule that finds nobody
    gets a slot for the administrators (`fallback`)."""

    users: list = field(default_factory=list)
    fallback: bool = False


def administrators() -> list:
    """Active users with the administrator role; superusers if there is none."""
    users = list(
        User.objects.filter(is_active=True, roles__code="administrator", roles__is_active=True)
        .distinct()
        .order_by("pk")
    )
    return users or list(User.objects.filter(is_active=True, is_superuser=True).order_by("pk"))


def resolve_node(
    node: dict, *, requester, record: models.Model, kind: registry.ApprovalKind
) -> list[Slot]:
    slots: list[Slot] = []
    seen: set[int] = set()
    for rule in node.get("rules", []):
        found = resolve_rule(rule, requester=requester, record=record, kind=kind)
        users = [u for u in found if u.is_active]
        if not users:
            if not any(slot.fallback for slot in slots):
                slots.append(Slot(administrators(), fallback=True))
            continue
        for user in users:
            if user.pk not in seen:
                seen.add(user.pk)
                slots.append(Slot([user]))
    if not slots:
        slots.append(Slot(administrators(), fallback=True))
    return slots


def resolve_rule(rule: dict, *, requester, record, kind: registry.ApprovalKind) -> list:
    rule_type = rule.get("type")
    if rule_type == RuleType.USER:
        return list(User.objects.filter(pk=rule.get("user")))
    if rule_type == RuleType.ROLE:
        if not rule.get("role"):
            return []
        return list(
            User.objects.filter(roles__code=rule["role"], roles__is_active=True, is_active=True)
            .distinct()
            .order_by("username")
        )
    if rule_type == RuleType.SUPERVISOR:
        head = supervisor(
            requester,
            levels=int(rule.get("levels") or 1),
            department=kind.record_department(record)
            if rule.get("basis") == Basis.RECORD
            else None,
            of_requester=rule.get("basis") != Basis.RECORD,
        )
        return [head] if head is not None else []
    if rule_type == RuleType.DEPARTMENT_HEAD:
        department = Department.objects.filter(code=rule.get("department") or "").first()
        return [department.head] if department is not None and department.head_id else []
    if rule_type == RuleType.RECORD_FIELD:
        value = record
        for part in (rule.get("field") or "").split("."):
            value = getattr(value, part, None) if value is not None else None
        if isinstance(value, Department):
            department = _department(value.pk)
            return [department.head] if department is not None and department.head_id else []
        return [value] if isinstance(value, User) else []
    return []


def supervisor(requester, *, levels: int = 1, department=None, of_requester: bool = True):
    """The head of a department `levels` up the tree (1: the department's own head).

    For the requester's own department, a requester who heads it is supervised by the head
    of the department above (DingTalk's 主管 rule). None when the tree ends or a department on
    the way has no active head: the caller then hands the node to the administrators. The
    tree is read from the database, never from objects a caller may hold."""
    if of_requester:
        department_id = getattr(requester, "department_id", None)
    else:
        department_id = getattr(department, "pk", None)
    current = _department(department_id)
    if of_requester:
        while current is not None and current.head_id == getattr(requester, "pk", None):
            current = _department(current.parent_id)
    for _level in range(max(levels, 1) - 1):
        if current is None:
            return None
        current = _department(current.parent_id)
    if current is None or current.head_id is None:
        return None
    return current.head if current.head.is_active else None


def _department(pk):
    if pk is None:
        return None
    return Department.objects.select_related("head").filter(pk=pk).first()
