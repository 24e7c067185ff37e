"""Job kinds of the jobs app itself."""

from __future__ import annotations

import time

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .registry import JobResult


def worker_check(job, progress) -> JobResult:
    """Proves that the job worker picks up jobs, reads the database and reports progress.
    `pause` (seconds per step, at most 10) makes it a long job, to try what happens when the
    worker stops."""
    steps = max(1, min(int(job.params.get("steps", 3)), 100))
    pause = max(0.0, min(float(job.params.get("pause", 0)), 10.0))
    progress(0, steps, _("Checking the job worker."))
    for _step in range(steps):
        time.sleep(pause)
        progress.advance()
    now = formats.date_format(timezone.localtime(), "DATETIME_FORMAT")
    return JobResult(
        {"summary": [{"label": _("Checked at"), "value": now}]},
        message=_("The job worker is running."),
    )
