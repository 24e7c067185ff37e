"""Running jobs: progress, failures, exclusivity, audit source and language."""

from __future__ import annotations

import logging
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from cqms.audit import services as audit
from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError
from cqms.jobs import registry, services
from cqms.jobs.models import Job
from cqms.jobs.tasks import run_job
from cqms.organisation.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    """Register test job kinds and remove them afterwards."""
    kinds = []

    def add(kind, handler, label="Test job", **kwargs):
        registry.register(kind, handler, label, **kwargs)
        kinds.append(kind)
        return kind

    yield add
    for kind in kinds:
        registry.unregister(kind)


def make_job(kind, user=None, **fields) -> Job:
    return Job.objects.create(kind=kind, created_by=user, **fields)


def test_a_job_runs_and_reports_its_progress(register, make_user):
    seen = []

    def handler(job, progress):
        progress(0, 4, "Counting")
        for _ in range(4):
            progress.advance()
            progress.flush()
            seen.append(Job.objects.values_list("status", "done", "total").get(pk=job.pk))
        return {"summary": [{"label": "Counted", "value": 4}]}

    kind = register("test.count", handler)
    job = make_job(kind, make_user("li.na"))
    assert run_job(job.pk) == "succeeded"
    assert seen == [("running", n, 4) for n in (1, 2, 3, 4)]
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total, job.percent) == (4, 4, 100)
    assert job.result == {"summary": [{"label": "Counted", "value": 4}]}
    assert job.started_at <= job.finished_at
    assert job.error == ""


def test_progress_writes_are_throttled(make_user):
    job = make_job("test.none")
    progress = registry.Progress(job, interval=3600)
    for done in range(1, 50_001):
        progress(done, 50_000, "Reading")
    assert progress.writes == 1  # the first call; the rest wait for the interval
    progress.flush()
    assert progress.writes == 2
    job.refresh_from_db()
    assert (job.done, job.total, job.message) == (50_000, 50_000, "Reading")


def test_a_failure_is_recorded_with_a_readable_message(register):
    def refuse(job, progress):
        progress(3, 10)
        raise BusinessRuleError("Customer code C001 is already used.")

    job = make_job(register("test.refuse", refuse))
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "Customer code C001 is already used."
    assert job.finished_at is not None


def test_an_unexpected_error_is_logged_but_not_shown(register, caplog):
    def crash(job, progress):
        raise RuntimeError("internal detail: /srv/secret.py line 12")

    job = make_job(register("test.crash", crash), language="en")
    with caplog.at_level(logging.ERROR, logger="cqms.jobs.tasks"):
        run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "internal detail" not in job.error
    assert "Traceback" not in job.error
    assert str(job.pk) in job.error
    assert "internal detail" in caplog.text  # the administrator finds it in the log


def test_a_job_runs_in_the_language_of_its_submitter(register):
    def speak(job, progress):
        return {"said": gettext("This field is required.")}

    kind = register("test.speak", speak)
    chinese, english = make_job(kind, language="zh-hans"), make_job(kind, language="en")
    run_job(chinese.pk)
    run_job(english.pk)
    chinese.refresh_from_db()
    english.refresh_from_db()
    assert english.result["said"] == "This field is required."
    with translation.override("zh-hans"):
        assert chinese.result["said"] == gettext("This field is required.")
    assert chinese.result["said"] != english.result["said"]


@pytest.mark.parametrize("source", ["job", "import"])
def test_changes_made_by_a_job_are_audited_with_the_job_as_source(register, make_user, source):
    def create_department(job, progress):
        with audit.change_transaction():
            audit.save_new(Department(code="lab", name="实验室"), actor=job.created_by)

    kind = register(f"test.create_{source}", create_department, source=source)
    job = make_job(kind, make_user("wang.wei"))
    run_job(job.pk)
    entry = AuditEntry.objects.get(record_type="organisation.department", action="create")
    assert entry.source == source
    assert entry.request_id == f"job-{job.pk}"
    assert entry.actor_name
    # The job row itself is an operational record and is not audited.
    assert not AuditEntry.objects.filter(record_type="jobs.job").exists()


def test_a_job_that_is_not_queued_is_not_run_again(register):
    calls = []
    kind = register("test.once", lambda job, progress: calls.append(job.pk))
    job = make_job(kind)
    assert run_job(job.pk) == "succeeded"
    assert run_job(job.pk) == "skipped"
    assert calls == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_job_run_it_once(register):
    calls = []
    lock = threading.Lock()
    inside = threading.Event()

    def handler(job, progress):
        with lock:
            calls.append(threading.get_ident())
        inside.set()
        return {}

    job = make_job(register("test.exclusive", handler))
    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            outcomes.append(run_job(job.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["skipped", "succeeded"]
    assert len(calls) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


def test_start_job_queues_only_after_the_transaction_commits(
    register, make_user, django_capture_on_commit_callbacks, settings
):
    kind = register("test.queued", lambda job, progress: None)
    upload = SimpleUploadedFile("客户清单.xlsx", b"PK\x03\x04 not really a workbook")
    user = make_user("zhao.lei")
    with (
        translation.override("en"),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        job = services.start_job(kind, actor=user, params={"a": 1}, input_file=upload)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.language, job.params, job.created_by) == (
        "queued",
        "en",
        {"a": 1},
        user,
    )
    assert job.input_filename == "客户清单.xlsx"
    assert job.input_file.name.startswith("jobs/") and job.input_file.name.endswith(".xlsx")
    assert "客户" not in job.input_file.name  # random storage name
    if "orm" in settings.Q_CLUSTER:
        from django_q.models import OrmQ

        callbacks[0]()
        assert OrmQ.objects.count() == 1
        job.refresh_from_db()
        assert job.task_id


def test_an_unknown_kind_cannot_be_started(make_user):
    with pytest.raises(LookupError):
        services.start_job("test.nothing", actor=make_user("sun.li"))


def test_an_unknown_kind_fails_readably():
    job = make_job("test.removed")
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error


def test_a_result_file_is_stored_under_a_random_name(register):
    def export(job, progress):
        with services.result_path(job, "客户-2026.csv") as path:
            path.write_bytes(b"\xef\xbb\xbfa,b\r\n")

    job = make_job(register("test.file", export))
    run_job(job.pk)
    job.refresh_from_db()
    assert job.result_filename == "客户-2026.csv"
    assert job.result_file.name.startswith("jobs/") and job.result_file.name.endswith(".csv")
    with job.result_file.open("rb") as handle:
        assert handle.read() == b"\xef\xbb\xbfa,b\r\n"


def silent_job(
    *, seconds: int, host: str = "other-machine", pid: int | None = 4242, user=None, **fields
):
    """A running job whose worker last gave a sign of life `seconds` ago."""
    from datetime import timedelta

    from django.utils import timezone

    last = timezone.now() - timedelta(seconds=seconds)
    fields.setdefault("started_at", last)
    return make_job(
        "test.none",
        user,
        status=Job.Status.RUNNING,
        heartbeat_at=last,
        worker_host=host,
        worker_pid=pid,
        **fields,
    )


def test_a_job_whose_worker_stopped_is_marked_failed_after_a_minute_of_silence():
    stale = silent_job(seconds=61, language="zh-hans")
    fresh = silent_job(seconds=5)
    assert services.fail_stale_jobs() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == Job.Status.FAILED and stale.finished_at
    assert "任务处理程序" in stale.error  # in the submitter's language
    assert fresh.status == Job.Status.RUNNING and not fresh.error


def test_a_silent_job_whose_worker_process_still_runs_here_is_left_running():
    """On SQLite the job's own transaction blocks its heartbeat: the process is asked."""
    import os

    from cqms.jobs.heartbeat import this_host

    busy = silent_job(seconds=600, host=this_host(), pid=os.getpid())
    assert services.fail_stale_jobs() == 0
    busy.refresh_from_db()
    assert busy.status == Job.Status.RUNNING


def test_a_job_past_its_time_limit_is_failed_with_that_reason_even_if_alive(settings):
    import os
    from datetime import timedelta

    from django.utils import timezone

    from cqms.jobs.heartbeat import this_host

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 600}
    with translation.override("en"):
        over = silent_job(
            seconds=1,
            host=this_host(),
            pid=os.getpid(),
            language="en",
            started_at=timezone.now() - timedelta(seconds=600 + 61),
        )
        within = silent_job(
            seconds=1, started_at=timezone.now() - timedelta(seconds=600 + 30), language="en"
        )
    assert services.fail_stale_jobs() == 1
    over.refresh_from_db()
    within.refresh_from_db()
    assert over.status == Job.Status.FAILED
    assert over.error.startswith("The job was stopped because it ran longer than its time limit")
    assert "10 minutes" in over.error
    assert within.status == Job.Status.RUNNING


def test_the_job_page_shows_a_stopped_job_as_failed_with_the_reason(client, make_user):
    from django.urls import reverse

    user = make_user("li.na")
    job = silent_job(seconds=90, user=user, language="en")
    client.force_login(user)
    response = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # the last state: polling stops
    text = response.content.decode()
    assert 'data-job-status="failed"' in text
    assert "The job worker running this job stopped before the job finished" in text
    assert "You can leave this page" not in text


def test_a_running_job_records_its_worker_and_signs_of_life(register):
    import os

    from cqms.jobs.heartbeat import this_host

    seen = {}

    def handler(job, progress):
        seen.update(
            Job.objects.filter(pk=job.pk).values("heartbeat_at", "worker_host", "worker_pid")[0]
        )

    job = make_job(register("test.alive", handler))
    run_job(job.pk)
    assert seen["heartbeat_at"] is not None
    assert (seen["worker_host"], seen["worker_pid"]) == (this_host(), os.getpid())


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_writes_while_the_job_runs():
    from cqms.jobs.heartbeat import Heartbeat

    job = silent_job(seconds=600)
    before = job.heartbeat_at
    with Heartbeat(job.pk, every=0.05):
        for _try in range(200):
            job.refresh_from_db()
            if job.heartbeat_at != before:
                break
            threading.Event().wait(0.05)
    assert job.heartbeat_at > before


def test_the_worker_sweeps_stopped_jobs_every_minute():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="cqms.jobs.sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "cqms.jobs.tasks.sweep",
        Schedule.MINUTES,
        1,
    )


def test_my_work_shows_a_job_whose_worker_stopped_as_failed(make_user):
    from cqms.jobs.work import my_jobs

    user = make_user("li.na")
    silent_job(seconds=90, user=user, language="en")
    with translation.override("en"):
        (item,) = my_jobs(user).items
    assert item.detail.startswith("Failed: The job worker running this job stopped")
