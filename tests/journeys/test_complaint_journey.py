"""The whole life of a customer complaint in Chinese, the acceptance journey of the complaint
module: Sales registers it on the page, Quality works D0 to D7 (containment grid included),
Sales sends the answer and downloads the 8D as PDF and Excel, the customer's contact rejects it
through the private link, the case continues as <number>-1 with fresh clocks, the second answer
is accepted through the link, the quality manager signs the closure, and the register shows both
closed with reopen count 1."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from cqms.approvals.models import Signature
from cqms.complaints import eightd
from cqms.complaints.models import Action, Answer, Complaint, EightDStep
from cqms.complaints.tests.answering import contact
from cqms.complaints.tests.test_reports import has, pdf_text
from cqms.customers.tests.factories import make_customer

from .conftest import SLOW_TIMEOUT_MS, log_in, new_page
from .eightd_steps import (
    D0_TO_D7,
    DEFECT,
    PHOTO,
    acknowledge,
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
    pick_user,
    shot,
    status_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REJECTION = "根本原因验证数据不足，请补充复现试验记录"
REOPEN_CLOCKS = {"acknowledgement", "corrective_action", "closure"}


def as_user(browser, base_url: str, username: str):
    page = new_page(browser)
    log_in(page, base_url, username)
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()
    return page


def local(moment: dt.datetime) -> str:
    """A datetime-local input's value in the server's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def shown(moment: dt.datetime) -> str:
    """A time as the Chinese pages show it (SHORT_DATETIME_FORMAT)."""
    with translation.override("zh-hans"):
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


# --- Sales: the register's create page ---------------------------------------------------------


@contextlib.contextmanager
def recurrence_checked(page):
    """The customer, the part and the defect category ask the server for earlier similar
    complaints as they change (htmx); the next field is filled once the answer is shown."""
    with page.expect_response(lambda response: "/complaints/new/recurrence/" in response.url):
        yield
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def register_on_the_page(page, base_url: str, *, received: dt.datetime, contact_pk: int) -> str:
    page.goto(f"{base_url}/complaints/")
    page.get_by_role("link", name="登记客户抱怨").click()
    expect(page.get_by_role("heading", name="登记客户抱怨")).to_be_visible()
    expect(page.locator("#id_contact option")).to_have_count(1)  # only "---------"
    with recurrence_checked(page):
        pick_user(page, page.locator("#div_id_customer"), "华东汽车")
    # the contact list follows the customer (htmx redraws it)
    expect(page.locator(f"#id_contact option[value='{contact_pk}']")).to_have_count(1)
    page.select_option("#id_contact", str(contact_pk))
    page.fill("#id_customer_reference", "HD-QN-2611-07")
    page.fill("#id_received_at", local(received))
    with recurrence_checked(page):
        page.fill("#id_part_number", "P-1001")
        page.press("#id_part_number", "Tab")
    page.fill("#id_part_name", "外壳")
    page.fill("#id_lot_number", "L2609")
    page.fill("#id_quantity_delivered", "2000")
    page.fill("#id_quantity_affected", "120")
    with recurrence_checked(page):
        page.select_option("#id_defect_category", label="外观")
    # a first complaint of this customer about this part and defect
    expect(page.locator("#recurrence [data-recurrence]")).to_have_attribute(
        "data-recurrence", "none"
    )
    page.fill("#id_defect_description", DEFECT)
    pick_user(page, page.locator("#div_id_owner"), "qe.zhao")
    # a photo at registration is D2's evidence
    page.set_input_files("#id_attachments", files=[PHOTO])
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("h1 [data-status]")).to_be_visible()
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.locator(".alert-success")).to_contain_text(f"客户抱怨 {number} 已登记")
    expect(page.locator("h1")).to_contain_text(number)
    status_of(page, "registered")
    expect(page.locator("#clocks [data-clock]")).to_have_count(4)
    return number


# --- Quality: the first round of the 8D on the page --------------------------------------------


def first_round(page, received: dt.datetime) -> None:
    """D0 to D7 on the page, in the order the procedure asks (D6 after D7)."""
    acknowledge(page)
    d0_emergency_response(page)
    d1_team(page)
    d2_describe_problem(page)
    expect(card(page, "d2")).to_contain_text(PHOTO["name"])  # the photo of the registration
    complete(page, "d2")
    d3_contain(
        page,
        done_at=local(received + dt.timedelta(hours=6)),
        informed_at=local(received + dt.timedelta(hours=7)),
    )
    expect(page.locator("#clocks [data-clock=containment]")).to_contain_text("完成")
    d4_root_causes(page)
    # Due yesterday: an action is verified effective only from its check date (not before its due).
    due = (received + dt.timedelta(days=2)).date().isoformat()
    d5_corrective_actions(page, due=due)
    d7_prevent_recurrence(page, due=due)
    d6_verify_effectiveness(page, done_at=local(received + dt.timedelta(days=1)), check_due=due)


# --- Sales: the answer, its downloads, the private link ----------------------------------------


def send_answer(page, base_url: str, number: str, version: int) -> None:
    page.goto(f"{base_url}/complaints/{number}/")
    status_of(page, "actions_answered")
    page.locator("#send-answer-form button[type=submit]").click()
    status_of(page, "answered")
    expect(page.locator(f"[data-answer-version='{version}']")).to_have_attribute(
        "data-verdict", "pending"
    )


def download(page, link) -> tuple[str, bytes]:
    with page.expect_download(timeout=SLOW_TIMEOUT_MS) as started:
        link.click(modifiers=["Alt"])  # Alt-click saves the link's target instead of opening it
    done = started.value
    return done.suggested_filename, Path(done.path()).read_bytes()


def create_link(page, number: str, version: int) -> str:
    page.locator("#verdict-link-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text(f"{number} 第 {version} 版的专属链接")
    url = page.locator("[data-verdict-link]").input_value()
    page.get_by_role("link", name="返回客户抱怨").click()
    return url


def verdict_through_the_link(browser, url: str, number: str, version: int, *, reason=""):
    """The contact opens the private link (no account), reads the answer, gives the verdict."""
    customer = new_page(browser)  # no account
    customer.goto(url)
    expect(customer).to_have_url(re.compile(r"/complaints/verdict/$"))  # the token left the address
    expect(customer.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(customer.locator(f"[data-answer-version='{version}']")).to_contain_text(number)
    expect(customer.locator(".cqms-report")).to_contain_text(DEFECT)
    if reason:
        customer.check("input[name=verdict][value=reject]")
        customer.fill("textarea[name=reason]", reason)
    else:
        customer.check("input[name=verdict][value=accept]")
    customer.locator("#verdict-form button[type=submit]").click()
    outcome = "rejected" if reason else "accepted"
    expect(customer.locator(f"[data-verdict-done={outcome}]")).to_contain_text(number)
    customer.goto(url)  # a private link works once
    expect(customer.locator("[data-verdict-page='410']")).to_be_visible()
    customer.context.close()


# --- The reopening's second round, through the services its pages call ------------------------


def second_round(reopened: Complaint, engineer) -> None:
    """D4 to D7 of <number>-1 again (the first round proved every field on the page): the
    rejected verification is completed, the carried-over actions implemented and checked."""
    cause = reopened.root_causes.get(kind="occurrence")
    eightd.update_row(
        cause,
        {"verification": "补充复现试验：旧定位销 50 件划伤 4 件，新定位销 50 件无划伤"},
        actor=engineer,
        expected_version=cause.version,
    )
    for step in ("d4", "d5", "d7"):
        eightd.complete_step(reopened, step, actor=engineer)
    stored = EightDStep.objects.get(complaint=reopened, step="d6")
    eightd.save_step(
        reopened,
        "d6",
        {"validation": "复现试验后 5 批 0 ppm"},
        actor=engineer,
        expected_version=stored.version,
    )
    for action in reopened.actions.filter(kind=Action.Kind.CORRECTIVE):
        eightd.update_row(
            action,
            {
                "done_at": timezone.now(),
                "evidence": "作业指导书 C 版，复现试验记录",
                "effectiveness_due": action.due_date,
                "effectiveness_result": "连续 5 批无缺陷",
                "status": Action.Status.EFFECTIVE,
            },
            actor=engineer,
            expected_version=action.version,
        )
    eightd.complete_step(reopened, "d6", actor=engineer)


# --- The journey --------------------------------------------------------------------------------


def test_a_complaint_from_registration_through_a_rejection_to_its_closure(
    browser, live_server, make_user
):
    base = live_server.url
    sales = make_user(
        "sales.li", roles=["salesperson"], department="sales", first_name="明", last_name="周"
    )
    engineer = make_user(
        "qe.zhao", roles=["quality_engineer"], department="quality", first_name="工", last_name="赵"
    )
    make_user(
        "qm.wang", roles=["quality_manager"], department="quality", first_name="静", last_name="王"
    )
    customer = make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")
    manager_wang = contact(customer, sales, name="王经理")
    received = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(days=3)

    # 1. Sales registers the complaint on the register's create page
    desk = as_user(browser, base, "sales.li")
    number = register_on_the_page(desk, base, received=received, contact_pk=manager_wang.pk)
    complaint = Complaint.objects.get(number=number)
    assert complaint.owner == engineer and complaint.attachments.count() == 1
    assert complaint.received_at == received

    # 2. Quality works D0 to D7 on the page
    quality = as_user(browser, base, "qe.zhao")
    quality.goto(f"{base}/complaints/{number}/")
    expect(quality.locator("html")).to_have_attribute("lang", "zh-hans")
    first_round(quality, received)
    shot(quality, "complaint-first-round")
    assert done_steps(complaint) == set(D0_TO_D7)

    # 3. Sales sends the answer (version 1) and downloads it as PDF and Excel
    send_answer(desk, base, number, 1)
    row = desk.locator("[data-answer-version='1']")
    name, content = download(desk, row.get_by_role("link", name="PDF"))
    assert name == f"8D-{number}-v1.pdf"
    text = pdf_text(content)
    assert number in text and has(text, DEFECT)
    assert has(text, "夹具定位销磨损")  # D4, in Chinese glyphs
    name, content = download(desk, row.get_by_role("link", name="Excel"))
    assert name == f"8D-{number}-v1.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [str(c) for line in sheet.iter_rows(values_only=True) for c in line if c]
    assert f"{number} v1" in cells and DEFECT in cells
    assert any("终检只看 B 面" in c for c in cells) and any("100% 目检" in c for c in cells)

    # 4. The customer's contact rejects version 1 through the private link
    url = create_link(desk, number, 1)
    verdict_through_the_link(browser, url, number, 1, reason=REJECTION)
    rejected = Answer.objects.get(complaint=complaint, version_number=1)
    assert rejected.verdict == "rejected" and rejected.verdict_contact == manager_wang

    # 5. The case continues as <number>-1, with clocks from the rejection
    desk.reload()
    status_of(desk, "reopened")
    expect(desk.locator("[data-answer-version='1']")).to_contain_text(REJECTION)
    desk.get_by_role("link", name=f"{number}-1", exact=True).click()
    status_of(desk, "registered")
    expect(desk.locator("h1")).to_contain_text(f"{number}-1")
    reopened = Complaint.objects.get(number=f"{number}-1")
    assert reopened.parent == complaint and reopened.received_at == rejected.verdict_at
    clocks = {c.name: c for c in reopened.clocks.all()}
    first = {c.name: c for c in complaint.clocks.all()}
    assert set(clocks) == REOPEN_CLOCKS  # the containment was not rejected
    expect(desk.locator("#clocks [data-clock]")).to_have_count(3)
    for name, clock in clocks.items():
        assert clock.started_at == rejected.verdict_at and clock.done_at is None
        assert clock.due_at > rejected.verdict_at and clock.due_at > first[name].due_at
        expect(desk.locator(f"#clocks [data-clock={name}]")).to_contain_text(shown(clock.due_at))
    for step in D0_TO_D7:
        status = "done" if step <= "d3" else "in_progress"  # D4–D7 are worked again
        expect(card(desk, step)).to_have_attribute("data-step-status", status)
        expect(card(desk, step).locator("[data-carried-over]")).to_have_text(f"由 {number} 转入")

    # 6. Quality acknowledges <number>-1 on the page and works D4 to D7 again
    quality.goto(f"{base}/complaints/{number}-1/")
    quality.locator("form[action$='/acknowledge/'] button").click()
    status_of(quality, "acknowledged")
    second_round(reopened, engineer)

    # 7. Sales sends version 2; the contact accepts it through a new private link
    send_answer(desk, base, f"{number}-1", 2)
    url = create_link(desk, f"{number}-1", 2)
    verdict_through_the_link(browser, url, f"{number}-1", 2)
    desk.reload()
    status_of(desk, "accepted")
    expect(desk.locator("[data-answer-version='2']")).to_have_attribute("data-verdict", "accepted")

    # 8. Quality asks for the closure (D8) ...
    quality.reload()
    d8_request_closure(quality, "夹具易损件必须有寿命管理；外观检验覆盖所有面")

    # ... and the quality manager signs it with the password
    manager = as_user(browser, base, "qm.wang")
    manager.goto(f"{base}/complaints/{number}-1/")
    manager.locator("[data-approval-panel] a.btn", has_text="审批").click()  # "Decide"
    expect(manager.locator("#approve-button")).to_be_visible()
    manager.fill("#id_decide-comment", "8D 报告完整，客户已接受，同意结案。")
    manager.fill("#id_decide-username", "qm.wang")
    manager.fill("#id_decide-password", "Correct-Horse-42")
    manager.click("#approve-button")
    expect(manager.locator("[data-tab=done][aria-current=page]")).to_be_visible()
    manager.goto(f"{base}/complaints/{number}-1/")
    status_of(manager, "closed")
    expect(card(manager, "d8")).to_have_attribute("data-step-status", "done")
    expect(manager.locator("#clocks [data-clock=closure]")).to_contain_text("完成")
    signature = Signature.objects.get()
    assert (signature.signer.username, signature.meaning) == ("qm.wang", "approved")
    shown_signature = manager.locator(f"[data-approval-panel] [data-signature='{signature.pk}']")
    expect(shown_signature).to_have_attribute("data-signature-state", "valid")
    expect(shown_signature).to_contain_text("王静")

    # 9. The register shows both closed, each with reopen count 1
    desk.goto(f"{base}/complaints/?q={number}")
    rows = desk.locator("#list-results tbody tr")
    expect(rows).to_have_count(2)
    for shown_number in (number, f"{number}-1"):
        row = rows.filter(has=desk.get_by_role("link", name=shown_number, exact=True))
        expect(row.locator("td").nth(7)).to_have_text("已结案")
        expect(row.locator("td").last).to_have_text("1")
        expect(row.locator("[data-clock]")).not_to_have_count(0)
        expect(row.locator("[data-state=running], [data-state=overdue]")).to_have_count(0)
    shot(desk, "complaint-register-closed")
    for closed in Complaint.objects.filter(root_number=number):
        assert closed.status == "closed" and closed.closed_at is not None
        assert closed.reopen_count == 1
