"""What an engineer types in an 8D card survives the card's helper buttons (issue 17, defect 3):
attaching evidence in D2, starting the containment grid and adding a location in D3, listing
the documents in D7. Text someone else saved meanwhile is not overwritten: the card lists the
unsaved text instead."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cqms.complaints import eightd
from cqms.complaints.models import EightDStep
from cqms.complaints.tests.factories import register
from cqms.customers.tests.factories import make_customer

from .conftest import log_in
from .eightd_steps import PHOTO, PROBLEM, acknowledge, card, fill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def kept(page, step: str, values: dict) -> None:
    for name, value in values.items():
        expect(page.locator(f"#id_{step}-{name}")).to_have_value(value)
    expect(card(page, step).locator("[data-unsaved-note=kept]")).to_be_visible()


def test_typed_text_survives_the_helper_buttons_of_d2_d3_and_d7(page, live_server, make_user):
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    engineer = make_user("qe.zhao", roles=["quality_engineer"], department="quality")
    customer = make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")
    complaint = register(sales, customer, owner=engineer)
    log_in(page, live_server.url, "qe.zhao")
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    acknowledge(page)

    # D2: the 5W2H typed, then a photo attached before saving.
    card(page, "d2")
    fill(page, "d2", PROBLEM)
    card(page, "d2").locator("input[type=file]").set_input_files(files=[PHOTO])
    card(page, "d2").locator("[data-attach]").click()
    expect(card(page, "d2").locator("[data-attachment]")).to_contain_text(PHOTO["name"])
    kept(page, "d2", PROBLEM)

    # D3: the clean point typed, then the grid started; a grid cell typed, then a location added.
    clean_point = "L2610 起，标签贴绿色圆点"
    card(page, "d3")
    fill(page, "d3", {"clean_point": clean_point})
    card(page, "d3").locator("[data-start-grid]").click()
    grid = card(page, "d3").locator("[data-grid=containment] tbody tr")
    expect(grid).to_have_count(6)
    kept(page, "d3", {"clean_point": clean_point})
    grid.first.locator("input[name$='-method']").fill("100% 目检")
    grid.first.locator("select[name$='-result']").select_option("sorted")
    card(page, "d3").locator("[data-add=containment]").click()
    expect(grid).to_have_count(7)
    expect(grid.first.locator("input[name$='-method']")).to_have_value("100% 目检")
    expect(grid.first.locator("select[name$='-result']")).to_have_value("sorted")
    expect(page.locator("#id_d3-clean_point")).to_have_value(clean_point)

    # D7: the systemic actions typed, then the documents listed.
    systemic = "夹具寿命纳入设计规范"
    card(page, "d7")
    fill(page, "d7", {"systemic_actions": systemic})
    card(page, "d7").locator("[data-start-documents]").click()
    expect(card(page, "d7").locator("[data-grid=document] tbody tr")).to_have_count(4)
    kept(page, "d7", {"systemic_actions": systemic})

    # Saving the step saves what was kept.
    card(page, "d7").locator("[data-save-step]").click()
    expect(card(page, "d7").locator("[data-card-message]")).to_be_visible()
    stored = EightDStep.objects.get(complaint=complaint, step="d7")
    assert stored.data["systemic_actions"] == systemic


def test_text_saved_meanwhile_by_someone_else_is_not_overwritten_and_the_card_lists_the_typing(
    page, live_server, make_user
):
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    engineer = make_user("qe.zhao", roles=["quality_engineer"], department="quality")
    colleague = make_user("qe.sun", roles=["quality_engineer"], department="quality")
    customer = make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")
    complaint = register(sales, customer, owner=engineer)
    log_in(page, live_server.url, "qe.zhao")
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    acknowledge(page)

    card(page, "d3")
    fill(page, "d3", {"clean_point": "我的文字"})
    eightd.save_step(
        complaint, "d3", {"clean_point": "同事的文字"}, actor=colleague, expected_version=0
    )
    card(page, "d3").locator("[data-start-grid]").click()
    expect(card(page, "d3").locator("[data-grid=containment] tbody tr")).to_have_count(6)
    expect(page.locator("#id_d3-clean_point")).to_have_value("同事的文字")
    lost = card(page, "d3").locator("[data-unsaved-note=lost]")
    expect(lost).to_be_visible()
    expect(lost.locator("[data-unsaved-text]")).to_contain_text("我的文字")
