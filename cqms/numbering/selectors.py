"""Reading numbering rules without allocating anything."""

from __future__ import annotations

import datetime as dt

from . import registry
from .models import NumberingRule


def rule_for(record_type: str) -> NumberingRule:
    """The stored rule, or an unsaved one from the registered defaults (LookupError if the
    record type is neither stored nor registered)."""
    rule = NumberingRule.objects.filter(record_type=record_type).first()
    if rule is None:
        rule = NumberingRule(
            record_type=record_type, **registry.get(record_type).default.as_fields()
        )
    return rule


def preview_number(record_type: str, *, at: dt.datetime | dt.date | None = None) -> str:
    """The number a new record would get now, for display on a create form ("will be
    assigned on saving"). It is not reserved: never store it."""
    return rule_for(record_type).preview(at)
