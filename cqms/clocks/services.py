"""Starting, stopping, pausing and resuming clocks. Call these inside the change's transaction
(`audit.change_transaction()`); every change is audited on the record the clock belongs to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.audit import services as audit
from cqms.core.errors import BusinessRuleError
from cqms.workdays import calendar, deadlines

from .models import Basis, Clock, ClockPause


@dataclass(frozen=True)
class ClockSpec:
    name: str
    basis: str
    amount: Decimal

    def due(self, start: dt.datetime, cal=None) -> dt.datetime:
        return deadline(start, self.basis, self.amount, cal=cal)


def deadline(start: dt.datetime, basis: str, amount, cal=None) -> dt.datetime:
    """`cal`: a `calendar.company_calendar()` taken once for many deadlines (an import)."""
    amount = Decimal(amount)
    if basis == Basis.CALENDAR_HOURS:
        return calendar.add_calendar_hours(start, float(amount))
    if basis == Basis.WORKING_HOURS:
        if cal is not None:
            return deadlines.add_working_hours(cal, start, float(amount))
        return calendar.add_working_hours(start, float(amount))
    if basis == Basis.WORKING_DAYS:
        if amount != amount.to_integral_value():
            raise ValueError("working days are whole days")
        if cal is not None:
            return deadlines.add_working_days(cal, start, int(amount))
        return calendar.add_working_days(start, int(amount))
    raise ValueError(f"unknown clock basis {basis!r}")


def clocks_for(record: models.Model) -> list[Clock]:
    content_type = ContentType.objects.get_for_model(record)
    return list(Clock.objects.filter(content_type=content_type, object_id=record.pk))


def get_clock(record: models.Model, name: str) -> Clock:
    content_type = ContentType.objects.get_for_model(record)
    return Clock.objects.get(content_type=content_type, object_id=record.pk, name=name)


def start_clocks(
    record: models.Model,
    specs: Iterable[ClockSpec],
    *,
    started_at: dt.datetime,
    actor,
    owner=None,
    department=None,
) -> list[Clock]:
    content_type = ContentType.objects.get_for_model(record)
    clocks = []
    for spec in specs:
        due = spec.due(started_at)
        clock = Clock(
            content_type=content_type,
            object_id=record.pk,
            name=spec.name,
            basis=spec.basis,
            amount=spec.amount,
            started_at=started_at,
            due_at=due,
            original_due_at=due,
            owner=owner,
            department=department,
        )
        clocks.append(audit.save_new(clock, actor=actor))
    return clocks


def stop_clock(
    record: models.Model,
    name: str,
    *,
    actor,
    at: dt.datetime | None = None,
    missing_ok: bool = False,
) -> Clock | None:
    """The clock's milestone is done: met if in time. Stopping twice keeps the first time.
    `missing_ok`: a record whose policy has no such clock has nothing to stop."""
    try:
        clock = get_clock(record, name)
    except Clock.DoesNotExist:
        if missing_ok:
            return None
        raise
    if clock.done_at is not None:
        return clock
    at = at or timezone.now()
    if clock.paused_at is not None:
        _end_pause(clock, at=at, actor=actor)
    audit.save_changes(clock, {"done_at": at, "met": at <= clock.due_at}, actor=actor)
    return clock


def cancel_clocks(record: models.Model, *, actor, at: dt.datetime | None = None) -> None:
    """The record no longer needs its running clocks (cancelled): they stop, neither met nor
    missed, and nobody is reminded of them."""
    at = at or timezone.now()
    for clock in clocks_for(record):
        if clock.done_at is None:
            if clock.paused_at is not None:
                pause = clock.pauses.get(ended_at=None)
                audit.save_changes(pause, {"ended_at": at, "resumed_by": actor}, actor=actor)
            audit.save_changes(clock, {"done_at": at, "met": None, "paused_at": None}, actor=actor)


def pause_clock(record: models.Model, name: str, *, reason: str, actor, at=None) -> Clock:
    """Stop the clock running (waiting for samples, for the customer's data) with a reason."""
    clock = get_clock(record, name)
    if not reason.strip():
        raise BusinessRuleError(_("Give the reason for pausing the clock."), "pause_reason")
    if clock.done_at is not None:
        raise BusinessRuleError(_("This clock has already stopped."), "clock_done")
    if clock.paused_at is not None:
        raise BusinessRuleError(_("This clock is already paused."), "clock_paused")
    at = at or timezone.now()
    audit.save_new(
        ClockPause(clock=clock, started_at=at, reason=reason, paused_by=actor),
        actor=actor,
        reason=reason,
    )
    audit.save_changes(clock, {"paused_at": at}, actor=actor, reason=reason)
    return clock


def resume_clock(record: models.Model, name: str, *, actor, at=None) -> Clock:
    """Run the clock again with the time it had left: the due moment moves by the pause."""
    clock = get_clock(record, name)
    if clock.paused_at is None:
        raise BusinessRuleError(_("This clock is not paused."), "clock_not_paused")
    _end_pause(clock, at=at or timezone.now(), actor=actor)
    return clock


def _end_pause(clock: Clock, *, at: dt.datetime, actor) -> None:
    pause = clock.pauses.get(ended_at=None)
    audit.save_changes(pause, {"ended_at": at, "resumed_by": actor}, actor=actor)
    if clock.basis == Basis.CALENDAR_HOURS:
        due = clock.due_at + (at - clock.paused_at)
    else:
        due = calendar.extend_by_pause(clock.due_at, clock.paused_at, at)
    audit.save_changes(clock, {"paused_at": None, "due_at": due}, actor=actor)


def share_elapsed(clock: Clock, now: dt.datetime, *, cal=None) -> float:
    """How much of the time allowed has passed (0.5 = half), on the clock's own basis. Pass
    `cal` (`calendar.company_calendar()`) when looping over clocks: one calendar check, not three
    per clock."""
    if clock.basis == Basis.CALENDAR_HOURS:
        allowed = (clock.due_at - clock.started_at).total_seconds()
        used = (now - clock.started_at).total_seconds()
        paused = sum(
            ((p.ended_at or now) - p.started_at).total_seconds() for p in clock.pauses.all()
        )
    else:
        cal = cal or calendar.company_calendar()
        between = deadlines.working_time_between
        allowed = between(cal, clock.started_at, clock.due_at).total_seconds()
        used = between(cal, clock.started_at, now).total_seconds()
        paused = sum(
            between(cal, p.started_at, p.ended_at or now).total_seconds()
            for p in clock.pauses.all()
        )
    return max(0.0, used - paused) / allowed if allowed > 0 else 1.0
