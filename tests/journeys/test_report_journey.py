"""The closed 8D report in Chinese, as the OEM receives it: the customer's contact accepts the
answer through the private link, the closure is reviewed and approved with signatures, and the
quality manager downloads the closed report as PDF and in the customer's own xlsx form from the
complaint page. Both are read back: our company and supplier code, every signature with its
date, the customer's acceptance, the embedded photo, no draft stamp."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from cqms.audit import services as audit
from cqms.complaints import answers, example_form
from cqms.complaints.tests.answering import answerable, contact, send
from cqms.complaints.tests.report_closing import close, company, photo, reviewed_then_approved
from cqms.complaints.tests.test_report_identity import image_count, page_texts
from cqms.complaints.tests.test_reports import has, pdf_text
from cqms.customers.tests.factories import make_customer

from .conftest import log_in, new_page
from .test_complaint_journey import download

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DATE = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"


def test_the_closed_8d_in_chinese_as_pdf_and_in_the_customers_form(browser, live_server, make_user):
    base = live_server.url
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    engineer = make_user(
        "qe.zhao", roles=["quality_engineer"], department="quality", first_name="磊", last_name="赵"
    )
    member = make_user("prod.sun", roles=["staff"], department="production")
    reviewer = make_user(
        "head.zheng",
        roles=["department_head"],
        department="quality",
        first_name="强",
        last_name="郑",
    )
    manager = make_user(
        "qm.li", roles=["quality_manager"], department="quality", first_name="静", last_name="李"
    )
    customer = make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")
    customer.supplier_code = "SUP-80417"
    customer.save()
    company()
    reviewed_then_approved()
    with audit.change_transaction():
        example_form.install(customer, actor=sales)
    complaint = answerable(sales, customer, engineer, member)
    photo(complaint, engineer)
    answer = send(complaint, sales)
    token = answers.create_verdict_link(
        answer, contact=contact(customer, sales, name="王经理", title="质量经理"), actor=sales
    )

    # the customer's contact accepts online, without an account
    visitor = new_page(browser)
    visitor.goto(f"{base}{answers.verdict_url(token)}")
    expect(visitor.locator("[data-report-identity]")).to_contain_text("SUP-80417")
    visitor.check("input[name=verdict][value=accept]")
    visitor.locator("#verdict-form button[type=submit]").click()
    expect(visitor.locator("[data-verdict-done=accepted]")).to_be_visible()
    visitor.context.close()
    complaint.refresh_from_db()
    close(complaint, engineer, reviewer=reviewer, manager=manager)

    # the quality manager downloads the closed report from the complaint page
    page = new_page(browser)
    log_in(page, base, "qm.li")
    page.goto(f"{base}{complaint.get_absolute_url()}")
    expect(page.locator("[data-report-downloads]")).to_have_attribute(
        "data-report-downloads", "final"
    )
    name, content = download(page, page.locator("[data-report-link=final-pdf]"))
    assert name == f"8D-{complaint.number}.pdf"
    pages = page_texts(content)
    for text in pages:  # our identity on every page
        assert has(text, "苏州精密部件有限公司") and has(text, "供应商代码: SUP-80417")
        assert has(text, "表单编号: QR-QA-015") and has(text, "版次: A/1")
    text = pdf_text(content)
    assert "草稿" not in text and has(text, "D8") and has(text, "夹具定位销纳入日点检")
    lines = {row.split(" ", 1)[0]: row for row in text.splitlines() if " " in row}
    assert "赵磊" in lines["编制"] and re.search(DATE, lines["编制"])
    assert "郑强" in lines["审核"] and re.search(DATE, lines["审核"])
    assert "李静" in lines["批准"] and re.search(DATE, lines["批准"])
    assert "王经理" in lines["客户确认"] and re.search(DATE, lines["客户确认"])
    assert has(text, "通过专属链接在线接受")
    assert image_count(content) == 2  # the logo and the photo of the defect
    assert has(text, "图1:划伤位置特写")
    assert "时限" not in text  # the customer's copy

    name, content = download(page, page.locator("[data-report-link=customer-form]"))
    assert name == f"8D-{complaint.number}-C100.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book[example_form.SHEET]
    assert sheet["C3"].value == "苏州精密部件有限公司" and sheet["G3"].value == "SUP-80417"
    assert sheet["C4"].value == complaint.number
    assert sheet["C28"].value == "夹具定位销纳入日点检"
    signed = {
        role: (sheet[f"{column}31"].value, sheet[f"{column}32"].value)
        for role, column in (("编制", "B"), ("审核", "D"), ("批准", "F"), ("客户", "H"))
    }
    assert signed["审核"][0] == "郑强" and signed["批准"][0] == "李静"
    assert signed["客户"][0] == "王经理"
    assert all(re.fullmatch(DATE, date or "") for _name, date in signed.values()), signed
    assert sheet["B26"].value.startswith("=COUNTA")  # the form's own formula kept
    page.context.close()
