"""Records open from the lists as pages of their own: one top bar, one menu, the record's
address, and Back returns to the list with its filters (issue 17, defect 1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cqms.complaints.tests.factories import register
from cqms.customers.tests.factories import make_customer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def one_page(page) -> None:
    """The page is one page: a single top bar and a single menu."""
    expect(page.locator("header.cqms-topbar")).to_have_count(1)
    expect(page.locator("#cqms-sidebar")).to_have_count(1)
    expect(page.locator("#list-results #list-results")).to_have_count(0)


def test_records_open_from_the_register_and_the_customer_list_and_back_keeps_the_filter(
    page, live_server, make_user
):
    manager = make_user("qm.wang", roles=["quality_manager"], department="quality")
    sales = make_user("sales.li", roles=["sales_manager"], department="sales")
    east = make_customer(sales, "EAST1", owner=sales, name="华东汽车制造有限公司")
    west = make_customer(sales, "WEST1", owner=sales, name="西部电子有限公司")
    wanted = register(sales, east, owner=manager, part_number="P-7777")
    register(sales, west, owner=manager, part_number="P-1001")
    log_in(page, live_server.url, "qm.wang")

    # The complaint register, filtered by typing (the list swaps and keeps its address).
    page.goto(f"{live_server.url}/complaints/")
    results = page.locator("#list-results")
    expect(results).to_contain_text("WEST1")
    page.fill("#id_q", "P-7777")
    expect(results).not_to_contain_text("WEST1")
    expect(page).to_have_url(re.compile(r"q=P-7777"))
    list_url = page.url

    results.get_by_role("link", name=wanted.number).click()
    expect(page).to_have_url(f"{live_server.url}{wanted.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(wanted.number)
    one_page(page)

    page.go_back()
    expect(page).to_have_url(list_url)
    expect(page.locator("#id_q")).to_have_value("P-7777")
    expect(results).not_to_contain_text("WEST1")
    expect(results).to_contain_text(wanted.number)
    one_page(page)

    # Sorting still swaps only the list (one page, the list's own address).
    page.locator("#list-results thead a").first.click()
    expect(page).to_have_url(re.compile(r"sort="))
    one_page(page)

    # The customer list, the same way.
    page.goto(f"{live_server.url}/customers/")
    expect(results).to_contain_text("WEST1")
    page.fill("#id_q", "EAST1")
    expect(results).not_to_contain_text("WEST1")
    expect(page).to_have_url(re.compile(r"q=EAST1"))
    list_url = page.url

    results.get_by_role("link", name="EAST1").click()
    expect(page).to_have_url(f"{live_server.url}{east.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("华东汽车制造有限公司")
    one_page(page)

    page.go_back()
    expect(page).to_have_url(list_url)
    expect(page.locator("#id_q")).to_have_value("EAST1")
    expect(results).not_to_contain_text("WEST1")
    one_page(page)
