"""A sales manager logs in in Chinese, switches to English, registers a customer and finds it."""

import re

import pytest
from playwright.sync_api import expect

from cqms.audit.models import AuditEntry
from cqms.customers.models import Customer
from cqms.customers.tests.factories import make_customer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_in_chinese_switch_to_english_create_and_find_a_customer(
    page, live_server, make_user
):
    manager = make_user(
        "li.na", roles=["sales_manager"], department="sales", first_name="娜", last_name="李"
    )
    make_customer(manager, "OTHER1", name="其他电子有限公司")

    page.goto(f"{live_server.url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    log_in(page, live_server.url, "li.na")
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()

    page.click("#language-menu")
    page.click("button[data-language=en]")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("link", name="Customers").first.click()
    page.get_by_role("link", name="New customer").click()
    page.fill("#id_code", "JOURNEY1")
    page.fill("#id_name", "旅程测试汽车有限公司")
    page.fill("#id_name_en", "Journey Test Motors Co., Ltd.")
    page.select_option("#id_classification", "key")
    page.select_option("#id_grade", "A")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="旅程测试汽车有限公司")).to_be_visible()

    page.get_by_role("link", name="Customers").first.click()
    expect(page.locator("#list-results")).to_contain_text("OTHER1")
    page.fill("#id_q", "旅程测试")
    expect(page.locator("#list-results")).not_to_contain_text("OTHER1")
    expect(page.locator("#list-results")).to_contain_text("JOURNEY1")
    expect(page).to_have_url(re.compile(r"q=%E6%97%85"))  # the filtered list keeps its address

    customer = Customer.objects.get(code="JOURNEY1")
    assert customer.owner.username == "li.na"
    assert AuditEntry.objects.filter(record_id=str(customer.pk), action="create").exists()
