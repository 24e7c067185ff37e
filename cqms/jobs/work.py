"""What jobs puts on "My work": the user's jobs that are still running or failed lately."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.core.work import WorkItem, WorkSection

from . import services
from .models import Job

RECENT_DAYS = 3
SHOWN = 10


def my_jobs(user) -> WorkSection | None:
    if not user.is_authenticated:
        return None
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    jobs = Job.objects.filter(
        created_by=user,
        created_at__gte=since,
        status__in=[Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.FAILED],
    )
    total = jobs.count()
    if not total:
        return None
    items = []
    for job in jobs[:SHOWN]:
        if services.looks_stopped(job) and services.fail_stale_jobs(Job.objects.filter(pk=job.pk)):
            job.refresh_from_db()  # its worker died: say so here too, not "running"
        if job.status == Job.Status.FAILED:
            detail = _("Failed: %(error)s") % {"error": job.error}
        elif job.percent is not None:
            detail = _("%(status)s, %(percent)s%% done") % {
                "status": job.get_status_display(),
                "percent": job.percent,
            }
        else:
            detail = job.get_status_display()
        items.append(
            WorkItem(
                title=job.label,
                url=job.get_absolute_url(),
                detail=detail,
            )
        )
    return WorkSection(
        "jobs",
        _("My background jobs"),
        items,
        more_url=reverse("jobs:list"),
        total=total,
    )
