"""The complaint register's export (exactly the filtered rows, R32 columns) and the tracking list
(one row per action of the open complaints, R33) with its filters and export."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cqms.complaints import answers, services
from cqms.complaints.filters import ComplaintFilter
from cqms.complaints.models import Action, Complaint
from cqms.customers.tests.factories import make_customer
from cqms.jobs.models import Job
from cqms.jobs.tasks import run_job

from .answering import answerable, send
from .factories import at, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


def exported(client, url_name: str, query: str = "", fmt: str = "xlsx", referer: str = ""):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}  # the job runs in the submitter's language
    if referer:
        headers["HTTP_REFERER"] = referer
    response = client.post(f"{reverse(url_name)}?{query}", {"format": fmt}, **headers)
    job = Job.objects.latest("pk")
    assert response["Location"] == job.get_absolute_url()
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    content = b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content)
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_register_export_holds_exactly_the_filtered_rows_of_every_page(
    client, sales, customer, make_user
):
    for i in range(27):  # more than one page of the register
        register(sales, customer, severity="urgent", part_number=f"U-{i}")
    register(sales, customer, severity="normal", part_number="N-1")
    other = make_customer(sales, "C300", owner=sales)
    register(sales, other, severity="urgent", part_number="O-1")
    far = make_user("far", roles=["salesperson"], department="finance")
    register(far, make_customer(far, "C900", owner=far), severity="urgent")  # not in sales' scope
    client.force_login(sales)
    query = f"severity=urgent&customer={customer.pk}"
    rows = exported(client, "complaints:export", query)
    header, body = rows[0], rows[1:]
    expected = ComplaintFilter(
        {"severity": "urgent", "customer": customer.pk},
        queryset=services.access.visible(sales, Complaint.objects.all()),
    ).qs
    assert sorted(row[0] for row in body) == sorted(expected.values_list("number", flat=True))
    assert len(body) == 27
    page = client.get(reverse("complaints:register"), {"severity": "urgent"}).content.decode()
    assert body[0][0] in page or body[-1][0] in page
    for title in ("Number", "Customer's reference", "Received at", "Reopen count", "Closed at"):
        assert title in header
    assert "Containment reply due" in header and "Corrective action reply met" in header


def test_the_register_export_follows_the_pages_current_filters_and_sorting(client, sales, customer):
    register(sales, customer, part_number="A-1", received_at=at(2026, 9, 1, 9))
    register(sales, customer, part_number="B-1", received_at=at(2026, 9, 2, 9))
    client.force_login(sales)
    # the list was filtered in place: the page's address holds the current filters and sorting
    referer = "http://testserver" + reverse("complaints:register") + "?q=-1&sort=received_at&page=1"
    rows = exported(client, "complaints:export", "", referer=referer)
    assert [row[5] for row in rows[1:]] == ["A-1", "B-1"]
    rows = exported(
        client, "complaints:export", "", "csv", referer=referer.replace("sort=", "sort=-")
    )
    assert [row[5] for row in rows[1:]] == ["B-1", "A-1"]


def test_the_register_export_shows_clocks_reply_verdict_and_reopen_count(
    client, sales, customer, quality, member
):
    complaint = answerable(
        sales, customer, quality, member, customer_reference="=CMD|' /C calc'!A0"
    )
    answer = send(complaint, sales)
    child = answers.record_verdict(answer, accepted=False, reason="不接受", actor=sales)
    client.force_login(sales)
    rows = exported(client, "complaints:export")
    header = rows[0]
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    root = by_number[complaint.number]
    assert root["Verdict"] == "Rejected" and root["Reopen count"] == 1
    assert root["Reply date"] is not None and root["Corrective action reply done"] is not None
    assert root["Customer's reference"].startswith("=CMD")  # text, not a formula
    reopened = by_number[child.number]
    assert reopened["Reopen count"] == 1 and reopened["Status"] == "Registered"
    assert reopened["Acknowledgement due"] is not None


def tracking_numbers(client, **params) -> list[str]:
    html = client.get(reverse("complaints:tracking"), params).content.decode()
    return [part.split('"')[0] for part in html.split('data-action="')[1:]]


def test_the_tracking_list_shows_the_actions_of_open_complaints_with_filters(
    client, sales, customer, quality, member, make_user
):
    first = answerable(sales, customer, quality, member)
    other_customer = make_customer(sales, "C400", owner=sales)
    second = answerable(sales, other_customer, quality, member, part_number="P-2")
    cancelled = answerable(sales, customer, quality, member, part_number="P-3")
    manager = make_user("qm.wang", roles=["quality_manager"], department="quality")
    services.cancel(cancelled, reason="重复登记", actor=manager)
    client.force_login(sales)
    shown = tracking_numbers(client)
    open_actions = Action.objects.filter(complaint__in=[first, second])
    assert sorted(shown) == sorted(str(pk) for pk in open_actions.values_list("pk", flat=True))
    assert not set(shown) & {str(a.pk) for a in cancelled.actions.all()}
    mine = tracking_numbers(client, customer=other_customer.pk)
    assert sorted(mine) == sorted(str(a.pk) for a in second.actions.all())
    late = tracking_numbers(client, overdue="true")
    assert late and all(Action.objects.get(pk=pk).status == "open" for pk in late)
    effective = tracking_numbers(client, status="effective")
    assert effective and all(Action.objects.get(pk=pk).status == "effective" for pk in effective)
    assert tracking_numbers(client, owner=sales.pk) == []
    window = tracking_numbers(client, due_from="2026-10-20", due_until="2026-10-31")
    assert all(
        "2026-10-20" <= str(Action.objects.get(pk=pk).due_date) <= "2026-10-31" for pk in window
    )
    sorted_by_due = tracking_numbers(client, sort="-due_date")
    dues = [Action.objects.get(pk=pk).due_date for pk in sorted_by_due]
    assert dues == sorted(dues, reverse=True)


def test_the_tracking_list_export_holds_the_filtered_actions(
    client, sales, customer, quality, member
):
    complaint = answerable(sales, customer, quality, member)
    client.force_login(sales)
    rows = exported(client, "complaints:tracking_export", "status=open")
    body = rows[1:]
    assert {row[0] for row in body} == {complaint.number}
    assert len(body) == complaint.actions.filter(status="open").count()
    assert rows[0][:4] == ["Complaint", "Customer", "Responsible department", "Root cause"]


def test_the_tracking_list_is_scoped_and_outsiders_see_nothing(
    client, sales, customer, quality, member, make_user
):
    answerable(sales, customer, quality, member)
    stranger = make_user("far", roles=["staff"], department="finance")
    client.force_login(stranger)
    assert tracking_numbers(client) == []
    assert client.post(reverse("complaints:tracking_export")).status_code == 403  # no permission


def test_the_open_filter_leaves_out_closed_and_cancelled_complaints(
    client, sales, customer, make_user
):
    manager = make_user("qm.qian", roles=["quality_manager"], department="quality")
    open_one = register(sales, customer)
    cancelled = register(sales, customer)
    services.cancel(cancelled, reason="重复登记", actor=manager)
    client.force_login(sales)
    response = client.get(reverse("complaints:register"), {"status": "open"})
    assert response.context["filter"].form.is_valid()
    numbers = {c.number for c in response.context["filter"].qs}
    assert numbers == {open_one.number}


def test_the_customer_filter_lists_only_the_chosen_customer(client, sales, customer):
    other = make_customer(sales, "C-OTHER")
    client.force_login(sales)
    html = client.get(reverse("complaints:register"), {"customer": customer.pk}).content.decode()
    assert f'value="{customer.pk}" selected' in html
    assert other.code not in html  # the rest come by typing, within the scope


def test_the_chosen_customer_and_owner_are_read_once(client, sales, customer):
    """The pickers draw the chosen customer and owner from the rows the filter validation read
    (SearchPicker.remember), not with a query of their own."""
    register(sales, customer)
    client.force_login(sales)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(
            reverse("complaints:register"), {"customer": customer.pk, "owner": sales.pk}
        ).content.decode()
    assert f'value="{customer.pk}" selected' in html and f'value="{sales.pk}" selected' in html
    reads = [q["sql"] for q in queries.captured_queries]
    customer_reads = [sql for sql in reads if sql.startswith('SELECT "customers_customer"')]
    owner_reads = [
        sql
        for sql in reads
        if sql.startswith('SELECT "organisation_user"') and '"organisation_user"."id" IN' in sql
    ]
    assert len(customer_reads) == 1 and owner_reads == []
