"""Reads for record pages."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch

from cqms.clocks.models import Clock

from .models import Escalation


def clocks_with_escalations(record) -> list[Clock]:
    """The record's clocks with what the panel shows of them (owner, department, pauses,
    escalations). A page that shows the clocks elsewhere too loads them here once and passes
    them to `{% escalations_for record clocks %}`."""
    if record is None or getattr(record, "pk", None) is None:
        return []
    content_type = ContentType.objects.get_for_model(record)
    return list(
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
