"""`{% load notifications %}{% escalations_for record %}`: the clocks of a record with their
status and the escalations taken, for the record's page."""

from __future__ import annotations

from django import template
from django.utils import timezone

from cqms.clocks.services import share_elapsed
from cqms.workdays import calendar

from ..escalation import clock_label
from ..selectors import clocks_with_escalations

register = template.Library()


@register.inclusion_tag("notifications/escalations.html")
def escalations_for(record, clocks=None):
    """Show it only on pages whose view already checked that the user may see `record`."""
    if clocks is None:
        clocks = clocks_with_escalations(record)
    now = timezone.now()
    cal = None  # read once, and only when a clock runs
    rows = []
    for clock in clocks:
        if clock.done_at is not None:
            state = "met" if clock.met else "missed"
            percent = None
        elif clock.paused_at is not None:
            state, percent = "paused", None
        else:
            state = "overdue" if clock.due_at < now else "running"
            cal = cal or calendar.company_calendar()
            percent = min(999, round(share_elapsed(clock, now, cal=cal) * 100))
        rows.append(
            {
                "clock": clock,
                "label": clock_label(clock.name),
                "state": state,
                "percent": percent,
                "escalations": list(clock.escalations.all()),
            }
        )
    return {"clocks": rows}
