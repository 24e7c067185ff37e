"""Demo complaints: twelve cases across the demo customers, received over the last fourteen
months, in every state of procedure 001 — just registered, overdue, contained, in analysis,
answered and waiting for the customer, rejected and reopened, waiting for the closure approval,
waiting for the general manager's waiver, closed.

Every step goes through the services the pages call (`complaints.services`, `eightd`, `answers`,
`approvals.services`), so the audit trail, the clocks and the notifications are exactly what
people working through the pages would have left. The services stamp acknowledgements, completed
steps and closures with the present moment; where a service takes the moment (the answer's
sending time, a verdict recorded by staff) the demo gives a plausible one in the past.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.utils import timezone

from cqms.approvals import selectors as approval_selectors
from cqms.approvals import services as approvals
from cqms.approvals.signing import SignatureInput, SignatureRefused
from cqms.complaints import answers, eightd, services
from cqms.complaints.models import Answer, Complaint, DefectCategory, EightDStep
from cqms.notifications.services import absolute_url
from cqms.workdays import calendar

from . import defects
from .defects import Defect
from .files import demo_pdf, demo_png


@dataclass
class Demo:
    """What the scenarios share: the people, the customers (by short name), the moment."""

    users: dict
    customers: dict
    password: str
    now: dt.datetime = field(default_factory=timezone.now)
    rng: random.Random = field(default_factory=lambda: random.Random(2026))  # noqa: S311
    verdict_links: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def user(self, username: str):
        return self.users[username]


def create_complaints(users: dict, customers: dict, *, password: str) -> Demo:
    """Register and work the demo complaints, oldest first (their numbers follow that order)."""
    demo = Demo(users=users, customers=customers, password=password)
    for received_at, scenario in sorted(_schedule(demo), key=lambda item: item[0]):
        scenario(demo, received_at)
    return demo


def _schedule(demo: Demo) -> list[tuple[dt.datetime, Callable[[Demo, dt.datetime], None]]]:
    """When each complaint came in, and what has become of it since."""
    return [
        (_days_ago(demo, 410, 9, 20), closed_rusted_shafts),
        (_days_ago(demo, 215, 10, 5), closed_scratch),
        (_days_ago(demo, 95, 15, 40), major_buzzer_in_investigation),
        (_days_ago(demo, 40, 11, 0), rejected_bore_reopened),
        (_days_ago(demo, 33, 14, 30), repeat_scratch_in_analysis),
        (_days_ago(demo, 27, 9, 45), plating_waiting_for_waiver),
        (_days_ago(demo, 25, 16, 10), label_waiting_for_closure),
        (_days_ago(demo, 14, 8, 50), connector_waiting_for_verdict),
        (_days_ago(demo, 9, 13, 15), flange_in_corrective_actions),
        (_days_ago(demo, 2, 16, 40), carton_containment_overdue),
        (_hours_ago(demo, 5), urgent_can_contained),
        (_hours_ago(demo, 1.5), label_just_registered),
    ]


# --- Moments -----------------------------------------------------------------------------------


def _days_ago(demo: Demo, days: int, hour: int, minute: int) -> dt.datetime:
    """A working day about `days` ago at hh:mm (company time zone); never in the future."""
    company = timezone.get_default_timezone()
    day = timezone.localdate(demo.now, company) - dt.timedelta(days=days)
    while days > 3 and not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=company)
    return min(moment, demo.now - dt.timedelta(hours=1))


def _hours_ago(demo: Demo, hours: float) -> dt.datetime:
    return (demo.now - dt.timedelta(hours=hours)).replace(second=0, microsecond=0)


def _after(demo: Demo, complaint: Complaint, *, hours: float = 0, days: int = 0) -> dt.datetime:
    """A moment `days` working days and `hours` working hours after the complaint came in
    (what the team wrote down as the time of a deed), never later than now."""
    moment = complaint.received_at
    if days:
        moment = calendar.add_working_days(moment, days)
    if hours:
        moment = calendar.add_working_hours(moment, hours)
    return min(moment, demo.now - dt.timedelta(minutes=5))


# --- Registering -------------------------------------------------------------------------------


def _register(
    demo: Demo,
    customer: str,
    defect: Defect,
    received_at: dt.datetime,
    *,
    by: str,
    owner: str = "qe",
    reference: str = "",
    photo: bool = False,
    **values,
) -> Complaint:
    customer_obj = demo.customers[customer]
    upload = []
    if photo:
        name = f"{defect.part_number}-customer-photo.png"
        upload = [ContentFile(demo_png(seed=len(name)), name=name)]
    complaint = services.register_complaint(
        {
            "customer": customer_obj,
            "contact": customer_obj.contacts.filter(is_primary=True).first(),
            "customer_reference": reference,
            "received_at": received_at,
            "complaint_type": defect.complaint_type,
            "part_number": defect.part_number,
            "part_name": defect.part_name,
            "customer_part_number": defect.customer_part_number,
            "lot_number": f"L{received_at:%y%m}-{demo.rng.randint(1, 9):02d}",
            "quantity_delivered": defect.delivered,
            "quantity_affected": defect.affected,
            "defect_description": defect.description,
            "defect_category": DefectCategory.objects.get(code=defect.category),
            "owner": demo.user(owner),
            **values,
        },
        actor=demo.user(by),
        attachments=upload,
    )
    complaint.refresh_from_db()
    return complaint


# --- The 8D, step by step ----------------------------------------------------------------------


def _save(complaint: Complaint, step: str, values: dict, actor) -> None:
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    eightd.save_step(
        complaint, step, values, actor=actor, expected_version=stored.version if stored else 0
    )


def emergency_response(demo: Demo, complaint: Complaint, defect: Defect) -> None:
    """Receipt acknowledged to the customer, then D0: the symptom and the immediate actions."""
    owner = complaint.owner
    services.acknowledge(complaint, actor=owner)
    _save(
        complaint,
        "d0",
        {
            "symptom": defect.symptom,
            "emergency_actions": defect.emergency,
            "emergency_at": _after(demo, complaint, hours=1),
            "full_8d": "yes",
        },
        owner,
    )
    eightd.complete_step(complaint, "d0", actor=owner)


def team(demo: Demo, complaint: Complaint) -> None:
    """D1: the owner leads, production and engineering take part."""
    owner = complaint.owner
    for user, role, department in (
        (owner, "leader", "品质部"),
        (demo.user("staff"), "member", "生产部"),
        (demo.user("head"), "member", "技术部"),
    ):
        eightd.add_row(
            complaint, "team", {"user": user, "role": role, "department": department}, actor=owner
        )
    eightd.complete_step(complaint, "d1", actor=owner)


def problem_description(demo: Demo, complaint: Complaint, defect: Defect) -> None:
    """D2: 5W2H, the problem statement and a photo of the defect."""
    owner = complaint.owner
    _save(complaint, "d2", {"who": str(complaint.contact or ""), **defect.problem}, owner)
    photo = ContentFile(demo_png(seed=complaint.pk), name=f"{complaint.part_number}-defect.png")
    eightd.add_step_attachment(complaint, "d2", photo, actor=owner, description="不良品照片")
    eightd.complete_step(complaint, "d2", actor=owner)


def containment(demo: Demo, complaint: Complaint, defect: Defect) -> None:
    """D3: the clean point and the six places where suspect parts may be."""
    owner = complaint.owner
    _save(
        complaint,
        "d3",
        {
            "clean_point": defect.clean_point,
            "customer_informed_at": _after(demo, complaint, hours=4),
            "replacement": f"补发 {defect.affected} 件全检合格品",
        },
        owner,
    )
    entries = [
        (row, _containment_values(demo, complaint, defect, row.location), row.version)
        for row in complaint.containment.all()
    ]
    eightd.save_grid(complaint, "containment", entries, actor=owner)
    eightd.complete_step(complaint, "d3", actor=owner)


def _containment_values(demo: Demo, complaint: Complaint, defect: Defect, location: str) -> dict:
    overseas = complaint.customer.country != "中国"
    if location == "external_warehouse" or (location == "in_transit" and not overseas):
        note = "未使用外租仓库" if location == "external_warehouse" else "无在途货物"
        return {"result": "not_applicable", "note": note}
    checked = {
        "finished_stock": defect.delivered // 2,
        "wip": defect.delivered // 5,
        "in_transit": defect.delivered // 4,
        "customer_stock": defect.delivered // 3,
        "customer_line": max(defect.affected * 4, 20),
    }[location]
    rejected = 0 if location == "wip" else min(checked, demo.rng.randint(0, defect.affected // 3))
    who = demo.user("staff") if location in ("finished_stock", "wip") else complaint.owner
    method = {"customer_stock": "驻厂挑选：", "in_transit": "到港后开箱挑选："}.get(location, "")
    return {
        "method": method + defect.sorting,
        "responsible": who,
        "done_at": _after(demo, complaint, hours=3),
        "quantity_checked": checked,
        "quantity_rejected": rejected,
        "result": "sorted" if rejected else "clean",
    }


def root_causes(
    demo: Demo, complaint: Complaint, defect: Defect, *, complete=True, earlier_failure: str = ""
) -> None:
    """D4: a verified occurrence and non-detection cause, each with its 5-Why chain; a repeat
    says why the earlier action did not prevent it."""
    owner = complaint.owner
    if earlier_failure:
        _save(complaint, "d4", {"earlier_action_failure": earlier_failure}, owner)
    for cause in defect.causes:
        eightd.add_row(
            complaint,
            "root_cause",
            {
                "kind": cause.kind,
                "category": cause.category,
                "description": cause.description,
                "why_chain": list(cause.whys),
                "verification": cause.verification,
                "verified": True,
            },
            actor=owner,
        )
    if complete:
        eightd.complete_step(complaint, "d4", actor=owner)


def corrective_actions(demo: Demo, complaint: Complaint, defect: Defect, *, complete=True) -> None:
    """D5: one permanent corrective action per verified cause, with owner, due date and how it
    will be verified."""
    owner = complaint.owner
    causes = {cause.description: cause for cause in defect.causes}
    for row in complaint.root_causes.all():
        cause = causes[row.description]
        eightd.add_row(
            complaint,
            "corrective",
            {
                "root_cause": row,
                "description": cause.action,
                "owner": demo.user(cause.action_owner),
                "due_date": _after(demo, complaint, days=10).date()
                if complete
                else calendar.add_working_days(demo.now, 8).date(),
                "verification_plan": cause.action_check,
            },
            actor=owner,
        )
    _save(complaint, "d5", {"notes": "针对每个已验证的根本原因选择永久措施"}, owner)
    if complete:
        eightd.complete_step(complaint, "d5", actor=owner)


def prevention(demo: Demo, complaint: Complaint, defect: Defect, *, complete=True) -> None:
    """D7: the four documents, the horizontal deployment and a preventive action."""
    owner = complaint.owner
    eightd.start_step(complaint, "d7", actor=owner)
    revisions = defect.documents or {}
    entries = []
    for row in complaint.documents.all():
        if row.document in revisions:
            values = {"affected": True, "new_revision": revisions[row.document]}
        else:
            values = {"affected": False, "not_affected_reason": "本问题不涉及该文件的内容"}
        entries.append((row, values, row.version))
    eightd.save_grid(complaint, "document", entries, actor=owner)
    if defect.deployment:
        target, action = defect.deployment
        eightd.add_row(
            complaint,
            "deployment",
            {
                "target": target,
                "action": action,
                "owner": demo.user("head"),
                "due_date": _after(demo, complaint, days=15).date(),
            },
            actor=owner,
        )
    else:
        _save(complaint, "d7", {"no_deployment_reason": defect.no_deployment}, owner)
    if defect.preventive:
        eightd.add_row(
            complaint,
            "preventive",
            {
                "description": defect.preventive,
                "owner": owner,
                "due_date": _after(demo, complaint, days=20).date(),
                "verification_plan": "下一个新项目评审时检查执行情况",
            },
            actor=owner,
        )
    if complete:
        eightd.complete_step(complaint, "d7", actor=owner)


def implementation(demo: Demo, complaint: Complaint, defect: Defect) -> None:
    """D6: every corrective action implemented and found effective, the validation written."""
    owner = complaint.owner
    for action in complaint.actions.filter(kind="corrective"):
        eightd.update_row(
            action,
            {
                "done_at": _after(demo, complaint, days=8),
                "evidence": "作业指导书、点检表已更新，培训记录见附件",
                "effectiveness_due": _after(demo, complaint, days=15).date(),
                "effectiveness_result": action.verification_plan + "：已达成",
                "status": "effective",
            },
            actor=owner,
            expected_version=action.version,
        )
    _save(complaint, "d6", {"validation": defect.validation}, owner)
    report = ContentFile(demo_pdf(f"{complaint.number} validation report"), name="validation.pdf")
    eightd.add_step_attachment(complaint, "d6", report, actor=owner, description="验证报告")
    eightd.complete_step(complaint, "d6", actor=owner)


def through_d7(demo: Demo, complaint: Complaint, defect: Defect) -> Complaint:
    """D0–D5 and D7 done: the actions are answered, the answer may be sent."""
    emergency_response(demo, complaint, defect)
    team(demo, complaint)
    problem_description(demo, complaint, defect)
    containment(demo, complaint, defect)
    root_causes(demo, complaint, defect)
    corrective_actions(demo, complaint, defect)
    prevention(demo, complaint, defect)
    complaint.refresh_from_db()
    return complaint


# --- The answer, the verdict, the closure ------------------------------------------------------


def send_answer(demo: Demo, complaint: Complaint, *, by: str, working_days: int) -> Answer:
    """Sales send the 8D answer, `working_days` after the complaint came in (in time for the
    corrective-action clock)."""
    return answers.send_answer(
        complaint,
        via="email",
        actor=demo.user(by),
        contact=complaint.contact,
        sent_at=_after(demo, complaint, days=working_days),
    )


def verdict_link(demo: Demo, answer: Answer, *, by: str) -> str:
    """A private link for the customer's contact; returns the token."""
    return answers.create_verdict_link(
        answer, contact=answer.complaint.contact, actor=demo.user(by)
    )


def verdict_by_link(answer: Answer, token: str, *, accepted: bool, reason: str = "") -> Complaint:
    """The customer's contact gives the verdict through the private link (no account)."""
    return answers.record_verdict(
        answer, accepted=accepted, reason=reason, link=answers.link_for_token(token)
    )


def accepted_by_phone(demo: Demo, answer: Answer, *, by: str, days_later: int) -> None:
    """Sales record the customer's acceptance, given some days after the answer was sent."""
    answers.record_verdict(
        answer,
        accepted=True,
        actor=demo.user(by),
        contact=answer.complaint.contact,
        at=min(calendar.add_working_days(answer.sent_at, days_later), demo.now),
    )


def request_closure(demo: Demo, complaint: Complaint, defect: Defect):
    """D8: the lessons learned, then the quality manager's closure approval is requested."""
    owner = complaint.owner
    _save(
        complaint,
        "d8",
        {"lessons_learned": defect.lessons, "recognition": "感谢生产部、技术部的支持"},
        owner,
    )
    return eightd.request_closure(complaint, actor=owner)


def approve_closure(demo: Demo, instance) -> None:
    """The quality manager signs the closure with the demo password, as on the task page."""
    task = approval_selectors.pending_tasks(instance)[0]
    signature = SignatureInput(password=demo.password, meaning="approved", request=_request())
    try:
        approvals.approve(
            task,
            actor=demo.user("qm"),
            comment="8D 完整，客户已接受，同意结案",
            signature=signature,
        )
    except SignatureRefused:
        demo.notes.append(
            f"{instance.title}: the quality manager's password is not the demo password, so the "
            "closure waits in My approvals."
        )


def _request() -> HttpRequest:
    """The request a signature is checked with (the lockout counts per name and address)."""
    request = HttpRequest()
    request.method = "POST"
    request.path = "/approvals/"
    request.META = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "manage.py demo"}
    return request


def closed(demo: Demo, complaint: Complaint, defect: Defect, *, by: str) -> Complaint:
    """The whole case: 8D, answer sent in time, accepted, D6 verified, closure approved."""
    through_d7(demo, complaint, defect)
    answer = send_answer(demo, complaint, by=by, working_days=2)
    accepted_by_phone(demo, answer, by=by, days_later=5)
    complaint.refresh_from_db()
    implementation(demo, complaint, defect)
    approve_closure(demo, request_closure(demo, complaint, defect))
    complaint.refresh_from_db()
    return complaint


# --- The twelve complaints, oldest first -------------------------------------------------------


def closed_rusted_shafts(demo: Demo, received_at) -> None:
    """Nordic Drive, sea freight packaging: closed with the customer's acceptance."""
    complaint = _register(
        demo,
        "Nordic Drive",
        defects.RUSTED_SHAFTS,
        received_at,
        by="sm",
        reference="NCR-2025-1183",
        detection_point="incoming",
        goods_returned=True,
    )
    closed(demo, complaint, defects.RUSTED_SHAFTS, by="sm")


def closed_scratch(demo: Demo, received_at) -> None:
    """华东汽车, scratched housings: closed with the customer's acceptance."""
    complaint = _register(
        demo, "华东汽车", defects.SCRATCH, received_at, by="sales", reference="HDQ-26-0412"
    )
    closed(demo, complaint, defects.SCRATCH, by="sales")


def major_buzzer_in_investigation(demo: Demo, received_at) -> None:
    """海晨医疗, silent alarm: a major, safety-relevant complaint under quality investigation."""
    defect = defects.BUZZER_SILENT
    complaint = _register(
        demo,
        "海晨医疗",
        defect,
        received_at,
        by="sales",
        owner="qm",
        reference="HCM-CAPA-0093",
        safety_regulatory=True,
        detection_point="end_customer",
        photo=True,
    )
    emergency_response(demo, complaint, defect)
    team(demo, complaint)
    problem_description(demo, complaint, defect)
    containment(demo, complaint, defect)
    root_causes(demo, complaint, defect)
    corrective_actions(demo, complaint, defect, complete=False)
    eightd.save_investigation(
        complaint,
        {
            "scope": "8 月以来生产的 HC-ALM-0501 全部 12 批（4 800 件）；"
            "同一蜂鸣器也用于 HC-ALM-0502",
            "findings": "4 批使用了新材料蜂鸣器，抽测 200 件中 11 件声压低于 65 dB",
            "risk_to_other_customers": "HC-ALM-0502 仅供海晨医疗，其他客户无风险；"
            "已通知客户评估已售整机",
        },
        actor=complaint.owner,
        expected_version=0,
    )


def rejected_bore_reopened(demo: Demo, received_at) -> None:
    """Lakeshore, oversize bores: the customer rejected the answer through the private link, the
    case continues as `<number>-1` with a new root cause."""
    defect = defects.BORE_OVERSIZE
    complaint = _register(
        demo, "Lakeshore", defect, received_at, by="sales", reference="LM-SCAR-7741"
    )
    through_d7(demo, complaint, defect)
    answer = send_answer(demo, complaint, by="sales", working_days=3)
    token = verdict_link(demo, answer, by="sales")
    reopened = verdict_by_link(
        answer,
        token,
        accepted=False,
        reason="The escape analysis is not convincing: air-gauge drift does not explain why the "
        "hourly SPC did not react. Please include heat-treatment distortion in the analysis.",
    )
    owner = reopened.owner
    services.acknowledge(reopened, actor=owner)
    eightd.add_row(
        reopened,
        "root_cause",
        {
            "kind": "occurrence",
            "category": "method",
            "description": "热处理后孔径胀大约 0.008 mm，精镗余量未按热处理后尺寸补偿",
            "why_chain": [
                "为什么 SPC 没有报警？控制限按热处理前数据计算",
                "为什么按热处理前？工艺变更后控制计划未更新",
            ],
            "verification": "热处理前后各测 30 件：孔径平均胀大 0.008 mm",
            "verified": True,
        },
        actor=owner,
    )
    eightd.complete_step(reopened, "d4", actor=owner)


def repeat_scratch_in_analysis(demo: Demo, received_at) -> None:
    """华东汽车 again: the same housing scratched again, a repeat; the root cause analysis runs."""
    defect = defects.SCRATCH
    complaint = _register(
        demo, "华东汽车", defect, received_at, by="sales", reference="HDQ-26-1027", photo=True
    )
    emergency_response(demo, complaint, defect)
    team(demo, complaint)
    problem_description(demo, complaint, defect)
    containment(demo, complaint, defect)
    earlier = complaint.repeat_of.order_by("-received_at").first()
    root_causes(
        demo,
        complaint,
        defect,
        complete=False,
        earlier_failure=f"{earlier.number} 的纠正措施只更换了夹爪垫，没有把夹爪垫寿命纳入点检表；"
        "垫片再次磨损后问题复发",
    )


def plating_waiting_for_waiver(demo: Demo, received_at) -> None:
    """西川摩托, blistered plating: the model runs out, so the preventive action is asked to be
    waived; the general manager decides."""
    defect = defects.PLATING_BLISTER
    complaint = _register(
        demo,
        "西川摩托",
        defect,
        received_at,
        by="sm",
        reference="XC-QF-2610-07",
        detection_point="field",
    )
    emergency_response(demo, complaint, defect)
    team(demo, complaint)
    problem_description(demo, complaint, defect)
    containment(demo, complaint, defect)
    root_causes(demo, complaint, defect)
    corrective_actions(demo, complaint, defect)
    prevention(demo, complaint, defect, complete=False)
    eightd.request_preventive_waiver(
        complaint,
        "XC125 车型 12 月停产，此支架无其他车型使用，剩余交付仅 300 件；追加在线槽温报警系统约需"
        " 8 万元，预防措施不经济",
        actor=complaint.owner,
    )


def label_waiting_for_closure(demo: Demo, received_at) -> None:
    """Sakura Denso, wrong date format: accepted through the private link; the 8D waits for the
    quality manager's closure approval."""
    defect = defects.DATE_FORMAT_LABEL
    complaint = _register(
        demo, "Sakura Denso", defect, received_at, by="sales", reference="SDC-QN-26-118"
    )
    through_d7(demo, complaint, defect)
    answer = send_answer(demo, complaint, by="sales", working_days=2)
    verdict_by_link(answer, verdict_link(demo, answer, by="sales"), accepted=True)
    complaint.refresh_from_db()
    implementation(demo, complaint, defect)
    request_closure(demo, complaint, defect)


def connector_waiting_for_verdict(demo: Demo, received_at) -> None:
    """Rheinland, cracked connector housings: the answer is sent; the customer's contact has a
    private link to accept or reject it."""
    defect = defects.CONNECTOR_CRACK
    complaint = _register(
        demo,
        "Rheinland",
        defect,
        received_at,
        by="sm",
        reference="RF-8D-55410",
        channel="oem_portal",
        detection_point="line",
    )
    through_d7(demo, complaint, defect)
    answer = send_answer(demo, complaint, by="sm", working_days=2)
    token = verdict_link(demo, answer, by="sm")
    demo.verdict_links.append((complaint.number, absolute_url(answers.verdict_url(token))))


def flange_in_corrective_actions(demo: Demo, received_at) -> None:
    """北方重机, hole pitch out of tolerance: causes found, corrective actions being planned; the
    corrective-action clock waits for the returned parts."""
    defect = defects.FLANGE_PITCH
    complaint = _register(
        demo,
        "北方重机",
        defect,
        received_at,
        by="sm",
        reference="BFZJ-2611-021",
        channel="phone",
        goods_returned=True,
    )
    emergency_response(demo, complaint, defect)
    team(demo, complaint)
    problem_description(demo, complaint, defect)
    containment(demo, complaint, defect)
    root_causes(demo, complaint, defect)
    corrective_actions(demo, complaint, defect, complete=False)
    services.pause_clock(
        complaint,
        "corrective_action",
        reason="等待客户退回不良样件做三坐标复测",
        actor=complaint.owner,
    )


def carton_containment_overdue(demo: Demo, received_at) -> None:
    """岭南电器, crushed cartons: registered by customer service, nobody acknowledged it yet; the
    containment clock is overdue."""
    _register(
        demo,
        "岭南电器",
        defects.CARTON_CRUSHED,
        received_at,
        by="cs",
        reference="LNDQ-1122",
        photo=True,
    )


def urgent_can_contained(demo: Demo, received_at) -> None:
    """江南新能源, CAN dropout on the assembly line: urgent; contained the same day."""
    defect = defects.CAN_DROPOUT
    complaint = _register(
        demo,
        "江南新能源",
        defect,
        received_at,
        by="sales",
        reference="JNEV-QR-26-0877",
        severity="urgent",
        channel="phone",
        detection_point="line",
        photo=True,
    )
    emergency_response(demo, complaint, defect)
    team(demo, complaint)
    problem_description(demo, complaint, defect)
    containment(demo, complaint, defect)


def label_just_registered(demo: Demo, received_at) -> None:
    """汉江电子, wrong part number on the carton label: just registered by customer service."""
    _register(
        demo,
        "汉江电子",
        defects.LABEL_WRONG,
        received_at,
        by="cs",
        channel="phone",
        photo=True,
    )
