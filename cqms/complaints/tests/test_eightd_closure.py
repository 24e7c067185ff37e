"""D8 closure approved by the quality manager, the preventive-action waiver approved by the general
manager, and the quality investigation a major complaint needs — through the approval engine."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cqms.approvals import selectors as approvals
from cqms.approvals import services as approval_services
from cqms.approvals.models import Signature
from cqms.approvals.signing import SignatureInput
from cqms.clocks import services as clocks
from cqms.complaints import eightd
from cqms.complaints.models import EightDStep
from cqms.core.errors import BusinessRuleError

from . import eightd_factories as f
from .factories import register, repeated

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-Horse-42"


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def qm(make_user):
    return make_user("qm.wang", roles=["quality_manager"], department="quality")


@pytest.fixture
def gm(make_user):
    return make_user("gm.chen", roles=["general_manager"], department="gm_office")


def signed(meaning="approved"):
    return SignatureInput(
        password=PASSWORD, meaning=meaning, request=RequestFactory().post("/approvals/")
    )


def task_of(instance):
    return approvals.pending_tasks(instance)[0]


def ready_to_close(sales, customer, quality, member, **values):
    complaint = register(sales, customer, owner=quality, **values)
    f.through_d7(complaint, quality, member)
    f.accepted_by_customer(complaint, sales)
    f.save(complaint, "d8", {"lessons_learned": "夹具定位销纳入日点检"}, quality)
    return complaint


def test_closure_needs_the_customers_acceptance(sales, customer, quality, member, english):
    complaint = register(sales, customer, owner=quality)
    f.through_d7(complaint, quality, member)
    assert complaint.status == "actions_answered"
    f.save(complaint, "d8", {"lessons_learned": "教训"}, quality)
    with pytest.raises(eightd.StepIncomplete) as caught:
        eightd.request_closure(complaint, actor=quality)
    assert "has not accepted" in " ".join(caught.value.missing)


def test_the_quality_manager_approves_the_closure_with_a_signature_and_the_complaint_closes(
    sales, customer, quality, member, qm
):
    complaint = ready_to_close(sales, customer, quality, member)
    instance = eightd.complete_step(complaint, "d8", actor=quality)  # = request closure
    instance = approvals.latest_instance(complaint, eightd.CLOSURE_KIND)
    task = task_of(instance)
    assert task.assignee == qm
    # while the approval runs the 8D is frozen
    with pytest.raises(BusinessRuleError) as caught:
        f.save(complaint, "d8", {"recognition": "感谢"}, quality)
    assert caught.value.code == "closure_running"
    with pytest.raises(BusinessRuleError):
        approval_services.approve(task, actor=qm)  # a signature is required
    approval_services.approve(task, actor=qm, comment="同意结案", signature=signed())
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.closed_at is not None
    closure = clocks.get_clock(complaint, "closure")
    assert closure.done_at == complaint.closed_at
    d8 = EightDStep.objects.get(complaint=complaint, step="d8")
    assert (d8.status, d8.completed_by) == ("done", qm)
    signature = Signature.objects.get()
    assert (signature.signer, signature.kind) == (qm, eightd.CLOSURE_KIND)
    assert approvals.signature_rows(complaint)[0]["valid"]


def test_the_page_of_a_signed_closure_reads_nothing_twice(
    sales, customer, quality, member, qm, client
):
    complaint = ready_to_close(sales, customer, quality, member)
    eightd.complete_step(complaint, "d8", actor=quality)
    task = task_of(approvals.latest_instance(complaint, eightd.CLOSURE_KIND))
    approval_services.approve(task, actor=qm, signature=signed())
    client.force_login(quality)
    client.get(complaint.get_absolute_url())
    with CaptureQueriesContext(connection) as page:
        response = client.get(complaint.get_absolute_url())
    assert response.status_code == 200 and "data-signature" in response.content.decode()
    assert repeated(page) == []


def test_a_rejected_closure_leaves_the_8d_open_for_changes(sales, customer, quality, member, qm):
    complaint = ready_to_close(sales, customer, quality, member)
    instance = eightd.request_closure(complaint, actor=quality)
    approval_services.reject(
        task_of(instance), actor=qm, comment="教训写得不够", signature=signed()
    )
    complaint.refresh_from_db()
    assert complaint.status == "accepted"
    f.save(complaint, "d8", {"lessons_learned": "更具体的教训"}, quality)


def test_a_major_complaint_cannot_close_without_a_completed_investigation(
    sales, customer, quality, member, qm, english
):
    complaint = ready_to_close(sales, customer, quality, member, major=True)
    with pytest.raises(eightd.StepIncomplete) as caught:
        eightd.request_closure(complaint, actor=quality)
    assert "quality investigation" in " ".join(caught.value.missing)
    eightd.save_investigation(
        complaint, {"scope": "L2609–L2610 全部批次"}, actor=quality, expected_version=0
    )
    with pytest.raises(ValidationError) as caught:
        eightd.complete_investigation(complaint, actor=quality)
    assert set(caught.value.message_dict) == {"findings", "risk_to_other_customers", "improvement"}
    with pytest.raises(eightd.StepIncomplete):
        eightd.request_closure(complaint, actor=quality)
    eightd.save_investigation(
        complaint,
        {
            "findings": "定位销磨损超限",
            "risk_to_other_customers": "P-1002 客户 B 同样风险，已排查",
            "improvement": "定位销寿命管理",
        },
        actor=quality,
        expected_version=1,
    )
    investigation = eightd.complete_investigation(complaint, actor=quality)
    assert investigation.completed_by == quality
    with pytest.raises(BusinessRuleError):
        eightd.save_investigation(
            complaint, {"findings": "改"}, actor=quality, expected_version=investigation.version
        )
    instance = eightd.request_closure(complaint, actor=quality)
    approval_services.approve(task_of(instance), actor=qm, signature=signed())
    complaint.refresh_from_db()
    assert complaint.status == "closed"


def test_only_a_major_complaint_has_an_investigation(sales, customer, quality):
    complaint = register(sales, customer)
    with pytest.raises(BusinessRuleError) as caught:
        eightd.save_investigation(complaint, {"scope": "x"}, actor=quality, expected_version=0)
    assert caught.value.code == "not_major"


def test_the_preventive_action_is_waived_only_with_the_general_managers_signed_approval(
    sales, customer, quality, member, gm, english
):
    complaint = register(sales, customer, owner=quality)
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    eightd.complete_step(complaint, "d3", actor=quality)
    f.fill_d4(complaint, quality)
    eightd.complete_step(complaint, "d4", actor=quality)
    f.fill_d7(complaint, quality, preventive=False)
    with pytest.raises(eightd.StepIncomplete) as caught:
        eightd.complete_step(complaint, "d7", actor=quality)
    assert "general manager" in " ".join(caught.value.missing)
    with pytest.raises(ValidationError):
        eightd.request_preventive_waiver(complaint, "  ", actor=quality)
    with pytest.raises(PermissionDenied):
        eightd.request_preventive_waiver(complaint, "不经济", actor=sales)
    instance = eightd.request_preventive_waiver(
        complaint, "同类产品已停产，预防措施不经济", actor=quality
    )
    task = task_of(instance)
    assert task.assignee == gm
    with pytest.raises(eightd.StepIncomplete):  # asked, not yet approved
        eightd.complete_step(complaint, "d7", actor=quality)
    with pytest.raises(ValidationError):  # the general manager gives a reason
        approval_services.approve(task, actor=gm, signature=signed())
    approval_services.approve(task, actor=gm, comment="同意，产品停产", signature=signed())
    complaint.refresh_from_db()
    assert complaint.preventive_waived
    assert complaint.preventive_waiver_reason == "同类产品已停产，预防措施不经济"
    signature = Signature.objects.get()
    assert (signature.signer, signature.kind, signature.reason) == (
        gm,
        eightd.WAIVER_KIND,
        "同意，产品停产",
    )
    assert eightd.complete_step(complaint, "d7", actor=quality).status == "done"


def test_a_refused_waiver_clears_the_request(sales, customer, quality, gm):
    complaint = register(sales, customer, owner=quality)
    instance = eightd.request_preventive_waiver(complaint, "不经济", actor=quality)
    approval_services.reject(task_of(instance), actor=gm, comment="必须做", signature=signed())
    complaint.refresh_from_db()
    assert (complaint.preventive_waived, complaint.preventive_waiver_reason) == (False, "")


def test_closure_is_requested_from_the_d8_card_and_through_the_api(
    client, sales, customer, quality, member, qm
):
    from rest_framework.test import APIClient

    complaint = ready_to_close(sales, customer, quality, member)
    client.force_login(quality)
    complete = f"/complaints/{complaint.number}/8d/d8/complete/"
    response = client.post(complete, {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    html = client.get(complaint.get_absolute_url()).content.decode()
    assert "data-closure-running" in html and 'data-approval-status="running"' in html
    assert approvals.latest_instance(complaint, eightd.CLOSURE_KIND).status == "running"
    # the approval is withdrawn; the API asks again
    approval_services.withdraw(
        approvals.latest_instance(complaint, eightd.CLOSURE_KIND), actor=quality, reason="补充"
    )
    api = APIClient()
    api.force_authenticate(quality)
    response = api.post(f"/api/v1/complaints/{complaint.number}/steps/d8/complete/")
    assert response.status_code == 202 and response.json()["status"] == "in_progress"


def test_my_work_lists_the_open_actions_i_own(sales, customer, quality, member, client):
    complaint = register(sales, customer, owner=quality)
    eightd.add_row(
        complaint,
        "preventive",
        {"description": "点检表增加定位销", "owner": member, "due_date": "2026-10-30"},
        actor=quality,
    )
    section = eightd.my_actions(member)
    assert section.total == 1 and complaint.number in section.items[0].title
    assert eightd.my_actions(quality) is None
    client.force_login(member)
    assert "点检表增加定位销" in client.get("/").content.decode()
