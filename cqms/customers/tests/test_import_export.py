"""Customer register in Excel: 1,000 rows with one bad row write nothing; exports match the list."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError
from cqms.customers.models import Customer
from cqms.jobs.models import Job
from cqms.jobs.services import start_job
from cqms.jobs.tasks import run_job
from cqms.spreadsheets.jobs import start_import_commit
from cqms.spreadsheets.tests.files import xlsx

from .factories import make_customer

pytestmark = pytest.mark.django_db

HEADER = ["客户编码", "客户名称", "英文名称", "客户分类", "等级", "行业", "客户经理"]


@pytest.fixture
def manager(make_user):
    return make_user("sun.li", roles=["sales_manager"], department="sales")


def rows(count: int, *, bad_row: int | None = None):
    data = [HEADER]
    for i in range(count):
        grade = "Z" if bad_row is not None and i + 2 == bad_row else "A"
        data.append(
            [
                f"IMP{i:04d}",
                f"导入客户{i}有限公司",
                f"Import {i} Co.",
                "重点客户",
                grade,
                "汽车",
                "sun.li",
            ]
        )
    return data


def check(actor, upload, language="zh-hans"):
    with translation.override(language):  # the language of the page the user submitted from
        job = start_job("customers.import.check", actor=actor, input_file=upload)
    run_job(job.pk)
    job.refresh_from_db()
    return job


def test_a_thousand_rows_with_one_bad_row_write_nothing_and_name_the_row(manager):
    job = check(manager, xlsx(rows(1000, bad_row=537)))
    assert job.status == Job.Status.SUCCEEDED  # the check ran; it found a problem
    assert [(e["row"], e["column"]) for e in job.result["errors"]] == [(537, "等级")]
    assert "有效的选项" in job.result["errors"][0]["message"]
    assert Customer.objects.count() == 0

    english = check(manager, xlsx(rows(1000, bad_row=537)), language="en")
    (error,) = english.result["errors"]
    assert error["row"] == 537 and error["column"] == "Grade"
    assert "valid choice" in error["message"]

    with pytest.raises(BusinessRuleError) as refused:
        start_import_commit(job, actor=manager)
    assert refused.value.code == "import_not_checked"
    assert Customer.objects.count() == 0
    assert not AuditEntry.objects.filter(record_type="customers.customer").exists()


def test_a_correct_file_is_imported_in_one_go_with_an_audit_entry_per_customer(manager):
    job = check(manager, xlsx(rows(1000)))
    assert job.result["errors"] == []
    commit = start_import_commit(job, actor=manager)
    run_job(commit.pk)
    commit.refresh_from_db()
    assert commit.status == Job.Status.SUCCEEDED, commit.error
    assert Customer.objects.filter(classification="key", grade="A").count() == 1000
    entries = AuditEntry.objects.filter(record_type="customers.customer", action="create")
    assert entries.count() == 1000
    assert set(entries.values_list("source", flat=True)) == {"import"}


def test_an_existing_code_updates_that_customer(manager):
    make_customer(manager, "IMP0000", name="旧名称", grade="C")
    job = check(manager, xlsx(rows(2)))
    assert job.result["counts"] == {"new": 1, "updated": 1, "unchanged": 0}
    run_job(start_import_commit(job, actor=manager).pk)
    updated = Customer.objects.get(code="IMP0000")
    assert (updated.name, updated.grade, updated.version) == ("导入客户0有限公司", "A", 2)


def test_the_template_has_headers_in_the_users_language(client, manager):
    client.force_login(manager)
    with translation.override("en"):
        response = client.get(reverse("customers:import_template"), HTTP_ACCEPT_LANGUAGE="en")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:2] == ["Customer code *", "Name (Chinese) *"] or "Customer code" in headers[0]


def test_upload_page_starts_the_check_and_refuses_other_files(client, manager):
    client.force_login(manager)
    fake = SimpleUploadedFile("customers.xlsx", b"this is not a workbook")
    bad = client.post(reverse("customers:import"), {"file": fake})
    assert bad.status_code == 200 and Job.objects.count() == 0
    upload = xlsx(rows(3))
    response = client.post(reverse("customers:import"), {"file": upload})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_contains_exactly_the_filtered_customers(client, manager, make_user, fmt):
    make_customer(manager, "EX1", classification="key", name='=HYPERLINK("x")')
    make_customer(manager, "EX2", classification="normal")
    make_customer(
        make_user("far", roles=["salesperson"], department="finance"), "EX3", classification="key"
    )
    client.force_login(manager)
    response = client.post(f"{reverse('customers:export')}?classification=key", {"format": fmt})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    run_job(job.pk)
    job.refresh_from_db()
    download = client.get(reverse("jobs:download", args=[job.pk]))
    content = b"".join(download.streaming_content)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        assert [row[0] for row in values] == ["EX1"]
        assert sheet.cell(row=2, column=2).data_type == "s"  # text, never a formula
    else:
        assert content.startswith(b"\xef\xbb\xbf")
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert [row[0] for row in table[1:]] == ["EX1"]
        assert table[1][1].startswith("'=")
