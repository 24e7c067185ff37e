"""The 8D on a complaint's page, step by step, as a quality engineer works it in Chinese: the
browser helpers the journeys share. One case runs through them all: housings of part P-1001,
lot L2609, scratched on face A, two root causes (a worn fixture pin, a final inspection that
skipped face A), one corrective action per cause. Each `dN_…` helper fills its card the way the
procedure asks and, except D2 (whose evidence differs per journey), completes it."""

from __future__ import annotations

import os

from playwright.sync_api import expect

from cqms.complaints.models import EightDStep

SHOTS = os.environ.get("CQMS_SCREENSHOTS", "")

D0_TO_D7 = ("d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7")
DEFECT = "外壳表面划伤，长度约 5 mm"
PROBLEM = {  # D2, the 5W2H
    "what": "P-1001 外壳划伤",
    "where": "客户来料检验，外壳 A 面",
    "when": "L2609 批次",
    "why": "外观标准不允许划伤",
    "how_many": "120 / 2000 件",
    "statement": "P-1001 外壳 A 面划伤 5 mm，超出外观标准",
}
PHOTO = {"name": "划伤.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"0" * 64}
WHYS = ["为什么划伤？", "为什么接触？", "为什么没发现？"]


# --- Page basics ---------------------------------------------------------------------------------


def shot(page, name: str) -> None:
    """A full-page screenshot into $CQMS_SCREENSHOTS, when that is set."""
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def card(page, step: str):
    """The card of one 8D step (`d0` … `d8`), opened for work if the page folded it."""
    section = page.locator(f"#step-{step}")
    opener = section.locator("[data-open-step]")
    if opener.count():
        opener.click()
        expect(section.locator("[data-open-step]")).to_have_count(0)
    return section


def status_of(page, status: str) -> None:
    """The complaint's status badge in the heading shows `status`."""
    expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", status)


def done_steps(complaint) -> set[str]:
    """The complaint's 8D steps stored as done."""
    return set(
        EightDStep.objects.filter(complaint=complaint, status="done").values_list("step", flat=True)
    )


def pick_user(page, scope, text: str) -> None:
    """Choose a person (or a customer) in the first searching picker (Tom Select) inside `scope`.

    The option is clicked only once Tom Select has dealt with the typing: it refreshes its list
    300 ms after the last key and then asks the server. A refresh still pending when the journey
    moves on reopens the picker and takes the focus from the next field being filled."""
    scope.locator(".ts-control").first.click()
    page.keyboard.type(text)
    page.wait_for_function(
        "select => select.tomselect.refreshTimeout == null && !select.tomselect.loading",
        arg=scope.locator("select.tomselected").first.element_handle(),
    )
    page.locator(".ts-dropdown .option", has_text=text).first.click()
    page.keyboard.press("Escape")


# --- One card ------------------------------------------------------------------------------------


def fill(page, step: str, values: dict) -> None:
    """Type into the step form's fields, by field name."""
    for name, value in values.items():
        page.fill(f"#id_{step}-{name}", value)


def save_step(page, step: str) -> None:
    """Save the step's form without completing it; the card confirms."""
    card(page, step).locator("[data-save-step]").click()
    expect(card(page, step).locator("[data-card-message]")).to_be_visible()


def complete(page, step: str) -> None:
    """Complete the step; the card turns done."""
    card(page, step).locator("[data-complete-step]").click()
    expect(card(page, step)).to_have_attribute("data-step-status", "done")


def refused(page, step: str) -> None:
    """Try to complete an unfinished step; the card names what is missing."""
    card(page, step).locator("[data-complete-step]").click()
    expect(card(page, step).locator("[data-missing]")).to_be_visible()


def attach(page, step: str, file: dict) -> None:
    """Upload a file as the step's evidence; the card lists it."""
    card(page, step).locator("input[type=file]").set_input_files(files=[file])
    card(page, step).locator("[data-attach]").click()
    expect(card(page, step)).to_contain_text(file["name"])


def add_row(page, step: str, kind: str, values: dict, *, owner: str | None = None) -> None:
    """Add one row (team member, root cause, action …) through the card's inline form; a
    `why_chain` value is a list, one input per why; `owner` is picked in the user picker."""
    section = card(page, step).locator(f"[data-add={kind}]")
    if not section.evaluate("panel => panel.open"):
        section.locator("summary").click()  # its form comes when the panel opens
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


def save_grid(page, step: str) -> None:
    card(page, step).locator("[data-save-grid]").click()
    expect(card(page, step).locator("[data-card-message]")).to_be_visible()


# --- The steps -----------------------------------------------------------------------------------


def acknowledge(page) -> None:
    """The owner acknowledges the complaint, which opens the 8D."""
    page.locator("form[action$='/acknowledge/'] button").click()
    status_of(page, "acknowledged")


def d0_emergency_response(page) -> None:
    """D0: the symptom, the lot frozen in the warehouse, a full 8D asked for."""
    fill(page, "d0", {"symptom": DEFECT, "emergency_actions": "通知仓库冻结 L2609 批次库存"})
    page.select_option("#id_d0-full_8d", "yes")
    complete(page, "d0")


def d1_team(page) -> None:
    """D1: the engineer qe.zhao leads, a production worker joins."""
    add_row(page, "d1", "team", {"role": "leader"}, owner="qe.zhao")
    add_row(page, "d1", "team", {"name": "孙师傅", "department": "生产部", "role": "member"})
    complete(page, "d1")


def d2_describe_problem(page) -> None:
    """D2: the 5W2H (PROBLEM), not yet completed (the journeys bring the evidence)."""
    fill(page, "d2", PROBLEM)


def containment_grid(page, *, done_at: str, screenshot: str = "") -> None:
    """D3's grid: four locations sorted 100 %, in transit and the external warehouse not
    applicable; `screenshot` names a shot of the filled grid before it is saved."""
    card(page, "d3").locator("[data-start-grid]").click()
    grid = card(page, "d3").locator("[data-grid=containment] tbody tr")
    expect(grid).to_have_count(6)
    for index in range(6):
        row = grid.nth(index)
        if row.get_attribute("data-location") in ("in_transit", "external_warehouse"):
            row.locator("select[name$='-result']").select_option("not_applicable")
            row.locator("input[name$='-note']").fill("无在途货物 / 无外部仓库")
            continue
        row.locator("input[name$='-method']").fill("100% 目检")
        row.locator("input[name$='-done_at']").fill(done_at)
        row.locator("input[name$='-quantity_checked']").fill("500")
        row.locator("input[name$='-quantity_rejected']").fill("3")
        row.locator("select[name$='-result']").select_option("sorted")
    if screenshot:
        shot(page, screenshot)
    save_grid(page, "d3")


def d3_contain(page, *, done_at: str, informed_at: str, screenshot: str = "") -> None:
    """D3: the containment grid, the clean point, the customer informed; the complaint is
    contained."""
    containment_grid(page, done_at=done_at, screenshot=screenshot)
    clean_point = "L2610 起，标签贴绿色圆点"
    fill(page, "d3", {"clean_point": clean_point, "customer_informed_at": informed_at})
    complete(page, "d3")
    status_of(page, "contained")


def d4_root_causes(page) -> None:
    """D4: the occurrence and the escape cause, each verified and with its 5-Why chain (WHYS)
    shown under it; the complaint is analysed."""
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
                "why_chain": WHYS,
                "verification": "更换定位销后试产 50 件无划伤",
                "verified": True,
            },
        )
    expect(card(page, "d4").locator("[data-whys] li")).to_have_count(2 * len(WHYS))
    complete(page, "d4")
    status_of(page, "analysed")


def d5_corrective_actions(page, *, due: str) -> None:
    """D5: one corrective action per verified root cause, owned by qe.zhao."""
    panel = card(page, "d5").locator("[data-add=corrective]")
    panel.locator("summary").click()
    causes = panel.locator("[name='corrective-new-root_cause'] option")
    expect(causes.first).to_be_attached()
    for value in [causes.nth(i).get_attribute("value") for i in range(causes.count())]:
        if value:
            add_row(
                page,
                "d5",
                "corrective",
                {
                    "root_cause": value,
                    "description": "更换定位销，A 面纳入终检",
                    "due_date": due,
                    "verification_plan": "连续 3 批零缺陷",
                },
                owner="qe.zhao",
            )
    complete(page, "d5")


def document_grid(page) -> None:
    """D7's grid: the PFMEA gets revision C, the other three documents are not affected."""
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
    save_grid(page, "d7")


def d7_prevent_recurrence(page, *, due: str) -> None:
    """D7 (answered before D6, as the procedure asks): the document grid, the horizontal
    deployment to the sister part and a preventive action; the actions are answered."""
    document_grid(page)
    add_row(
        page,
        "d7",
        "deployment",
        {"target": "P-1002 同类外壳，二号线", "action": "同步更换定位销", "due_date": due},
        owner="qe.zhao",
    )
    add_row(
        page,
        "d7",
        "preventive",
        {
            "description": "定位销寿命纳入 TPM 点检",
            "due_date": due,
            "verification_plan": "点检记录月度抽查",
        },
        owner="qe.zhao",
    )
    complete(page, "d7")
    status_of(page, "actions_answered")


def actions_effective(page, *, done_at: str, check_due: str) -> None:
    """D6's rows: every corrective action implemented, checked and found effective."""
    actions = card(page, "d6").locator("[data-rows=corrective] [data-row]")
    for index in range(actions.count()):
        action = actions.nth(index)
        action.locator("[data-edit-row]").click()
        form = card(page, "d6").locator(f"#edit-corrective-{action.get_attribute('data-row')}")
        form.locator("[name$='-done_at']").fill(done_at)
        form.locator("[name$='-evidence']").fill("作业指导书 B 版")
        form.locator("[name$='-effectiveness_due']").fill(check_due)
        form.locator("[name$='-effectiveness_result']").fill("连续 3 批无缺陷")
        form.locator("select[name$='-status']").select_option("effective")
        form.locator("[data-save-row]").click()
        expect(actions.nth(index)).to_have_attribute("data-action-status", "effective")


def d6_verify_effectiveness(page, *, done_at: str, check_due: str) -> None:
    """D6: the actions implemented and effective, the validation recorded."""
    actions_effective(page, done_at=done_at, check_due=check_due)
    fill(page, "d6", {"validation": "3 批 0 ppm"})
    complete(page, "d6")


def d8_request_closure(page, lessons_learned: str) -> None:
    """D8: the lessons learned; completing the step starts the closure approval."""
    fill(page, "d8", {"lessons_learned": lessons_learned})
    card(page, "d8").locator("[data-complete-step]").click()
    expect(card(page, "d8").locator("[data-closure-running]")).to_be_visible()
    expect(page.locator("[data-approval-panel] [data-approval-status=running]")).to_be_visible()
