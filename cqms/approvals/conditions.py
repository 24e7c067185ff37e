"""Branch conditions: a field, an operator and a value, evaluated without `eval`.

A condition is the dict `{"field": "amount", "op": ">", "value": "10000"}`; the value is kept
as text (as the administrator typed it) and read according to the field's type.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .registry import ApprovalKind, ConditionField

OPERATORS = (">", ">=", "<", "<=", "==", "!=", "in")
TRUE = {"1", "true", "yes", "y", "on", "是", "真"}
FALSE = {"0", "false", "no", "n", "off", "否", "假", ""}


def parse(value: Any, kind: str) -> Any:
    """A value in the field's type; ValueError if it is not one."""
    if value is None:
        return None
    if kind == "decimal":
        try:
            return Decimal(str(value).replace(",", "").strip())
        except InvalidOperation:
            raise ValueError(value) from None
    if kind == "integer":
        return int(str(value).strip())
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise ValueError(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value).strip()


def validate(condition: dict, fields: dict[str, ConditionField]) -> None:
    """ValidationError unless the condition names a known field, operator and typed value."""
    name, op, value = condition.get("field"), condition.get("op"), condition.get("value")
    if name not in fields:
        raise ValidationError(
            _("%(field)s is not a condition field of this approval."), params={"field": name}
        )
    if op not in OPERATORS:
        raise ValidationError(_("Choose a comparison."))
    values = _split(value) if op == "in" else [value]
    try:
        for item in values:
            parse(item, fields[name].type)
    except (ValueError, TypeError):
        raise ValidationError(
            _("%(value)s is not a valid value for %(field)s."),
            params={"value": value, "field": fields[name].label},
        ) from None


def holds(condition: dict | None, values: dict, fields: dict[str, ConditionField]) -> bool:
    """Does the condition hold for these values? No condition always holds; a missing value
    never satisfies one."""
    if not condition:
        return True
    name, op = condition["field"], condition["op"]
    field = fields.get(name)
    if field is None:
        return False
    try:
        actual = parse(values.get(name), field.type)
        if actual is None:
            return False
        if op == "in":
            return actual in [parse(item, field.type) for item in _split(condition["value"])]
        expected = parse(condition["value"], field.type)
    except (ValueError, TypeError):
        return False
    try:
        return {
            ">": lambda: actual > expected,
            ">=": lambda: actual >= expected,
            "<": lambda: actual < expected,
            "<=": lambda: actual <= expected,
            "==": lambda: actual == expected,
            "!=": lambda: actual != expected,
        }[op]()
    except (KeyError, TypeError):
        return False


def values_for(kind: ApprovalKind, record: models.Model, data: dict) -> dict:
    """The condition fields' values: start data first, then the record's attributes."""
    values = {}
    for name in kind.condition_fields:
        if name in data:
            values[name] = data[name]
        else:
            values[name] = _attribute(record, name)
    return values


def _attribute(record, path: str):
    value = record
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part, None)
    return value


def _split(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value]
    return [item.strip() for item in str(value).replace("，", ",").split(",") if item.strip()]


def describe(condition: dict | None, fields: dict[str, ConditionField]) -> str:
    """The condition as people read it: "Amount > 10000"."""
    if not condition:
        return ""
    field = fields.get(condition["field"])
    label = field.label if field else condition["field"]
    return f"{label} {condition['op']} {condition['value']}"
