"""A quality engineer works through the 8D of a complaint in Chinese: D0 to D7 on the page,
including the containment grid and the 5-Why chains, then requests the closure approval."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cqms.complaints.models import Complaint
from cqms.complaints.tests.eightd_factories import accepted_by_customer
from cqms.complaints.tests.factories import register
from cqms.customers.tests.factories import make_customer

from .conftest import log_in
from .eightd_steps import (
    D0_TO_D7,
    PHOTO,
    PROBLEM,
    acknowledge,
    attach,
    card,
    complete,
    d0_emergency_response,
    d1_team,
    d2_describe_problem,
    d3_contain,
    d4_root_causes,
    d5_corrective_actions,
    d6_verify_effectiveness,
    d7_prevent_recurrence,
    d8_request_closure,
    done_steps,
    fill,
    pick_user,
    refused,
    save_step,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_quality_engineer_completes_d0_to_d7_in_chinese_and_requests_closure(
    page, live_server, make_user
):
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    engineer = make_user(
        "qe.zhao",
        roles=["quality_engineer"],
        department="quality",
        first_name="工",
        last_name="赵",
    )
    manager = make_user("qm.wang", roles=["quality_manager"], department="quality")
    customer = make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")
    complaint = register(sales, customer, owner=engineer)
    log_in(page, live_server.url, "qe.zhao")
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    acknowledge(page)

    # D0 emergency response
    d0_emergency_response(page)

    # D1 team: the engineer leads, production joins
    d1_team(page)

    # D2 problem description (5W2H) with a photo as evidence; a refusal names what is missing
    fill(page, "d2", {"what": PROBLEM["what"]})
    refused(page, "d2")
    expect(page.locator("#id_d2-what")).to_have_value(PROBLEM["what"])
    d2_describe_problem(page)
    save_step(page, "d2")
    attach(page, "d2", PHOTO)
    complete(page, "d2")

    # D3 containment grid: six locations, two not applicable
    d3_contain(
        page, done_at="2026-09-30T15:00", informed_at="2026-09-30T16:00", screenshot="d3-grid"
    )

    # D4 root causes with their 5-Why chains
    d4_root_causes(page)

    # D5 one corrective action per verified cause
    d5_corrective_actions(page, due="2026-10-15")

    # D7 documents, horizontal deployment, preventive action
    d7_prevent_recurrence(page, due="2026-10-30")

    # D6 implementation and the effectiveness check, after the answer
    d6_verify_effectiveness(page, done_at="2026-10-10T09:00", check_due="2026-11-10")

    # the customer accepts the answer (the answers' part), then D8 asks for the closure approval
    accepted_by_customer(Complaint.objects.get(pk=complaint.pk), sales)
    page.reload()
    d8_request_closure(page, "夹具易损件必须有寿命管理")
    shot(page, "d8-closure")
    assert done_steps(complaint) == set(D0_TO_D7)
    assert manager.is_active


def test_a_step_is_saved_on_a_phone(phone, live_server, make_user):
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    make_user("qe.zhao", roles=["quality_engineer"], department="quality")
    customer = make_customer(sales, "C100", owner=sales)
    complaint = register(sales, customer)
    log_in(phone, live_server.url, "qe.zhao")
    phone.goto(f"{live_server.url}{complaint.get_absolute_url()}#step-d0")
    fill(phone, "d0", {"symptom": "标签错误"})
    save_step(phone, "d0")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page must not scroll sideways on a phone"
    shot(phone, "phone-d0")
    assert re.search("标签错误", card(phone, "d0").inner_html())


def test_the_hand_over_form_opens_with_its_panel_and_hands_over(page, live_server, make_user):
    """The hand-over form is loaded when its panel opens; its person picker works there."""
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    engineer = make_user("qe.zhao", roles=["quality_engineer"], department="quality")
    make_user("qe.qian", roles=["quality_engineer"], department="quality", first_name="钱")
    customer = make_customer(sales, "C100", owner=sales)
    complaint = register(sales, customer, owner=engineer)
    log_in(page, live_server.url, "qe.zhao")
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    panel = page.locator('[data-panel-form="hand-over"]')
    expect(panel.locator("select")).to_have_count(0)
    panel.locator("summary").click()
    pick_user(page, panel, "qe.qian")
    panel.locator("textarea, input[name=reason]").first.fill("出差一周")
    panel.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("客户抱怨已转交")
    assert Complaint.objects.get(pk=complaint.pk).owner.username == "qe.qian"
