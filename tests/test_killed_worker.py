"""kill -9 of the job worker during an import: within a minute the import is marked failed
with the reason, nothing was saved, and the same file can be imported again."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from cqms.audit.services import change_transaction
from cqms.core.errors import BusinessRuleError
from cqms.customers.models import Customer
from cqms.customers.tests.test_import_export import rows
from cqms.jobs import heartbeat, services, tasks
from cqms.jobs.models import Job
from cqms.jobs.tasks import run_job
from cqms.jobs.tests.test_worker import job_state, running_worker, wait_for
from cqms.spreadsheets.jobs import start_import_commit
from cqms.spreadsheets.tests.files import xlsx

ROWS = 1000


@contextmanager
def colleague_saving():
    """Another person's save holds the write (the audit chain's lock, on SQLite the database's
    one write lock) until the block ends: the import cannot finish before it is killed."""
    holding, release = threading.Event(), threading.Event()

    def save():
        try:
            with change_transaction():
                holding.set()
                release.wait(60)
        finally:
            connection.close()

    thread = threading.Thread(target=save)
    thread.start()
    assert holding.wait(30)
    try:
        yield
    finally:
        release.set()
        thread.join(30)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_is_killed_fails_within_a_minute_and_can_run_again(
    make_user, client
):
    manager = make_user("sun.li", roles=["sales_manager"], department="sales", language="en")
    with translation.override("en"):
        check = services.start_job(
            "customers.import.check", actor=manager, input_file=xlsx(rows(ROWS))
        )
    run_job(check.pk)
    check.refresh_from_db()
    assert check.status == Job.Status.SUCCEEDED and not check.result["errors"]

    with running_worker() as (worker, output):
        with translation.override("en"):
            commit = start_import_commit(check, actor=manager)
        started = wait_for(
            lambda: job_state(commit).status != Job.Status.QUEUED or commit.is_finished, worker
        )
        assert started, output()
        with colleague_saving():
            assert not job_state(commit).is_finished, f"{commit.error}\n{output()}"
            os.killpg(worker.pid, signal.SIGKILL)  # the whole worker: main, guard and job process
            worker.wait(10)
    assert job_state(commit).status == Job.Status.RUNNING  # what the page said for 31 minutes
    assert Customer.objects.count() == 0  # all or nothing: it was killed before the end
    with pytest.raises(BusinessRuleError):  # too early to tell: its last sign of life is fresh
        start_import_commit(check, actor=manager)

    a_minute_later = timezone.now() + heartbeat.STALE + timedelta(seconds=1)
    with time_machine.travel(a_minute_later):
        assert tasks.sweep() == "1 stopped jobs marked failed"  # the worker's minute sweep
        client.force_login(manager)
        page = client.get(reverse("jobs:detail", args=[commit.pk])).content.decode()
        again = start_import_commit(check, actor=manager)
    commit.refresh_from_db()
    assert commit.status == Job.Status.FAILED and commit.finished_at
    assert "The job worker running this job stopped before the job finished" in commit.error
    assert 'data-job-status="failed"' in page and commit.error in page
    assert "You can leave this page" not in page

    run_job(again.pk)
    again.refresh_from_db()
    assert again.status == Job.Status.SUCCEEDED, again.error
    assert Customer.objects.count() == ROWS
