"""Pickers in the browser: a customer and a person are found by pinyin initials as a Chinese
user types them, the contacts follow the customer, and "nothing found" is said in Chinese."""

import pytest
from playwright.sync_api import expect

from cqms.customers import services as customers
from cqms.customers.tests.factories import make_customer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def type_into(page, scope, text: str) -> None:
    select = scope.locator("select.tomselected").first.element_handle()
    scope.locator(".ts-control").first.click()
    expect(scope.locator(".ts-control input")).to_be_focused()
    # The list loaded on focus first (see the team notes on typing while it loads).
    page.wait_for_function("select => !select.tomselect.loading", arg=select)
    page.keyboard.type(text)
    page.wait_for_function(
        "select => select.tomselect.refreshTimeout == null && !select.tomselect.loading",
        arg=select,
    )


def test_customer_and_person_found_by_initials_and_nothing_found_in_chinese(
    page, live_server, make_user
):
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    make_user(
        "li.jing", roles=["quality_engineer"], department="quality", first_name="静", last_name="李"
    )
    make_user(
        "li.qiang",
        roles=["quality_engineer"],
        department="quality",
        first_name="强",
        last_name="李",
    )
    huadong = make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")
    make_customer(sales, "C200", owner=sales, name="西南机电有限公司")
    customers.add_contact(huadong, {"name": "王经理", "is_primary": True}, actor=sales)

    log_in(page, live_server.url, "sales.li")
    page.goto(f"{live_server.url}/complaints/new/")
    customer = page.locator("#div_id_customer")
    type_into(page, customer, "hdqc")
    options = customer.locator(".ts-dropdown .option")  # this picker's list, no other's
    expect(options.filter(has_not_text="华东汽车")).to_have_count(0)  # 西南 is not offered
    expect(options.first).to_contain_text("华东汽车")
    options.first.click()
    page.keyboard.press("Escape")
    expect(page.locator("#id_contact")).to_contain_text("王经理")

    page.fill("#id_customer_reference", "HD-1")
    owner = page.locator("#div_id_owner")
    type_into(page, owner, "lj")
    people = page.locator("#div_id_owner .ts-dropdown .option")
    expect(people.filter(has_not_text="李静")).to_have_count(0)  # not 李强, not sales.li
    expect(people.first).to_contain_text("李静")
    page.keyboard.press("Escape")

    page.fill("#id_part_number", "P-1")
    type_into(page, page.locator("#div_id_owner"), "zzzz")
    expect(page.locator("#div_id_owner .no-results")).to_have_text("没有找到匹配项")
