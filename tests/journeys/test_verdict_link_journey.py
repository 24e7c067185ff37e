"""The salesperson creates the private link, copies it with one click and opens a prepared
e-mail: the copy runs from app.js (no inline script, CSP forbids them)."""

import pytest
from playwright.sync_api import expect

from cqms.complaints.tests.answering import answerable, contact, send
from cqms.customers.tests.factories import make_customer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_private_link_is_copied_with_one_click(page, live_server, make_user):
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    quality = make_user("qe.zhao", roles=["quality_engineer"], department="quality")
    member = make_user("prod.sun", roles=["staff"], department="production")
    customer = make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")
    complaint = answerable(sales, customer, quality, member)
    send(complaint, sales)
    who = contact(customer, sales, name="王经理")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    log_in(page, live_server.url, "sales.li")
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    page.evaluate(
        "pk => { const form = document.getElementById('verdict-link-form');"
        " form.querySelector('[name=contact]').value = pk; form.submit(); }",
        str(who.pk),
    )
    link = page.locator("#verdict-link")
    expect(link).to_be_visible()
    url = link.input_value()
    assert "/complaints/verdict/" in url
    page.locator("#copy-verdict-link").click()
    expect(page.locator("#copy-verdict-link")).to_contain_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == url
    mail = page.locator("#mail-verdict-link")
    assert mail.get_attribute("href").startswith("mailto:wang@example.com?subject=")
