"""The answers panel of the complaint page: send, private link shown once, staff verdict."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cqms.complaints import answers
from cqms.complaints.models import Answer, Complaint, VerdictLink

from .answering import answerable, contact, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def ready(sales, customer, quality, member):
    return answerable(sales, customer, quality, member)


def test_the_panel_offers_sending_when_the_actions_are_answered(client, ready, sales):
    client.force_login(sales)
    html = client.get(ready.get_absolute_url()).content.decode()
    assert 'id="send-answer-form"' in html
    assert reverse("complaints:report_pdf", args=[ready.number]) in html


def test_sending_from_the_page_records_the_version(client, ready, sales, customer):
    who = contact(customer, sales)
    client.force_login(sales)
    response = client.post(
        reverse("complaints:send_answer", args=[ready.number]),
        {"via": "oem_portal", "language": "bilingual", "contact": who.pk},
    )
    assert response.status_code == 302
    answer = Answer.objects.get()
    assert (answer.sent_via, answer.language, answer.sent_to) == ("oem_portal", "bilingual", who)
    html = client.get(ready.get_absolute_url()).content.decode()
    assert 'data-answer-version="1"' in html and 'data-verdict="pending"' in html
    assert 'id="verdict-link-form"' in html and 'id="staff-verdict-form"' in html
    assert 'id="send-answer-form"' not in html


def test_the_private_link_is_shown_once(client, ready, sales, customer):
    who = contact(customer, sales)
    send(ready, sales)
    client.force_login(sales)
    response = client.post(
        reverse("complaints:create_link", args=[ready.number, 1]), {"contact": who.pk, "days": 7}
    )
    html = response.content.decode()
    assert response.status_code == 200 and response["Referrer-Policy"] == "no-referrer"
    start = html.index('value="http') + len('value="')
    url = html[start : html.index('"', start)]
    assert "/complaints/verdict/" in url
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert VerdictLink.objects.get().token_hash != token
    page = client.get(ready.get_absolute_url()).content.decode()
    assert token not in page


def test_the_panel_names_who_sent_to_whom_and_who_recorded_the_verdict(
    client, ready, sales, customer
):
    buyer, engineer = contact(customer, sales, name="赵采购"), contact(customer, sales, name="钱工")
    answer = send(ready, sales, contact=buyer)
    answers.record_verdict(answer, accepted=True, actor=sales, contact=engineer)
    client.force_login(sales)
    with CaptureQueriesContext(connection) as page:
        html = client.get(ready.get_absolute_url()).content.decode()
    row = html[html.index('data-answer-version="1"') :]
    assert html.count(str(sales)) >= 2 and "赵采购" in row and "钱工" in row
    reads = [q["sql"] for q in page.captured_queries if "complaints_answer" in q["sql"]]
    assert len(reads) == 1 and "JOIN" not in reads[0]  # the people in one more read each


def test_staff_record_a_rejection_and_land_on_the_reopened_case(client, ready, sales):
    send(ready, sales)
    client.force_login(sales)
    response = client.post(
        reverse("complaints:record_verdict", args=[ready.number, 1]),
        {"verdict": "reject", "reason": "客户邮件：措施不充分"},
    )
    child = Complaint.objects.get(number=f"{ready.number}-1")
    assert response.status_code == 302 and response["Location"] == child.get_absolute_url()
    html = client.get(child.get_absolute_url()).content.decode()
    assert ready.number in html
    assert html.count(f'data-carried-over="{ready.number}"') == 8  # D0–D7 say where from
    parent_html = client.get(ready.get_absolute_url()).content.decode()
    assert 'data-verdict="rejected"' in parent_html and "客户邮件：措施不充分" in parent_html


def test_a_rejection_without_reason_is_refused_on_the_page(client, ready, sales):
    send(ready, sales)
    client.force_login(sales)
    client.post(reverse("complaints:record_verdict", args=[ready.number, 1]), {"verdict": "reject"})
    assert Answer.objects.get().verdict == ""
    assert not Complaint.objects.filter(revision=1).exists()


def test_people_without_the_answer_permission_see_no_buttons_and_are_refused(
    client, ready, sales, make_user
):
    send(ready, sales)
    engineer = make_user("qe.li", roles=["quality_engineer"], department="quality")
    client.force_login(engineer)
    html = client.get(ready.get_absolute_url()).content.decode()
    assert 'id="staff-verdict-form"' not in html
    response = client.post(
        reverse("complaints:record_verdict", args=[ready.number, 1]), {"verdict": "accept"}
    )
    assert response.status_code == 403
    assert Answer.objects.get().verdict == ""


def test_outsiders_get_404(client, ready, sales, make_user):
    send(ready, sales)
    stranger = make_user("sales.far", roles=["salesperson"], department="finance")
    client.force_login(stranger)
    for name, args, data in (
        ("complaints:send_answer", [ready.number], {"via": "email", "language": "zh"}),
        ("complaints:create_link", [ready.number, 1], {"days": 7}),
        ("complaints:record_verdict", [ready.number, 1], {"verdict": "accept"}),
    ):
        assert client.post(reverse(name, args=args), data).status_code == 404
    assert Answer.objects.get().verdict == "" and not VerdictLink.objects.exists()


def test_every_id_on_the_page_is_unique_while_the_verdict_is_awaited(client, ready, sales):
    """The hand-over, pause, cancel, link and verdict forms each ask for a reason or a contact:
    a label must point at its own field."""
    send(ready, sales)
    client.force_login(sales)
    html = client.get(ready.get_absolute_url()).content.decode()
    # The hand-over (and for others pause and cancel) form joins the page when its panel opens.
    for url in re.findall(r'data-panel-form="[^"]+" hx-get="([^"]+)"', html):
        html += client.get(url, headers={"HX-Request": "true"}).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert 'id="verdict-link-form"' in html and 'id="staff-verdict-form"' in html
    assert {"link_contact", "verdict_contact", "hand_over_reason"} <= set(ids)
    assert [i for i in set(ids) if ids.count(i) > 1] == []


@pytest.mark.parametrize(
    ("language", "subject", "copy"),
    [
        ("zh-hans", "请对我方关于客户抱怨", "复制"),
        ("en", "Your verdict on our answer to complaint", "Copy"),
    ],
)
def test_the_private_link_page_offers_copy_and_a_prepared_e_mail(
    client, ready, sales, customer, language, subject, copy
):
    who = contact(customer, sales)
    send(ready, sales)
    client.force_login(sales)
    response = client.post(
        reverse("complaints:create_link", args=[ready.number, 1]),
        {"contact": who.pk, "days": 7},
        headers={"accept-language": language},
    )
    html = response.content.decode()
    start = html.index('value="http') + len('value="')
    url = html[start : html.index('"', start)]
    assert re.search(r'<button[^>]*data-copy="verdict-link"', html)
    assert f"<span>{copy}</span>" in html
    href = re.search(r'id="mail-verdict-link" href="([^"]+)"', html).group(1)
    parts = urlsplit(unescape(href))
    assert (parts.scheme, unquote(parts.path)) == ("mailto", "wang@example.com")
    query = parse_qs(parts.query)
    assert subject in query["subject"][0] and ready.number in query["subject"][0]
    assert url in query["body"][0] and "王经理" in query["body"][0]
    assert "<script>" not in html  # the copy runs from app.js: CSP forbids inline scripts
