"""The kinds of approval that parts of CQMS offer, registered in their `AppConfig.ready()`.

    from cqms.approvals import registry as approvals

    approvals.register(
        "complaints.eightd_closure",
        label=_("8D closure"),
        model=Complaint,
        signed_content=lambda c: {"number": c.number, "d8": c.d8_summary, ...},
        signed_files=lambda c: c.attachments.all(),  # evidence: rows with file and sha256
        condition_fields={"amount": approvals.ConditionField(_("Claim amount"), "decimal")},
        on_approved=close_after_approval,          # (record, instance, actor) -> None
        default_flow=approvals.FlowSpec(_("8D closure"), [
            approvals.NodeSpec(_("Quality manager"), [approvals.Approver.role("quality_manager")],
                               signature=True, meaning="approved"),
        ]),
    )

The default flow is created once (after migrating, or at the first start) when no definition
exists for the kind; administrators change it afterwards in the administration pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

CONDITION_TYPES = ("decimal", "integer", "boolean", "text")


@dataclass(frozen=True)
class ConditionField:
    """A value conditions may test: read from the start data first, then from the record
    (`name` may follow relations with dots: "customer.classification")."""

    label: Any
    type: str = "decimal"

    def __post_init__(self):
        if self.type not in CONDITION_TYPES:
            raise ValueError(f"condition field type must be one of {CONDITION_TYPES}")


@dataclass(frozen=True)
class Approver:
    """An approver rule of a default flow; roles, people and departments by their codes."""

    type: str
    role_code: str = ""
    username: str = ""
    department_code: str = ""
    basis: str = "requester"
    levels: int = 1
    field: str = ""

    @classmethod
    def role(cls, code: str) -> Approver:
        return cls("role", role_code=code)

    @classmethod
    def user(cls, username: str) -> Approver:
        return cls("user", username=username)

    @classmethod
    def supervisor(cls, levels: int = 1, *, of: str = "requester") -> Approver:
        """The head of the requester's (or the record's) department, `levels` up (1: the
        department's own head; a requester who heads it gets the head of the one above)."""
        return cls("supervisor", levels=levels, basis=of)

    @classmethod
    def department_head(cls, code: str) -> Approver:
        return cls("department_head", department_code=code)

    @classmethod
    def record_field(cls, name: str) -> Approver:
        return cls("record_field", field=name)


@dataclass(frozen=True)
class NodeSpec:
    name: Any
    approvers: Sequence[Approver]
    mode: str = "sequential"
    step: int | None = None  # default: one step per node, in order
    priority: int = 1
    condition: tuple[str, str, Any] | None = None  # ("amount", ">", 10000)
    signature: bool = False
    meaning: str = "approved"
    reason_required: bool = False
    time_limit_hours: Decimal | int | None = None
    cc_roles: Sequence[str] = ()


@dataclass(frozen=True)
class FlowSpec:
    name: Any
    nodes: Sequence[NodeSpec]
    description: Any = ""


def _default_department(record) -> models.Model | None:
    return getattr(record, "department", None)


def _default_url(record) -> str:
    return record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""


def _default_can_start(user, record) -> bool:
    from cqms.organisation import access

    return access.can(user, "view", record)


def _noop(record, instance, actor) -> None:
    return None


@dataclass
class ApprovalKind:
    kind: str
    label: Any
    model: type[models.Model]
    signed_content: Callable[[models.Model], dict]
    signed_files: Callable[[models.Model], Any] | None = None
    condition_fields: dict[str, ConditionField] = field(default_factory=dict)
    record_department: Callable = _default_department
    record_url: Callable = _default_url
    on_approved: Callable = _noop
    on_rejected: Callable = _noop
    on_withdrawn: Callable = _noop
    can_start: Callable = _default_can_start
    default_flow: FlowSpec | None = None
    approver_fields: dict[str, Any] = field(default_factory=dict)
    start_on_panel: bool = False

    def flow_spec(self) -> FlowSpec:
        if self.default_flow is not None:
            return self.default_flow
        return FlowSpec(self.label, [NodeSpec(_("Department head"), [Approver.supervisor(1)])])


_kinds: dict[str, ApprovalKind] = {}


def register(
    kind: str,
    *,
    label,
    model: type[models.Model],
    signed_content: Callable[[models.Model], dict],
    signed_files: Callable[[models.Model], Any] | None = None,
    condition_fields: dict[str, ConditionField | tuple | Any] | None = None,
    record_department: Callable | None = None,
    record_url: Callable | None = None,
    on_approved: Callable | None = None,
    on_rejected: Callable | None = None,
    on_withdrawn: Callable | None = None,
    can_start: Callable | None = None,
    default_flow: FlowSpec | None = None,
    approver_fields: dict[str, Any] | None = None,
    start_on_panel: bool = False,
) -> ApprovalKind:
    """Offer an approval of `model` records. Callbacks run inside the deciding transaction:
    `on_approved(record, instance, actor)` after the last approval, `on_rejected` after a
    rejection, `on_withdrawn` after the requester withdraws; an exception undoes the decision.
    `signed_content(record)` returns the JSON-able values a signature covers;
    `signed_files(record)` the evidence files it covers too (rows with `file`, `sha256` taken at
    upload and `original_filename`): their digests are signed and re-checked from storage.
    `start_on_panel=True` lets the record panel offer a start button (the generic start page);
    leave it off when the part starts the approval from its own service with its own checks."""
    if "." not in kind:
        raise ValueError("approval kinds are named app.what, e.g. complaints.eightd_closure")
    fields = {name: _condition_field(value) for name, value in (condition_fields or {}).items()}
    if approver_fields is None:
        approver_fields = {
            f.name: f.verbose_name
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None and _is_user_model(f.related_model)
        }
    definition = ApprovalKind(
        kind=kind,
        label=label,
        model=model,
        signed_content=signed_content,
        signed_files=signed_files,
        condition_fields=fields,
        record_department=record_department or _default_department,
        record_url=record_url or _default_url,
        on_approved=on_approved or _noop,
        on_rejected=on_rejected or _noop,
        on_withdrawn=on_withdrawn or _noop,
        can_start=can_start or _default_can_start,
        default_flow=default_flow,
        approver_fields=dict(approver_fields),
        start_on_panel=start_on_panel,
    )
    _kinds[kind] = definition
    return definition


def unregister(kind: str) -> None:
    _kinds.pop(kind, None)


def get(kind: str) -> ApprovalKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(f"Unknown approval kind {kind!r}: register it first.") from None


def is_registered(kind: str) -> bool:
    return kind in _kinds


def all_kinds() -> list[ApprovalKind]:
    return sorted(_kinds.values(), key=lambda k: k.kind)


def kinds_for(model_or_record) -> list[ApprovalKind]:
    model = model_or_record if isinstance(model_or_record, type) else type(model_or_record)
    return [k for k in all_kinds() if issubclass(model, k.model)]


def _condition_field(value) -> ConditionField:
    if isinstance(value, ConditionField):
        return value
    if isinstance(value, tuple):
        return ConditionField(*value)
    return ConditionField(value, "text")


def _is_user_model(model) -> bool:
    from django.contrib.auth import get_user_model

    return model is get_user_model()
