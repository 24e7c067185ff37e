"""Import of a legacy complaint register: dry run with row errors in the user's language, then
every row or none, each registered like a complaint entered on the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from cqms.clocks import services as clocks
from cqms.complaints.models import Complaint
from cqms.core.errors import BusinessRuleError
from cqms.customers.tests.factories import make_customer
from cqms.jobs.models import Job
from cqms.jobs.services import start_job
from cqms.jobs.tasks import run_job
from cqms.spreadsheets.jobs import start_import_commit
from cqms.spreadsheets.tests.files import xlsx

from .factories import SHANGHAI

pytestmark = pytest.mark.django_db

HEADER = [
    "客户编码",
    "收到时间",
    "严重度",
    "零件号",
    "缺陷描述",
    "数量",
    "客户投诉编号",
    "结案日期",
]


@pytest.fixture
def manager(make_user):
    return make_user("sun.li", roles=["sales_manager"], department="sales")


@pytest.fixture
def legacy_customer(manager):
    return make_customer(manager, "C100", owner=manager, name="华东汽车制造有限公司")


def rows(count: int, *, bad_row: int | None = None, closed: int = 0):
    data = [HEADER]
    for i in range(count):
        severity = "超级急" if bad_row is not None and i + 2 == bad_row else "urgent"
        data.append(
            [
                "C100",
                dt.datetime(2025, 3, 1 + i % 28, 9, 30),
                severity,
                f"P-{i:03d}",
                f"旧台账投诉 {i}：外壳划伤",
                10 + i,
                f"Q-{i:04d}",
                dt.datetime(2025, 4, 30, 17, 0) if i < closed else None,
            ]
        )
    return data


def check(actor, upload, language="zh-hans"):
    with translation.override(language):  # the language of the page the user submitted from
        job = start_job("complaints.import.check", actor=actor, input_file=upload)
    run_job(job.pk)
    job.refresh_from_db()
    return job


def test_a_hundred_rows_with_one_bad_row_write_nothing_and_name_row_and_reason(
    manager, legacy_customer
):
    job = check(manager, xlsx(rows(100, bad_row=57)))
    assert job.status == Job.Status.SUCCEEDED
    assert [(e["row"], e["column"]) for e in job.result["errors"]] == [(57, "严重度")]
    assert "有效的选项" in job.result["errors"][0]["message"]
    assert Complaint.objects.count() == 0

    english = check(manager, xlsx(rows(100, bad_row=57)), language="en")
    (error,) = english.result["errors"]
    assert (error["row"], error["column"]) == (57, "Severity")
    assert "valid choice" in error["message"]

    with pytest.raises(BusinessRuleError):
        start_import_commit(job, actor=manager)
    assert Complaint.objects.count() == 0


def test_a_correct_file_registers_every_row_with_clocks_from_when_it_was_received(
    manager, legacy_customer
):
    job = check(manager, xlsx(rows(100, closed=3)))
    assert job.result["errors"] == [] and job.result["counts"]["new"] == 100
    commit = start_import_commit(job, actor=manager)
    run_job(commit.pk)
    commit.refresh_from_db()
    assert commit.status == Job.Status.SUCCEEDED, commit.message
    assert Complaint.objects.count() == 100
    first = Complaint.objects.get(customer_reference="Q-0000")
    assert first.received_at == dt.datetime(2025, 3, 1, 9, 30, tzinfo=SHANGHAI)
    assert first.severity == "urgent" and first.quantity_affected == 10
    assert first.status == Complaint.Status.CLOSED
    assert first.closed_at == dt.datetime(2025, 4, 30, 17, 0, tzinfo=SHANGHAI)
    assert all(clock.done_at == first.closed_at for clock in clocks.clocks_for(first))
    open_one = Complaint.objects.get(customer_reference="Q-0050")
    started = {clock.started_at for clock in clocks.clocks_for(open_one)}
    assert started == {open_one.received_at} and open_one.status == Complaint.Status.REGISTERED
    assert Complaint.objects.filter(status=Complaint.Status.CLOSED).count() == 3


def test_a_reference_already_registered_is_named_in_the_check(manager, legacy_customer):
    job = check(manager, xlsx(rows(3)))
    commit = start_import_commit(job, actor=manager)
    run_job(commit.pk)
    again = check(manager, xlsx(rows(3)), language="en")
    assert [(e["row"], e["column"]) for e in again.result["errors"]] == [
        (2, "Customer's reference"),
        (3, "Customer's reference"),
        (4, "Customer's reference"),
    ]
    assert Complaint.objects.count() == 3


def test_an_unknown_customer_and_a_missing_description_are_row_errors(manager, legacy_customer):
    data = rows(2)
    data[1][0] = "NOPE"
    data[2][4] = ""
    job = check(manager, xlsx(data), language="en")
    problems = {(e["row"], e["column"]) for e in job.result["errors"]}
    assert problems == {(2, "Customer code"), (3, "Defect description")}


def test_the_import_page_template_and_commit_need_the_import_permission(
    client, manager, legacy_customer, make_user
):
    client.force_login(manager)
    template = client.get(reverse("complaints:import_template"))
    assert template.status_code == 200 and template["Content-Disposition"].startswith("attachment")
    from cqms.spreadsheets.tests.files import xlsx as build

    response = client.post(reverse("complaints:import"), {"file": build(rows(2))})
    job = Job.objects.get(kind="complaints.import.check")
    assert response["Location"] == job.get_absolute_url()
    run_job(job.pk)
    commit = client.post(reverse("complaints:import_commit", args=[job.pk]))
    assert commit.status_code == 302
    run_job(Job.objects.get(kind="complaints.import.commit").pk)
    assert Complaint.objects.count() == 2
    engineer = make_user("qe.li", roles=["quality_engineer"], department="quality")
    client.force_login(engineer)
    assert client.get(reverse("complaints:import")).status_code == 403
    assert client.post(reverse("complaints:import_commit", args=[job.pk])).status_code == 403
    other = make_user("sun.far", roles=["sales_manager"], department="finance")
    client.force_login(other)
    assert client.post(reverse("complaints:import_commit", args=[job.pk])).status_code == 404
