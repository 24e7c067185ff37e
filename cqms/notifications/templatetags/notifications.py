"""`{% load notifications %}{% escalations_for record %}`: the clocks of a record with their
status and the escalations taken, for the record's page."""

from __future__ import annotations

from django import template
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.utils import timezone

from cqms.clocks.models import Clock
from cqms.clocks.services import share_elapsed

from ..escalation import clock_label
from ..models import Escalation

register = template.Library()


@register.inclusion_tag("notifications/escalations.html")
def escalations_for(record):
    """Show it only on pages whose view already checked that the user may see `record`."""
    if record is None or getattr(record, "pk", None) is None:
        return {"clocks": []}
    content_type = ContentType.objects.get_for_model(record)
    clocks = (
        Clock.objects.filter(content_type=content_type, object_id=record.pk)
        .select_related("owner", "department")
        .prefetch_related(
            "pauses",
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related("role").prefetch_related("recipients"),
            ),
        )
        .order_by("due_at")
    )
    now = timezone.now()
    rows = []
    for clock in clocks:
        if clock.done_at is not None:
            state = "met" if clock.met else "missed"
            percent = None
        elif clock.paused_at is not None:
            state, percent = "paused", None
        else:
            state = "overdue" if clock.due_at < now else "running"
            percent = min(999, round(share_elapsed(clock, now) * 100))
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
