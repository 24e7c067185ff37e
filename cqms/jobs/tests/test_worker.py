"""A real django-q2 worker process picks up a job submitted by start_job and runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from cqms.jobs import services
from cqms.jobs.models import Job

WAIT_SECONDS = 60


def database_url() -> str:
    """The URL of the test database this test process uses, for the worker process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{credentials}@{host}{port}/{db['NAME']}"
    pytest.fail(f"No worker test for the {connection.vendor} database")


def stop(process: subprocess.Popen) -> None:
    """Stop the worker we started: politely, then its whole process group."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_submitted_job(make_user):
    admin = make_user("admin.he", roles=["administrator"])
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CQMS_JOB_WORKERS": "1",
        "CQMS_LOG_LEVEL": "INFO",
    }
    # django-q2 reads Q_CLUSTER when it is imported: the worker gets the same broker as this
    # process because it sees the same environment (REDIS_URL or the database).
    with tempfile.TemporaryFile() as log:
        worker = subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            with translation.override("en"):
                job = services.start_job(
                    "jobs.worker_check", actor=admin, params={"steps": 5}
                )  # commits at once: this test is transactional, so on_commit fires
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline and worker.poll() is None:
                job.refresh_from_db()
                if job.is_finished:
                    break
                time.sleep(0.25)
        finally:
            stop(worker)
            log.seek(0)
            output = log.read().decode(errors="replace")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, f"job {job.status}: {job.error}\n{output[-3000:]}"
    assert (job.done, job.total) == (5, 5)
    assert job.message == "The job worker is running."
    assert job.task_id
    assert job.started_at and job.finished_at
