"""The job pages: live progress, the result download and who may see them."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cqms.core import menu
from cqms.jobs.models import Job
from cqms.jobs.work import my_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_user):
    return make_user("li.na", roles=["salesperson"])


def finished_job(user, **fields) -> Job:
    job = Job.objects.create(
        kind="jobs.worker_check",
        created_by=user,
        status=Job.Status.SUCCEEDED,
        done=10,
        total=10,
        message="All done.",
        **fields,
    )
    job.result_file.save("report.xlsx", ContentFile(b"PK\x03\x04 workbook bytes"), save=False)
    job.result_filename = "客户导出.xlsx"
    job.save()
    return job


def test_the_detail_page_shows_progress_and_polls_while_running(client, owner):
    job = Job.objects.create(
        kind="jobs.worker_check", created_by=owner, status="running", done=25, total=100
    )
    client.force_login(owner)
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert 'class="progress"' in html and "width: 25%" in html
    assert "<script>" not in html.split("</head>", 1)[1]  # no inline scripts (CSP)


def test_the_partial_keeps_polling_until_the_job_finishes(client, owner):
    job = Job.objects.create(kind="jobs.worker_check", created_by=owner, status="running")
    client.force_login(owner)
    url = reverse("jobs:detail", args=[job.pk])
    running = client.get(url, headers={"HX-Request": "true"})
    assert running.status_code == 200
    assert "<html" not in running.content.decode()  # only the fragment
    assert 'hx-trigger="every 1s"' in running.content.decode()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, message="All done.")
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished.status_code == 286  # htmx stops polling
    assert "All done." in finished.content.decode()
    assert "hx-trigger" not in finished.content.decode()


def test_a_failed_job_shows_its_error_and_row_problems(client, owner):
    job = Job.objects.create(
        kind="jobs.worker_check",
        created_by=owner,
        status=Job.Status.FAILED,
        error="Nothing was imported.",
        result={"errors": [{"row": 7, "column": "客户编码", "message": "这个字段是必填项。"}]},
    )
    client.force_login(owner)
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Nothing was imported." in html
    assert "客户编码" in html and "这个字段是必填项。" in html and ">7<" in html


def test_the_creator_downloads_the_result_as_an_attachment(client, owner):
    job = finished_job(owner)
    client.force_login(owner)
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"PK\x03\x04 workbook bytes"


def test_outsider_gets_404_for_job_page_and_download(client, owner, make_user):
    job = finished_job(owner)
    client.force_login(make_user("zhou.min", roles=["salesperson"]))
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert job.pk not in [j.pk for j in client.get(reverse("jobs:list")).context["jobs"]]


def test_a_user_who_may_view_all_jobs_may_download(client, owner, make_user):
    job = finished_job(owner)
    client.force_login(make_user("admin.wu", roles=["administrator"]))
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200
    listing = client.get(reverse("jobs:list") + "?all=1")
    assert job.pk in [j.pk for j in listing.context["jobs"]]


def test_a_job_without_result_file_has_no_download(client, owner):
    job = Job.objects.create(kind="jobs.worker_check", created_by=owner)
    client.force_login(owner)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_the_list_shows_the_users_recent_jobs(client, owner):
    finished_job(owner)
    client.force_login(owner)
    page = client.get(reverse("jobs:list"))
    assert page.status_code == 200
    assert "客户导出.xlsx" not in page.content.decode()  # result names are on the job page
    assert len(page.context["jobs"]) == 1


def test_background_jobs_are_in_the_system_menu(owner):
    urls = [item["url"] for section in menu.visible_menu(owner, "/") for item in section["items"]]
    assert reverse("jobs:list") in urls


def test_my_work_lists_running_and_failed_jobs_only(owner):
    Job.objects.create(kind="jobs.worker_check", created_by=owner, status="running")
    Job.objects.create(kind="jobs.worker_check", created_by=owner, status="failed", error="x")
    Job.objects.create(kind="jobs.worker_check", created_by=owner, status="succeeded")
    section = my_jobs(owner)
    assert section.total == 2
    assert all(item.url.startswith("/jobs/") for item in section.items)


def test_worker_check_needs_the_permission(client, owner, make_user):
    client.force_login(owner)
    assert client.post(reverse("jobs:check_worker")).status_code == 403
    admin = make_user("admin.qian", roles=["administrator"])
    client.force_login(admin)
    response = client.post(reverse("jobs:check_worker"))
    job = Job.objects.get(created_by=admin)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
