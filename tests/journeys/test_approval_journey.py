"""A quality manager approves with an electronic signature on a phone."""

import pytest
from playwright.sync_api import expect

from cqms.approvals import registry, services
from cqms.approvals.models import ApprovalInstance, Signature
from cqms.approvals.registry import Approver, NodeSpec
from cqms.approvals.tests import kinds
from cqms.customers.tests.factories import make_customer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_review():
    kinds.register(
        [
            NodeSpec(
                "Quality manager",
                [Approver.role("quality_manager")],
                signature=True,
                meaning="approved",
                time_limit_hours=8,
            )
        ]
    )
    yield kinds.KIND
    registry.unregister(kinds.KIND)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_approve_with_a_signature_on_a_phone(phone, live_server, make_user, signed_review):
    requester = make_user("chen.jing", roles=["sales_manager"], department="customer_service")
    make_user(
        "wu.qiang", roles=["quality_manager"], department="quality", first_name="强", last_name="吴"
    )
    customer = make_customer(requester, "APPR1", owner=requester)
    instance = services.start(signed_review, customer, actor=requester)
    task = instance.tasks.get()

    log_in(phone, live_server.url, "wu.qiang")
    phone.click("button[data-bs-target='#cqms-sidebar']")
    phone.click("#cqms-sidebar a[href='/approvals/']")
    expect(phone.locator("[data-count=todo]")).to_have_text("1")
    assert fits_the_screen(phone)

    phone.click(f"[data-task='{task.pk}']")
    expect(phone.locator("#approve-button")).to_be_visible()
    assert fits_the_screen(phone)
    phone.fill("#id_decide-comment", "8D 报告完整，同意关闭。")
    phone.fill("#id_decide-username", "wu.qiang")
    phone.fill("#id_decide-password", "Correct-Horse-42")
    phone.click("label[for='id_decide-meaning_0']")  # approved
    phone.click("#approve-button")

    expect(phone.locator("[data-tab=done][aria-current=page]")).to_be_visible()
    expect(phone.locator(f"[data-task='{task.pk}']")).to_be_visible()
    assert ApprovalInstance.objects.get(pk=instance.pk).status == "approved"
    signature = Signature.objects.get()
    assert (signature.signer.username, signature.meaning) == ("wu.qiang", "approved")

    phone.click(f"[data-task='{task.pk}']")
    phone.click(f"a[href='/approvals/{instance.pk}/']")
    shown = phone.locator(f"[data-signature='{signature.pk}']")
    expect(shown).to_have_attribute("data-signature-state", "valid")
    expect(shown).to_contain_text("吴强")
    expect(shown).to_contain_text("8D 报告完整，同意关闭。")
    expect(phone.locator("#approval-status")).to_have_attribute("data-approval-status", "approved")
    assert fits_the_screen(phone)
