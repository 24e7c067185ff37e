"""The record of a background job: who asked for what, how far it got, and what came out.

Jobs are operational records, not business records: their rows are not audited, but the
changes a job makes go through the services, which audit them with the source "job" or
"import" (see tasks.run_job).
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")


def job_file_path(instance, filename: str) -> str:
    """A random storage name; the name the user sees is kept apart (never trusted as a path)."""
    suffix = PurePath(filename or "").suffix.lower()
    if not _SAFE_SUFFIX.match(suffix):
        suffix = ""
    return f"jobs/{uuid.uuid4().hex}{suffix}"


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=100)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The submitter's language: the job writes its messages and files in it.
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    input_file = models.FileField(_("input file"), upload_to=job_file_path, blank=True)
    input_filename = models.CharField(_("input file name"), max_length=255, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    result_file = models.FileField(_("result file"), upload_to=job_file_path, blank=True)
    result_filename = models.CharField(_("result file name"), max_length=255, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    # Signs of life of a running job: written every few seconds by the worker running it
    # (heartbeat.Heartbeat); the sweep fails a job whose worker stopped (services.fail_stale_jobs).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    worker_host = models.CharField(_("worker host"), max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(_("worker process"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="job_user_recent_idx"),
            models.Index(fields=["status", "started_at"], name="job_status_idx"),
        ]

    def __str__(self):
        return f"{self.label} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def label(self) -> str:
        from .registry import label_for

        return label_for(self.kind)

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        """Progress in percent, or None while the total is unknown."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return max(0, min(100, round(100 * self.done / self.total)))

    def can_view(self, user) -> bool:
        return bool(
            user.is_authenticated
            and (self.created_by_id == user.pk or user.has_perm("jobs.view_job"))
        )
