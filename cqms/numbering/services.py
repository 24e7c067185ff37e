"""Allocating numbers.

`next_number` takes the next value of a django-sequences counter inside the caller's
transaction. The counter row stays locked until that transaction ends (PostgreSQL row lock;
SQLite holds its single write lock from BEGIN IMMEDIATE), so concurrent requests queue and
never get the same number; if the transaction rolls back, the counter goes back with it, so
the sequence stays gapless.

Numbers are never reused: a record that received a number is voided, never deleted, and a
reset or a rule change only ever starts new counters (see `patterns`).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from sequences import get_last_value, get_next_value, get_next_values

from cqms.audit import services as audit
from cqms.core.errors import BusinessRuleError

from . import registry
from .models import NumberingRule, company_date


def next_number(record_type: str, *, at: dt.datetime | dt.date | None = None) -> str:
    """Allocate the next number of `record_type` for the moment `at` (default now; the date
    part and the reset period follow the company time zone).

    Call it inside the transaction that saves the record which carries the number (usually
    `audit.change_transaction()`, so the lock order is audit chain, rule, counter), right
    before saving it. A transaction that numbers records of several types takes them in a
    fixed order of types, so two such transactions cannot deadlock on PostgreSQL.

    Raises RuntimeError outside a transaction, LookupError for a record type that has neither
    a rule nor a registration, and BusinessRuleError when the rule is inactive or conflicts
    with numbers already issued.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "next_number() must run inside the transaction that saves the numbered record"
        )
    day = company_date(at)
    # The rule's row lock makes a concurrent change of the rule wait for this allocation
    # (and this allocation wait for the change), so the check below sees committed counters.
    rule = NumberingRule.objects.select_for_update().filter(record_type=record_type).first()
    if rule is None:
        rule = _create_default_rule(record_type)
    if not rule.is_active:
        raise BusinessRuleError(
            _(
                "Automatic numbering of %(type)s is switched off. Ask an administrator to "
                "activate its numbering rule."
            )
            % {"type": rule.record_type_label},
            code="numbering_inactive",
        )
    name = rule.sequence_name(day)
    if get_last_value(name) is None and rule.conflicting_shapes():
        # A new counter for a prefix that was used with another date part or reset: the rule
        # was changed behind the validation (shell, database). Refuse rather than repeat.
        raise BusinessRuleError(
            _(
                "The numbering rule of %(type)s could repeat numbers already issued. Ask an "
                "administrator to check the rule."
            )
            % {"type": rule.record_type_label},
            code="numbering_conflict",
        )
    return rule.format(get_next_value(name), day)


def preview_numbers(record_type: str, count: int, *, at=None) -> list[str]:
    """The `count` numbers the next allocation would give now, without taking them: a bulk
    import prepares its records with them before its write transaction, where
    `next_numbers(..., expected=...)` takes them or says someone took one first."""
    day = company_date(at)
    rule = NumberingRule.objects.filter(record_type=record_type).first()
    if rule is None:
        defaults = registry.get(record_type).default.as_fields()
        rule = NumberingRule(record_type=record_type, **defaults)
    last = get_last_value(rule.sequence_name(day)) or 0
    return [rule.format(value, day) for value in range(last + 1, last + count + 1)]


def next_numbers(record_type: str, count: int, *, at=None) -> list[str]:
    """`count` consecutive numbers at once (a bulk import), with the rules of `next_number`."""
    if count <= 0:
        return []
    first = next_number(record_type, at=at)
    if count == 1:
        return [first]
    day = company_date(at)
    rule = NumberingRule.objects.get(record_type=record_type)
    values = get_next_values(count - 1, rule.sequence_name(day))
    return [first] + [rule.format(value, day) for value in values]


def _create_default_rule(record_type: str) -> NumberingRule:
    """The rule from the registered defaults, created on first use and audited.

    The audit chain is locked first, as every auditing transaction does, so creating the rule
    cannot deadlock with an administrator's change. A concurrent first use creates it too: the
    loser's insert fails on the unique record type and it uses the winner's row.
    """
    entry = registry.get(record_type)
    audit.lock_chain()
    try:
        with transaction.atomic():
            # The defaults were validated when they were registered.
            rule = NumberingRule(record_type=record_type, **entry.default.as_fields())
            audit.save_new(rule, actor=None)
    except IntegrityError:
        rule = NumberingRule.objects.select_for_update().get(record_type=record_type)
    return rule
