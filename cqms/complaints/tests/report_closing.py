"""Complaints carried to the closed 8D through the real services: the answer accepted by the
customer's contact through the private link, the closure reviewed and approved with
signatures, our company's identity and a real photo on the report."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from cqms.approvals import flows
from cqms.approvals import selectors as approvals
from cqms.approvals import services as approval_services
from cqms.approvals.models import ApprovalNode, ApprovalRule
from cqms.approvals.signing import SignatureInput
from cqms.audit import services as audit
from cqms.complaints import answers, eightd, services
from cqms.complaints.models import Complaint, ReportSettings
from cqms.demo.files import demo_png
from cqms.organisation.models import Role

from . import eightd_factories as f
from .answering import contact, send

PASSWORD = "Correct-Horse-42"


def png(width=320, height=240, seed=0) -> bytes:
    return demo_png(width, height, seed=seed)


def company(*, logo: bool = True) -> ReportSettings:
    """Our company's name and logo on the report form."""
    form = ReportSettings.current()
    form.company_name = "苏州精密部件有限公司"
    form.company_name_en = "Suzhou Precision Parts Co., Ltd."
    if logo:
        form.logo.save("logo.png", io.BytesIO(png(200, 80, seed=5)), save=False)
    form.save()
    return form


def photo(complaint: Complaint, actor, *, description="划伤位置特写") -> None:
    """A photo of the defect, as the intake attaches it (no step: the defect, shown in D2)."""
    with audit.change_transaction():
        services.add_attachment(
            complaint,
            SimpleUploadedFile("defect.png", png()),
            actor=actor,
            description=description,
        )


def reviewed_then_approved() -> None:
    """The closure flow as a company configures it: the quality engineer's lead reviews (审核),
    then the quality manager approves (批准)."""
    with audit.change_transaction():
        flow = flows.flow_for(eightd.CLOSURE_KIND)
        approve = ApprovalNode.objects.get(flow=flow)
        approve.step = 2
        approve.save()
        review = ApprovalNode.objects.create(
            flow=flow,
            step=1,
            name="品质主管审核",
            signature_required=True,
            signature_meaning="reviewed",
        )
        ApprovalRule.objects.create(
            node=review,
            position=1,
            rule_type="role",
            role=Role.objects.get(code="department_head"),
        )
        flows.publish_revision(flow, actor=None, audited=False)


def signed(meaning: str) -> SignatureInput:
    return SignatureInput(
        password=PASSWORD, meaning=meaning, request=RequestFactory().post("/approvals/")
    )


def accepted_online(complaint: Complaint, sales, *, name="王经理"):
    """The answer sent, and accepted by the customer's contact through the private link."""
    answer = send(complaint, sales)
    who = contact(complaint.customer, sales, name=name, title="质量经理")
    token = answers.create_verdict_link(answer, contact=who, actor=sales)
    link = answers.link_for_token(token)
    answers.record_verdict(answer, accepted=True, link=link)
    complaint.refresh_from_db()
    answer.refresh_from_db()
    return answer


def close(complaint: Complaint, quality, *, reviewer, manager) -> Complaint:
    """D8 written, the closure requested, reviewed and approved with signatures."""
    f.save(complaint, "d8", {"lessons_learned": "夹具定位销纳入日点检"}, quality)
    eightd.request_closure(complaint, actor=quality)
    instance = approvals.latest_instance(complaint, eightd.CLOSURE_KIND)
    for person, meaning in ((reviewer, "reviewed"), (manager, "approved")):
        instance.refresh_from_db()
        task = approvals.pending_tasks(instance)[0]
        approval_services.approve(task, actor=person, signature=signed(meaning))
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    return complaint
