"""What a new database gets once: the job worker's schedule that fails stopped jobs."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

SWEEP = "cqms.jobs.sweep"


def ensure_schedule(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    from django_q.models import Schedule

    Schedule.objects.using(using).get_or_create(
        name=SWEEP,
        defaults={
            "func": "cqms.jobs.tasks.sweep",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "next_run": timezone.now(),
            "repeats": -1,
        },
    )
