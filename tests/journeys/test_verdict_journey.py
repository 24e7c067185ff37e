"""The customer's contact opens the private link in Chinese, reads the 8D and rejects it with a
reason; the case continues as <number>-1."""

import re

import pytest
from playwright.sync_api import expect

from cqms.complaints.models import Answer, Complaint
from cqms.complaints.tests.answering import answerable, contact, link, send
from cqms.customers.tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contact_rejects_the_answer_through_the_private_link(page, live_server, make_user):
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    quality = make_user("qe.zhao", roles=["quality_engineer"], department="quality")
    member = make_user("prod.sun", roles=["staff"], department="production")
    customer = make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")
    complaint = answerable(sales, customer, quality, member)
    answer = send(complaint, sales)
    token = link(answer, sales, contact(customer, sales, name="王经理"))

    page.goto(f"{live_server.url}/complaints/verdict/{token}/")
    expect(page).to_have_url(re.compile(r"/complaints/verdict/$"))  # the token left the address
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    report = page.locator(".cqms-report")
    expect(report).to_contain_text(complaint.number)
    expect(report).to_contain_text("外壳表面划伤，长度约 5 mm")
    expect(report).to_contain_text("夹具磨损")  # the root cause of D4

    page.check("input[name=verdict][value=reject]")
    page.fill("textarea[name=reason]", "根本原因验证数据不足，请补充复现试验记录")
    page.locator("#verdict-form button[type=submit]").click()
    expect(page.locator("[data-verdict-done=rejected]")).to_be_visible()

    answer.refresh_from_db()
    assert answer.verdict == "rejected" and answer.verdict_contact.name == "王经理"
    reopened = Complaint.objects.get(number=f"{complaint.number}-1")
    assert reopened.parent_id == complaint.pk and reopened.status == "registered"
    assert reopened.clocks.filter(name="corrective_action", done_at=None).exists()
    assert Answer.objects.get(pk=answer.pk).rejection_reason.startswith("根本原因")

    page.goto(f"{live_server.url}/complaints/verdict/{token}/")  # spent
    expect(page.locator("[data-verdict-page='410']")).to_be_visible()
