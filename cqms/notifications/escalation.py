"""Clock names and escalation ladders.

Parts that start clocks name them here in `AppConfig.ready()`, so that administrators can give
each a ladder and messages say "Containment" instead of "containment":

    from cqms.notifications import escalation
    escalation.register_clock("containment", _("Containment"))

A clock without a ladder of its own follows the default ladder ("*").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

_clock_labels: dict[str, object] = {}


def register_clock(name: str, label) -> None:
    _clock_labels[name] = label


def clock_label(name: str):
    return _clock_labels.get(name, name)


def clock_choices() -> list[tuple[str, object]]:
    from .models import EscalationLadder

    registered = sorted(_clock_labels.items(), key=lambda item: item[0])
    return [(EscalationLadder.DEFAULT, _("All other clocks")), *registered]


# The ladder of a new database: owner at the due time, then the department head, the
# management representative and the general manager (working hours after the due time).
DEFAULT_STEPS = [
    ("owner", None, Decimal(0)),
    ("department_head", None, Decimal(4)),
    ("role", "management_representative", Decimal(8)),
    ("role", "general_manager", Decimal(16)),
]


@dataclass(frozen=True)
class StepPlan:
    number: int  # 1-based
    step: object  # EscalationStep
    due_at: dt.datetime


def ladder_for(clock_name: str, cache: dict | None = None):
    """The active ladder of a clock name (or the default ladder), with its steps loaded."""
    from .models import EscalationLadder

    if cache is not None and clock_name in cache:
        return cache[clock_name]
    ladders = {
        ladder.clock_name: ladder
        for ladder in EscalationLadder.objects.filter(
            clock_name__in=[clock_name, EscalationLadder.DEFAULT], is_active=True
        ).prefetch_related("steps__role")
    }
    ladder = ladders.get(clock_name) or ladders.get(EscalationLadder.DEFAULT)
    if cache is not None:
        cache[clock_name] = ladder
    return ladder


def plan(clock, ladder) -> list[StepPlan]:
    """When each step of the ladder falls due for this clock, on the working-day calendar."""
    from cqms.workdays import calendar

    if ladder is None:
        return []
    steps = sorted(ladder.steps.all(), key=lambda s: s.position)
    return [
        StepPlan(
            number,
            step,
            calendar.add_working_hours(clock.due_at, float(step.delay_hours))
            if step.delay_hours
            else clock.due_at,
        )
        for number, step in enumerate(steps, start=1)
    ]


def targets(step, clock) -> list:
    """The people a step tells, active only."""
    from cqms.organisation.models import User

    target = step.target
    if target == "owner":
        people = [clock.owner] if clock.owner_id else []
    elif target == "department_head":
        department = clock.department
        if department is None and clock.owner_id:
            department = clock.owner.department
        head = None
        for _depth in range(20):  # the nearest head above, if the department has none
            if department is None:
                break
            if department.head_id and department.head.is_active:
                head = department.head
                break
            department = department.parent
        people = [head] if head is not None else []
    elif target == "role" and step.role_id:
        people = list(
            User.objects.filter(
                is_active=True, roles=step.role_id, roles__is_active=True
            ).distinct()
        )
    else:
        people = []
    return [p for p in people if p is not None and p.is_active]
