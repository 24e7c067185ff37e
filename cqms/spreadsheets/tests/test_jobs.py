"""Imports and exports as background jobs: check, then import all or nothing; export a file."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError
from cqms.jobs import registry, services
from cqms.jobs.models import Job
from cqms.jobs.tasks import run_job
from cqms.organisation.models import Department
from cqms.spreadsheets.exporter import ExportColumn
from cqms.spreadsheets.jobs import Export, register_export, register_import, start_import_commit

from . import files
from .test_importer import make_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds():
    register_import(
        "test.departments.import",
        make_spec,
        check_label="Department import check",
        commit_label="Department import",
        commit_url=lambda job: f"/test/import/{job.pk}/",
    )

    def build(job):
        departments = Department.objects.filter(code__in=job.params["codes"]).order_by("code")
        return Export(
            columns=[ExportColumn("Code", "code"), ExportColumn("Name", "name")],
            rows=departments.iterator(),
            filename="departments",
            total=departments.count(),
        )

    register_export("test.departments.export", build, label="Department export")
    yield
    for kind in (
        "test.departments.import.check",
        "test.departments.import.commit",
        "test.departments.export",
    ):
        registry.unregister(kind)


@pytest.fixture
def actor(make_user):
    return make_user("li.na", roles=["administrator"])


def submit(kind, actor, **kwargs) -> Job:
    with translation.override("en"):
        job = services.start_job(kind, actor=actor, **kwargs)
    run_job(job.pk)
    job.refresh_from_db()
    return job


def test_a_checked_file_is_imported_by_a_second_job(kinds, actor):
    upload = files.xlsx([["Code", "Name"], ["lab", "实验室"], ["lab2", "二号实验室"]])
    check = submit("test.departments.import.check", actor, input_file=upload)
    assert check.status == Job.Status.SUCCEEDED
    assert check.result["rows"] == 2 and check.result["errors"] == []
    assert check.result["actions"] == [{"label": "Import now", "url": f"/test/import/{check.pk}/"}]
    assert not Department.objects.filter(code="lab").exists()

    commit = start_import_commit(check, actor=actor)
    run_job(commit.pk)
    commit.refresh_from_db()
    assert commit.status == Job.Status.SUCCEEDED, commit.error
    assert commit.input_file.name == check.input_file.name
    assert Department.objects.filter(code__in=["lab", "lab2"]).count() == 2
    sources = AuditEntry.objects.filter(record_type="organisation.department")
    assert set(sources.values_list("source", flat=True)) == {"import"}
    assert set(sources.values_list("request_id", flat=True)) == {f"job-{commit.pk}"}
    with pytest.raises(BusinessRuleError):
        start_import_commit(check, actor=actor)  # a second click imports nothing twice


def test_a_file_with_problems_cannot_be_imported(kinds, actor, make_user):
    upload = files.xlsx([["Code", "Name"], ["bad code!", "坏"]])
    check = submit("test.departments.import.check", actor, input_file=upload)
    assert check.status == Job.Status.SUCCEEDED
    assert [e["row"] for e in check.result["errors"]] == [2]
    assert "actions" not in check.result
    assert check.result_filename.endswith(".xlsx")  # the problems as a workbook
    with pytest.raises(BusinessRuleError):
        start_import_commit(check, actor=actor)
    good = submit(
        "test.departments.import.check",
        actor,
        input_file=files.xlsx([["Code", "Name"], ["lab", "实验室"]]),
    )
    with pytest.raises(BusinessRuleError):
        start_import_commit(good, actor=make_user("zhou.min"))  # only who checked it


def test_an_import_refused_while_saving_fails_and_writes_nothing(kinds, actor):
    upload = files.xlsx([["Code", "Name"], ["lab", "实验室"], ["refused", "拒绝"]])
    check = submit("test.departments.import.check", actor, input_file=upload)
    commit = start_import_commit(check, actor=actor)
    run_job(commit.pk)
    commit.refresh_from_db()
    assert commit.status == Job.Status.FAILED
    assert "未导入任何数据" in commit.error  # in the language of the person who started it
    assert commit.result["errors"] == [
        {"row": 3, "column": "", "message": "This department may not be imported."}
    ]
    assert not Department.objects.filter(code="lab").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_job_produces_a_file_its_creator_downloads(kinds, actor, client, fmt):
    job = submit(
        "test.departments.export", actor, params={"codes": ["sales", "quality"], "format": fmt}
    )
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["rows"] == 2
    assert job.result_filename.startswith("departments-") and job.result_filename.endswith(fmt)
    client.force_login(actor)
    response = client.get(reverse("jobs:download", args=[job.pk]))
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbfCode,Name\r\nquality,")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert [[c.value for c in row] for row in sheet.iter_rows()] == [
            ["Code", "Name"],
            ["quality", Department.objects.get(code="quality").name],
            ["sales", Department.objects.get(code="sales").name],
        ]


def test_an_import_whose_worker_died_can_run_again_unless_its_rows_were_saved(kinds, actor):
    from datetime import timedelta

    from django.utils import timezone

    upload = files.xlsx([["Code", "Name"], ["lab", "实验室"]])
    check = submit("test.departments.import.check", actor, input_file=upload)
    silent = timezone.now() - timedelta(minutes=2)
    dead = {"status": Job.Status.RUNNING, "started_at": silent, "heartbeat_at": silent}

    first = start_import_commit(check, actor=actor)
    Job.objects.filter(pk=first.pk).update(**dead, worker_host="gone", worker_pid=1)
    second = start_import_commit(check, actor=actor)  # the dead one is failed first
    first.refresh_from_db()
    assert first.status == Job.Status.FAILED and first.error
    assert not Department.objects.filter(code="lab").exists()

    # The worker saved every row, then died before reporting: the handler ran, nothing after.
    Job.objects.filter(pk=second.pk).update(**dead, worker_host="gone", worker_pid=1)
    second.refresh_from_db()
    handler = registry.get("test.departments.import.commit").handler
    handler(second, registry.Progress(second))
    assert Department.objects.filter(code="lab").exists()
    with pytest.raises(BusinessRuleError) as refused:
        start_import_commit(check, actor=actor)
    assert refused.value.code == "import_already_started"
    second.refresh_from_db()
    assert second.status == Job.Status.FAILED and second.result == {"saved": True}
