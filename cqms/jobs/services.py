"""Submitting background jobs and storing what they produce."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path, PurePath

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import heartbeat, registry
from .models import Job

logger = logging.getLogger(__name__)


def _language_of(actor) -> str:
    language = translation.get_language() or getattr(actor, "language", "") or ""
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return settings.LANGUAGE_CODE


def start_job(kind: str, *, actor, params: dict | None = None, input_file=None) -> Job:
    """Record a job and queue it for the worker once the surrounding transaction commits.

    `input_file` is an uploaded file, a `File`, or the stored file of another job
    (`other_job.input_file`), which is reused without copying. The job runs in the language
    that is active now (the submitter's).
    """
    registry.get(kind)  # fail early for an unknown kind
    job = Job(
        kind=kind,
        created_by=actor if getattr(actor, "pk", None) else None,
        language=_language_of(actor),
        params=params or {},
    )
    if input_file is not None:
        if isinstance(input_file, FieldFile):
            job.input_file.name = input_file.name
            job.input_filename = getattr(input_file.instance, "input_filename", "") or ""
        else:
            original = PurePath(getattr(input_file, "name", "") or "").name
            job.input_filename = original[:255]
            if isinstance(input_file, bytes | bytearray):
                input_file = ContentFile(bytes(input_file))
            elif not isinstance(input_file, File):
                input_file = File(input_file)
            input_file.seek(0)
            job.input_file.save(original or "upload", input_file, save=False)
    with transaction.atomic():
        job.save(force_insert=True)
        transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from django_q.tasks import async_task

    try:
        task_id = async_task(
            "cqms.jobs.tasks.run_job", job_id, task_name=f"job-{job_id}", group="cqms.jobs"
        )
    except Exception:
        logger.exception("Job %s could not be queued", job_id)
        job = Job.objects.filter(pk=job_id).first()
        if job is not None:
            with translation.override(job.language):
                error = _(
                    "The job could not be handed to the job worker. Please try again later; "
                    "if it keeps failing, tell the administrator."
                )
            Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
                status=Job.Status.FAILED, finished_at=timezone.now(), error=error
            )
        return
    Job.objects.filter(pk=job_id).update(task_id=str(task_id or "")[:64])


def save_result_file(job: Job, content, filename: str) -> None:
    """Store a job's result file: `content` is bytes, a path, or an open binary file."""
    if isinstance(content, bytes | bytearray):
        stored = ContentFile(bytes(content))
        _store(job, stored, filename)
    elif isinstance(content, str | Path):
        with open(content, "rb") as handle:
            _store(job, File(handle), filename)
    else:
        _store(job, File(content), filename)


def _store(job: Job, content: File, filename: str) -> None:
    previous = job.result_file.name
    job.result_file.save(filename, content, save=False)
    job.result_filename = PurePath(filename).name[:255]
    Job.objects.filter(pk=job.pk).update(
        result_file=job.result_file.name, result_filename=job.result_filename
    )
    if previous and previous != job.result_file.name:
        job.result_file.storage.delete(previous)


@contextmanager
def result_path(job: Job, filename: str) -> Iterator[Path]:
    """A temporary path to write the result to; it becomes the job's result file on success.

    with result_path(job, "customers.xlsx") as path:
        exporter.write_xlsx(columns, rows, path, sheet_name)
    """
    folder = Path(tempfile.mkdtemp(prefix="cqms-job-"))
    try:
        path = folder / ("result" + PurePath(filename).suffix.lower())
        yield path
        save_result_file(job, path, filename)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def time_limit() -> timedelta:
    """How long a job may run: the worker stops it after this (CQMS_JOB_TIMEOUT)."""
    return timedelta(seconds=settings.Q_CLUSTER.get("timeout", 1800))


def looks_stopped(job: Job, now=None) -> bool:
    """Cheap test without asking the process: may the sweep find this running job stopped?"""
    if job.status != Job.Status.RUNNING:
        return False
    now = now or timezone.now()
    last = job.heartbeat_at or job.started_at
    if last is not None and last < now - heartbeat.STALE:
        return True
    return job.started_at is not None and job.started_at < now - time_limit() - heartbeat.STALE


def fail_stale_jobs(jobs=None) -> int:
    """Mark running jobs failed whose worker stopped (killed, restarted, out of memory) or
    whose time limit passed, with the reason in the submitter's language. `jobs` narrows the
    sweep (a queryset of Job); the worker sweeps all jobs every minute."""
    now = timezone.now()
    limit = time_limit()
    silent = now - heartbeat.STALE
    candidates = (jobs if jobs is not None else Job.objects.all()).filter(
        Q(heartbeat_at__lt=silent)
        | Q(heartbeat_at__isnull=True, started_at__lt=silent)
        | Q(started_at__lt=now - limit - heartbeat.STALE),
        status=Job.Status.RUNNING,
    )
    count = 0
    for job in candidates.only(
        "pk", "language", "started_at", "heartbeat_at", "worker_host", "worker_pid"
    ):
        over_time = job.started_at is not None and job.started_at <= now - limit
        # The worker stops a job at its limit; give it a minute more before overruling it.
        overdue = job.started_at is not None and job.started_at < now - limit - heartbeat.STALE
        if not overdue and heartbeat.process_alive(job.worker_host, job.worker_pid):
            continue  # silent but alive: on SQLite, busy in its own transaction
        with translation.override(job.language):
            if over_time:
                error = _(
                    "The job was stopped because it ran longer than its time limit of "
                    "%(minutes)s minutes. Run it again with less data, or ask the "
                    "administrator to raise the limit."
                ) % {"minutes": max(1, round(limit.total_seconds() / 60))}
            else:
                error = _(
                    "The job worker running this job stopped before the job finished (it was "
                    "ended, restarted or ran out of memory). An import that did not finish "
                    "saved nothing. Please check the result and run the job again."
                )
        stopped = Job.objects.filter(
            pk=job.pk, status=Job.Status.RUNNING, heartbeat_at=job.heartbeat_at
        ).update(status=Job.Status.FAILED, finished_at=now, error=error)
        if stopped:
            logger.warning(
                "Job %s marked failed: %s (worker %s:%s, last sign of life %s)",
                job.pk,
                "time limit passed" if over_time else "its worker stopped",
                job.worker_host,
                job.worker_pid,
                job.heartbeat_at,
            )
        count += stopped
    return count
