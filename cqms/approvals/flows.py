"""Flow definitions: their JSON form (what instances snapshot), published revisions, and the
default flows of the registered kinds."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import translation

from cqms.audit import services as audit
from cqms.organisation.models import Department, Role, User

from . import registry
from .models import ApprovalFlow, ApprovalFlowRevision, ApprovalNode, ApprovalRule, RuleType

log = logging.getLogger(__name__)


def rule_definition(rule: ApprovalRule) -> dict:
    value = {"type": rule.rule_type}
    if rule.rule_type == RuleType.USER:
        value["user"] = rule.user_id
    elif rule.rule_type == RuleType.ROLE:
        value["role"] = rule.role.code if rule.role_id else None
    elif rule.rule_type == RuleType.SUPERVISOR:
        value.update(basis=rule.basis, levels=rule.levels)
    elif rule.rule_type == RuleType.DEPARTMENT_HEAD:
        value["department"] = rule.department.code if rule.department_id else None
    elif rule.rule_type == RuleType.RECORD_FIELD:
        value["field"] = rule.field_name
    return value


def node_definition(node: ApprovalNode) -> dict:
    condition = None
    if node.condition_field:
        condition = {
            "field": node.condition_field,
            "op": node.condition_operator,
            "value": node.condition_value,
        }
    return {
        "id": node.pk,
        "step": node.step,
        "priority": node.priority,
        "name": node.name,
        "mode": node.mode,
        "condition": condition,
        "rules": [rule_definition(rule) for rule in node.rules.all()],
        "signature": {
            "required": node.signature_required,
            "meaning": node.signature_meaning,
            "reason_required": node.reason_required,
        },
        "time_limit_hours": None
        if node.time_limit_hours is None
        else format(node.time_limit_hours.normalize(), "f"),
        "cc": {
            "users": sorted(node.cc_users.values_list("pk", flat=True)),
            "roles": sorted(node.cc_roles.values_list("code", flat=True)),
        },
    }


def definition(flow: ApprovalFlow) -> dict:
    nodes = flow.nodes.prefetch_related("rules__role", "rules__department").order_by(
        "step", "priority", "pk"
    )
    return {
        "flow": {"id": flow.pk, "kind": flow.kind, "name": flow.name},
        "nodes": [node_definition(node) for node in nodes],
    }


def publish_revision(
    flow: ApprovalFlow, *, actor=None, audited: bool = True
) -> ApprovalFlowRevision:
    """Keep the definition as it is now as a new revision, unless nothing changed. Call it
    inside the change's transaction; instances started later use the new revision."""
    current = definition(flow)
    last = ApprovalFlowRevision.objects.filter(flow=flow).order_by("-revision").first()
    if last is not None and _without_revision(last.definition) == current:
        return last
    number = (last.revision if last else 0) + 1
    current["flow"]["revision"] = number
    revision = ApprovalFlowRevision(
        flow=flow, revision=number, definition=current, created_by=actor
    )
    if audited:
        audit.save_new(revision, actor=actor)
        audit.save_changes(flow, {"revision": number}, actor=actor)
    else:
        revision.save(force_insert=True)
        ApprovalFlow.objects.filter(pk=flow.pk).update(revision=number)
        flow.revision = number
    return revision


def current_revision(flow: ApprovalFlow, *, actor=None) -> ApprovalFlowRevision:
    last = ApprovalFlowRevision.objects.filter(flow=flow).order_by("-revision").first()
    return last or publish_revision(flow, actor=actor)


def _without_revision(value: dict) -> dict:
    return {**value, "flow": {k: v for k, v in value.get("flow", {}).items() if k != "revision"}}


# --- Default flows ------------------------------------------------------------------------------


def flow_for(kind: str, *, actor=None) -> ApprovalFlow:
    """The kind's flow, created from its default when there is none yet (inside a change)."""
    flow = ApprovalFlow.objects.filter(kind=kind).first()
    if flow is None:
        flow = create_default(registry.get(kind), actor=actor)
    return flow


def create_default(
    kind: registry.ApprovalKind, *, actor=None, audited: bool = True
) -> ApprovalFlow:
    """The kind's default flow. Audited when created by a change (the first start); set up
    silently after migrating, like the other defaults of a new database."""

    def save(obj):
        if audited:
            return audit.save_new(obj, actor=actor)
        obj.save(force_insert=True)
        return obj

    # Names become data that administrators edit: write them in the company's language, not
    # in whatever language the migrating process happens to run.
    with translation.override(settings.LANGUAGE_CODE):
        spec = kind.flow_spec()
        names = [str(spec.name)[:200], *(str(node.name)[:100] for node in spec.nodes)]
        description = str(spec.description)
    flow = save(ApprovalFlow(kind=kind.kind, name=names[0], description=description))
    for index, node_spec in enumerate(spec.nodes, start=1):
        limit = node_spec.time_limit_hours
        node = save(
            ApprovalNode(
                flow=flow,
                step=node_spec.step or index,
                priority=node_spec.priority,
                name=names[index],
                mode=node_spec.mode,
                condition_field=node_spec.condition[0] if node_spec.condition else "",
                condition_operator=node_spec.condition[1] if node_spec.condition else "",
                condition_value=str(node_spec.condition[2]) if node_spec.condition else "",
                signature_required=node_spec.signature,
                signature_meaning=node_spec.meaning,
                reason_required=node_spec.reason_required,
                time_limit_hours=None if limit is None else Decimal(limit),
            )
        )
        if node_spec.cc_roles:
            node.cc_roles.set(Role.objects.filter(code__in=node_spec.cc_roles))
        for position, approver in enumerate(node_spec.approvers, start=1):
            save(_rule(node, position, approver))
    publish_revision(flow, actor=actor, audited=audited)
    return flow


def _rule(node: ApprovalNode, position: int, approver: registry.Approver) -> ApprovalRule:
    rule = ApprovalRule(
        node=node,
        position=position,
        rule_type=approver.type,
        basis=approver.basis,
        levels=approver.levels,
        field_name=approver.field,
    )
    if approver.role_code:
        rule.role = Role.objects.filter(code=approver.role_code).first()
    if approver.username:
        rule.user = User.objects.filter(username=approver.username).first()
    if approver.department_code:
        rule.department = Department.objects.filter(code=approver.department_code).first()
    missing = (approver.role_code and rule.role is None) or (
        approver.department_code and rule.department is None
    )
    if missing or (approver.username and rule.user is None):
        # Resolved to nobody at run time: the administrators get the task, nothing passes.
        log.warning("Approval flow %s: approver %s not found", node.flow.kind, approver)
    return rule


def ensure_default_flows(sender=None, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: a flow for every registered kind that has none (administrators' edits
    stay). Also gives the administrator role the approval permissions once."""
    tables = connections[using].introspection.table_names()
    if ApprovalFlow._meta.db_table not in tables or "organisation_role" not in tables:
        return
    with transaction.atomic(using=using):
        for kind in registry.all_kinds():
            if not ApprovalFlow.objects.using(using).filter(kind=kind.kind).exists():
                create_default(kind, audited=False)
        _grant_administrators(using)


def _grant_administrators(using: str) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission

    if Role.objects.using(using).filter(permissions__content_type__app_label="approvals").exists():
        return
    administrator = Role.objects.using(using).filter(code="administrator").first()
    if administrator is None:
        return
    create_permissions(apps.get_app_config("approvals"), verbosity=0, using=using)
    administrator.permissions.add(
        *Permission.objects.using(using).filter(content_type__app_label="approvals")
    )
