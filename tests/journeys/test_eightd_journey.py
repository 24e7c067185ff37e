"""A quality engineer works through the 8D of a complaint in Chinese: D0 to D7 on the page,
including the containment grid and the 5-Why chains, then requests the closure approval."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from cqms.complaints.models import Complaint, EightDStep
from cqms.complaints.tests.eightd_factories import accepted_by_customer
from cqms.complaints.tests.factories import register
from cqms.customers.tests.factories import make_customer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("CQMS_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def card(page, step: str):
    return page.locator(f"#step-{step}")


def expect_done(page, step: str) -> None:
    expect(card(page, step)).to_have_attribute("data-step-status", "done")


def complete(page, step: str) -> None:
    card(page, step).locator("[data-complete-step]").click()
    expect_done(page, step)


def pick_user(page, scope, text: str) -> None:
    """Choose a person in a searching user picker (Tom Select) inside `scope`."""
    scope.locator(".ts-control").first.click()
    page.keyboard.type(text)
    page.locator(".ts-dropdown .option", has_text=text).first.click()
    page.keyboard.press("Escape")


def add_row(page, step: str, kind: str, values: dict, *, owner: str | None = None) -> None:
    section = card(page, step).locator(f"[data-add={kind}]")
    section.locator("summary").click()
    for name, value in values.items():
        field = section.locator(f"[name='{kind}-new-{name}']")
        if name == "why_chain":
            for index, why in enumerate(value):
                if index >= field.count():
                    section.locator("[data-why-add]").click()
                section.locator(f"[name='{kind}-new-why_chain']").nth(index).fill(why)
        elif field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        elif field.get_attribute("type") == "checkbox":
            field.check()
        else:
            field.fill(value)
    if owner:
        pick_user(page, section, owner)
    rows = card(page, step).locator(f"[data-rows={kind}] [data-row]")
    count = rows.count()
    section.locator("[data-save-row]").click()
    expect(card(page, step).locator(f"[data-rows={kind}] [data-row]")).to_have_count(count + 1)


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
    page.locator("form[action$='/acknowledge/'] button").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "acknowledged")

    # D0 emergency response
    page.fill("#id_d0-symptom", "外壳表面划伤，长度约 5 mm")
    page.fill("#id_d0-emergency_actions", "通知仓库冻结 L2609 批次库存")
    page.select_option("#id_d0-full_8d", "yes")
    complete(page, "d0")

    # D1 team: the engineer leads, production joins
    add_row(page, "d1", "team", {"role": "leader"}, owner="qe.zhao")
    add_row(page, "d1", "team", {"name": "孙师傅", "department": "生产部", "role": "member"})
    complete(page, "d1")

    # D2 problem description (5W2H) with a photo as evidence; a refusal names what is missing
    page.fill("#id_d2-what", "P-1001 外壳划伤")
    card(page, "d2").locator("[data-complete-step]").click()
    expect(card(page, "d2").locator("[data-missing]")).to_be_visible()
    expect(page.locator("#id_d2-what")).to_have_value("P-1001 外壳划伤")
    for name, value in {
        "where": "客户来料检验，外壳 A 面",
        "when": "2026-09-29 生产，9-30 发现",
        "why": "外观标准不允许划伤",
        "how_many": "120 / 2000 件",
        "statement": "P-1001 外壳 A 面划伤 5 mm，超出外观标准",
    }.items():
        page.fill(f"#id_d2-{name}", value)
    card(page, "d2").locator("[data-save-step]").click()
    expect(card(page, "d2").locator("[data-card-message]")).to_be_visible()
    card(page, "d2").locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "划伤.png",
                "mimeType": "image/png",
                "buffer": b"\x89PNG\r\n\x1a\n" + b"0" * 64,
            }
        ]
    )
    card(page, "d2").locator("[data-attach]").click()
    expect(card(page, "d2")).to_contain_text("划伤.png")
    complete(page, "d2")

    # D3 containment grid: six locations, two not applicable
    card(page, "d3").locator("[data-start-grid]").click()
    grid = card(page, "d3").locator("[data-grid=containment] tbody tr")
    expect(grid).to_have_count(6)
    for index in range(6):
        row = grid.nth(index)
        location = row.get_attribute("data-location")
        if location in ("in_transit", "external_warehouse"):
            row.locator("select[name$='-result']").select_option("not_applicable")
            row.locator("input[name$='-note']").fill("无在途货物 / 无外部仓库")
            continue
        row.locator("input[name$='-method']").fill("100% 目检")
        row.locator("input[name$='-done_at']").fill("2026-09-30T15:00")
        row.locator("input[name$='-quantity_checked']").fill("500")
        row.locator("input[name$='-quantity_rejected']").fill("3")
        row.locator("select[name$='-result']").select_option("sorted")
    shot(page, "d3-grid")
    card(page, "d3").locator("[data-save-grid]").click()
    expect(card(page, "d3").locator("[data-card-message]")).to_be_visible()
    page.fill("#id_d3-clean_point", "L2610 起，标签贴绿色圆点")
    page.fill("#id_d3-customer_informed_at", "2026-09-30T16:00")
    complete(page, "d3")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "contained")

    # D4 root causes with their 5-Why chains
    for kind, category, description in [
        ("occurrence", "machine", "夹具定位销磨损，外壳与夹具接触"),
        ("escape", "measurement", "终检只看 B 面，A 面未列入检验标准"),
    ]:
        add_row(
            page,
            "d4",
            "root_cause",
            {
                "kind": kind,
                "category": category,
                "description": description,
                "why_chain": ["为什么划伤？", "为什么接触？", "为什么没发现？"],
                "verification": "更换定位销后试产 50 件无划伤",
                "verified": True,
            },
        )
    expect(card(page, "d4").locator("[data-whys] li")).to_have_count(6)
    complete(page, "d4")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "analysed")

    # D5 one corrective action per verified cause
    causes = card(page, "d5").locator("[name='corrective-new-root_cause'] option")
    labels = [causes.nth(i).get_attribute("value") for i in range(causes.count())]
    for value in [v for v in labels if v]:
        add_row(
            page,
            "d5",
            "corrective",
            {
                "root_cause": value,
                "description": "更换定位销并纳入点检",
                "due_date": "2026-10-15",
                "verification_plan": "连续 3 批零缺陷",
            },
            owner="qe.zhao",
        )
    complete(page, "d5")

    # D7 documents, horizontal deployment, preventive action
    card(page, "d7").locator("[data-start-documents]").click()
    documents = card(page, "d7").locator("[data-grid=document] tbody tr")
    expect(documents).to_have_count(4)
    for index in range(4):
        row = documents.nth(index)
        if row.get_attribute("data-document") == "pfmea":
            row.locator("select").select_option("true")
            row.locator("input[name$='-new_revision']").fill("C")
        else:
            row.locator("select").select_option("false")
            row.locator("input[name$='-not_affected_reason']").fill("不涉及")
    card(page, "d7").locator("[data-save-grid]").click()
    expect(card(page, "d7").locator("[data-card-message]")).to_be_visible()
    add_row(
        page,
        "d7",
        "deployment",
        {
            "target": "P-1002 同类外壳，二号线",
            "action": "同步更换定位销",
            "due_date": "2026-10-20",
        },
        owner="qe.zhao",
    )
    add_row(
        page,
        "d7",
        "preventive",
        {
            "description": "定位销寿命纳入 TPM 点检",
            "due_date": "2026-10-30",
            "verification_plan": "点检记录月度抽查",
        },
        owner="qe.zhao",
    )
    complete(page, "d7")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "actions_answered")

    # D6 implementation and the effectiveness check, after the answer
    actions = card(page, "d6").locator("[data-rows=corrective] [data-row]")
    for index in range(actions.count()):
        action = actions.nth(index)
        action.locator("[data-edit-row]").click()
        form = card(page, "d6").locator(f"#edit-corrective-{action.get_attribute('data-row')}")
        form.locator("[name$='-done_at']").fill("2026-10-10T09:00")
        form.locator("[name$='-evidence']").fill("作业指导书 B 版")
        form.locator("[name$='-effectiveness_due']").fill("2026-11-10")
        form.locator("[name$='-effectiveness_result']").fill("连续 3 批无缺陷")
        form.locator("select[name$='-status']").select_option("effective")
        form.locator("[data-save-row]").click()
        expect(
            card(page, "d6").locator("[data-rows=corrective] [data-row]").nth(index)
        ).to_have_attribute("data-action-status", "effective")
    page.fill("#id_d6-validation", "3 批 0 ppm")
    complete(page, "d6")

    # the customer accepts the answer (the answers' part), then D8 asks for the closure approval
    accepted_by_customer(Complaint.objects.get(pk=complaint.pk), sales)
    page.reload()
    page.fill("#id_d8-lessons_learned", "夹具易损件必须有寿命管理")
    card(page, "d8").locator("[data-complete-step]").click()
    expect(card(page, "d8").locator("[data-closure-running]")).to_be_visible()
    expect(page.locator("[data-approval-panel] [data-approval-status=running]")).to_be_visible()
    shot(page, "d8-closure")
    assert set(
        EightDStep.objects.filter(complaint=complaint, status="done").values_list("step", flat=True)
    ) == {"d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"}
    assert manager.is_active


def test_a_step_is_saved_on_a_phone(phone, live_server, make_user):
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    make_user("qe.zhao", roles=["quality_engineer"], department="quality")
    customer = make_customer(sales, "C100", owner=sales)
    complaint = register(sales, customer)
    log_in(phone, live_server.url, "qe.zhao")
    phone.goto(f"{live_server.url}{complaint.get_absolute_url()}#step-d0")
    phone.fill("#id_d0-symptom", "标签错误")
    card(phone, "d0").locator("[data-save-step]").click()
    expect(card(phone, "d0").locator("[data-card-message]")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page must not scroll sideways on a phone"
    shot(phone, "phone-d0")
    assert re.search("标签错误", card(phone, "d0").inner_html())
