"""A real django-q2 worker process picks up a job submitted by start_job and runs it; a job
the worker stops at its time limit is marked failed with that reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from cqms.jobs import heartbeat, services, tasks
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


@contextmanager
def running_worker(**env_vars):
    """A real `qcluster` on the test database; yields (process, read_log)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        # The test's files (the conftest puts them in a temporary folder) and its keys.
        "CQMS_DATA_DIR": str(settings.FILES_DIR.parent),
        "SECRET_KEY": settings.SECRET_KEY,
        "CQMS_AUDIT_KEY": settings.AUDIT_KEY,
        "CQMS_JOB_WORKERS": "1",
        "CQMS_LOG_LEVEL": "INFO",
        **env_vars,
    }
    # django-q2 reads Q_CLUSTER when it is imported: the worker gets the same broker as this
    # process because it sees the same environment (REDIS_URL or the database).
    with tempfile.TemporaryFile() as log:

        def output() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")[-3000:]

        worker = subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield worker, output
        finally:
            stop(worker)


def wait_for(condition, worker) -> bool:
    """Poll `condition()` until it holds, the worker ends, or WAIT_SECONDS pass."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        if worker is not None and worker.poll() is not None:
            return condition()
        time.sleep(0.1)
    return False


def job_state(job: Job) -> Job:
    job.refresh_from_db()
    return job


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_submitted_job(make_user):
    admin = make_user("admin.he", roles=["administrator"])
    with running_worker() as (worker, output):
        with translation.override("en"):
            job = services.start_job(
                "jobs.worker_check", actor=admin, params={"steps": 5}
            )  # commits at once: this test is transactional, so on_commit fires
        wait_for(lambda: job_state(job).is_finished, worker)
        log = output()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, f"job {job.status}: {job.error}\n{log}"
    assert (job.done, job.total) == (5, 5)
    assert job.message == "The job worker is running."
    assert job.task_id
    assert job.started_at and job.finished_at
    assert job.worker_host == heartbeat.this_host() and job.worker_pid


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_job_stopped_at_its_time_limit_is_marked_failed_with_that_reason(make_user, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 2}
    admin = make_user("admin.he", roles=["administrator"])
    with running_worker(CQMS_JOB_TIMEOUT="2") as (worker, output):
        with translation.override("en"):
            job = services.start_job(
                "jobs.worker_check", actor=admin, params={"steps": 100, "pause": 1}
            )
        assert wait_for(lambda: job_state(job).worker_pid, worker), output()
        # django-q2 ends the worker process that ran past the limit, and starts a new one.
        ended = wait_for(lambda: not heartbeat.process_alive(job.worker_host, job.worker_pid), None)
        assert ended, output()
        assert job_state(job).status == Job.Status.RUNNING  # nobody said so yet
        with time_machine.travel(timezone.now() + heartbeat.STALE + timedelta(seconds=1)):
            assert tasks.sweep() == "1 stopped jobs marked failed"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "ran longer than its time limit" in job.error
    assert job.finished_at
