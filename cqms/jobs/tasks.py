"""What the django-q2 worker runs: `run_job(job_id)`, queued by `services.start_job`."""

from __future__ import annotations

import logging
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from cqms.core.context import change_context
from cqms.core.database import is_busy
from cqms.core.errors import BusinessRuleError

from . import registry
from .heartbeat import Heartbeat, this_host
from .models import Job

logger = logging.getLogger(__name__)


def run_job(job_id: int) -> str:
    """Run one job once. The conditional UPDATE from "queued" to "running" is the claim: a
    second worker (a redelivered task) finds nothing to claim and returns."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker_host=this_host(),
        worker_pid=os.getpid(),
    )
    if claimed != 1:
        logger.warning("Job %s is not queued (already run or running); skipped", job_id)
        return "skipped"
    job = Job.objects.select_related("created_by").get(pk=job_id)
    progress = registry.Progress(job)
    with Heartbeat(job.pk), translation.override(job.language):
        try:
            kind = registry.get(job.kind)
        except LookupError:
            logger.error("Job %s has the unknown kind %r", job_id, job.kind)
            _finish_failed(job, progress, _("This kind of job is not known to this version."))
            return "failed"
        with change_context(source=kind.source, request_id=f"job-{job.pk}", ip=""):
            try:
                outcome = kind.handler(job, progress)
            except registry.JobFailed as error:
                _finish_failed(job, progress, force_str(error.message), result=error.result)
                return "failed"
            except Exception as error:
                message = readable_error(error)
                if message is None:
                    logger.exception("Job %s (%s) failed", job_id, job.kind)
                    message = _(
                        "The job failed because of an unexpected error. Nothing more can be "
                        "done here; the administrator can find the details in the server log "
                        "under job number %(id)s."
                    ) % {"id": job.pk}
                else:
                    logger.info("Job %s (%s) failed: %s", job_id, job.kind, message)
                _finish_failed(job, progress, message)
                return "failed"
        _finish_succeeded(job, progress, outcome)
    return "succeeded"


def readable_error(error: Exception) -> str | None:
    """The message of an expected error in the active language; None for a programming error."""
    if isinstance(error, BusinessRuleError):
        return force_str(error.message)
    if isinstance(error, ValidationError):
        return " ".join(force_str(m) for m in error.messages)
    if isinstance(error, PermissionDenied):
        return _("You are not allowed to do this.")
    if is_busy(error):
        return _(
            "The database was busy with another change for too long. Nothing was saved: start "
            "the job again."
        )
    return None


def _finish_failed(job: Job, progress, message: str, *, result: dict | None = None) -> None:
    values = {
        "status": Job.Status.FAILED,
        "finished_at": timezone.now(),
        "error": message,
        "done": progress.done,
        "total": progress.total,
        "message": progress.message,
    }
    if result:
        values["result"] = _plain(result)
    Job.objects.filter(pk=job.pk).update(**values)


def _finish_succeeded(job: Job, progress, outcome) -> None:
    message = progress.message
    data = None
    if isinstance(outcome, registry.JobResult):
        data = outcome.data
        message = force_str(outcome.message) if outcome.message else message
    elif isinstance(outcome, dict):
        data = outcome
    values = {
        "status": Job.Status.SUCCEEDED,
        "finished_at": timezone.now(),
        "done": progress.done,
        "total": progress.total,
        "message": (message or _("Finished."))[:500],
        "error": "",  # the job outlived a sweep that took it for dead: its outcome counts
    }
    if progress.total is not None and progress.done < progress.total:
        values["done"] = progress.total
    if data is not None:
        values["result"] = _plain(data)
    Job.objects.filter(pk=job.pk).update(**values)


def _plain(value):
    """Lazy translations and other objects made JSON-safe, in the job's language."""
    if isinstance(value, dict):
        return {force_str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return force_str(value)


def sweep() -> str:
    """Every minute (schedule "cqms.jobs.sweep"): fail the jobs whose worker stopped."""
    from .services import fail_stale_jobs

    return f"{fail_stale_jobs()} stopped jobs marked failed"
