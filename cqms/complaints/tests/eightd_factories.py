"""Building 8D reports through the services, step by step, as quality does on the page."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from cqms.audit import services as audit
from cqms.complaints import eightd, services
from cqms.complaints.models import Complaint, EightDStep

from .factories import at

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def version(complaint, step) -> int:
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    return stored.version if stored else 0


def save(complaint, step, values, actor):
    return eightd.save_step(
        complaint, step, values, actor=actor, expected_version=version(complaint, step)
    )


def fill_d0(complaint, actor):
    save(
        complaint,
        "d0",
        {"symptom": "外壳划伤", "emergency_actions": "通知仓库冻结库存", "full_8d": "yes"},
        actor,
    )


def fill_d1(complaint, actor, member):
    eightd.add_row(complaint, "team", {"user": actor, "role": "leader"}, actor=actor)
    eightd.add_row(
        complaint, "team", {"user": member, "role": "member", "department": "生产部"}, actor=actor
    )


def fill_d2(complaint, actor):
    save(
        complaint,
        "d2",
        {
            "what": "P-1001 外壳划伤",
            "where": "客户来料检验",
            "when": "2026-09-29 生产批次",
            "why": "外观标准不允许划伤",
            "how_many": "120 件 / 2000 件",
            "statement": "P-1001 外壳表面划伤 5 mm，超出外观标准",
        },
        actor,
    )
    eightd.add_step_attachment(complaint, "d2", SimpleUploadedFile("scratch.png", PNG), actor=actor)


def fill_d3(complaint, actor):
    save(
        complaint,
        "d3",
        {"clean_point": "批次 L2610 起，标签贴绿点", "customer_informed_at": at(2026, 9, 30, 16)},
        actor,
    )
    for row in complaint.containment.all():
        if row.location in ("in_transit", "external_warehouse"):
            values = {"result": "not_applicable", "note": "无在途 / 无外仓"}
        else:
            values = {
                "method": "100% 目检",
                "responsible": actor,
                "done_at": at(2026, 9, 30, 15),
                "quantity_checked": 500,
                "quantity_rejected": 3,
                "result": "sorted",
            }
        eightd.update_row(row, values, actor=actor, expected_version=row.version)


def fill_d4(complaint, actor):
    for kind, category in (("occurrence", "machine"), ("escape", "measurement")):
        eightd.add_row(
            complaint,
            "root_cause",
            {
                "kind": kind,
                "category": category,
                "description": f"{kind} 原因：夹具磨损" if kind == "occurrence" else "检验漏检",
                "why_chain": ["为什么划伤？夹具接触外壳", "为什么接触？定位销磨损"],
                "verification": "更换定位销后复现试验 50 件无划伤",
                "verified": True,
            },
            actor=actor,
        )


def fill_d5(complaint, actor):
    for cause in complaint.root_causes.all():
        eightd.add_row(
            complaint,
            "corrective",
            {
                "root_cause": cause,
                "description": f"纠正：{cause.description}",
                "owner": actor,
                "due_date": dt.date(2026, 10, 15),
                "verification_plan": "连续 3 批零缺陷",
            },
            actor=actor,
        )


def fill_d6(complaint, actor):
    save(complaint, "d6", {"validation": "3 批 0 ppm"}, actor)
    for action in complaint.actions.filter(kind="corrective"):
        eightd.update_row(
            action,
            {
                "done_at": at(2026, 10, 10, 9),
                "evidence": "作业指导书 B 版",
                "effectiveness_due": dt.date(2026, 11, 10),
                "effectiveness_result": "连续 3 批无缺陷",
                "status": "effective",
            },
            actor=actor,
            expected_version=action.version,
        )


def fill_d7(complaint, actor, *, preventive=True):
    eightd.start_step(complaint, "d7", actor=actor)
    for document in complaint.documents.all():
        if document.document == "pfmea":
            values = {"affected": True, "new_revision": "C"}
        else:
            values = {"affected": False, "not_affected_reason": "不涉及"}
        eightd.update_row(document, values, actor=actor, expected_version=document.version)
    eightd.add_row(
        complaint,
        "deployment",
        {
            "target": "P-1002 同类外壳",
            "action": "同步更换定位销",
            "owner": actor,
            "due_date": dt.date(2026, 10, 20),
        },
        actor=actor,
    )
    if preventive:
        eightd.add_row(
            complaint,
            "preventive",
            {
                "description": "定位销纳入点检表",
                "owner": actor,
                "due_date": dt.date(2026, 10, 30),
                "verification_plan": "点检记录抽查",
            },
            actor=actor,
        )


def acknowledged(complaint, actor):
    services.acknowledge(complaint, actor=actor)
    complaint.refresh_from_db()
    return complaint


def through_d7(complaint, actor, member):
    """A complaint with D0–D7 done (status: actions answered)."""
    acknowledged(complaint, actor)
    fill_d0(complaint, actor)
    eightd.complete_step(complaint, "d0", actor=actor)
    fill_d1(complaint, actor, member)
    eightd.complete_step(complaint, "d1", actor=actor)
    fill_d2(complaint, actor)
    eightd.complete_step(complaint, "d2", actor=actor)
    fill_d3(complaint, actor)
    eightd.complete_step(complaint, "d3", actor=actor)
    fill_d4(complaint, actor)
    eightd.complete_step(complaint, "d4", actor=actor)
    fill_d5(complaint, actor)
    eightd.complete_step(complaint, "d5", actor=actor)
    fill_d7(complaint, actor)
    eightd.complete_step(complaint, "d7", actor=actor)
    fill_d6(complaint, actor)
    eightd.complete_step(complaint, "d6", actor=actor)
    complaint.refresh_from_db()
    return complaint


def accepted_by_customer(complaint, actor):
    """The answer was sent and accepted (the answers module's part, recorded directly here)."""
    with audit.change_transaction():
        audit.save_changes(complaint, {"status": Complaint.Status.ACCEPTED}, actor=actor)
    complaint.refresh_from_db()
    return complaint


def matrix_rows(objects: dict) -> dict:
    """Rows of the access matrix's complaint: a team member and an action owned by its owner."""
    if "eightd" not in objects:
        from cqms.organisation.tests.factories import make_user

        worker = make_user("matrix.qe", roles=["quality_engineer"], department="quality")
        complaint = objects["complaint"]
        objects["eightd"] = {
            "team": eightd.add_row(
                complaint, "team", {"user": worker, "role": "leader"}, actor=worker
            ),
            "action": eightd.add_row(
                complaint,
                "preventive",
                {
                    "description": "ACL1 预防措施",
                    "owner": worker,
                    "due_date": dt.date(2026, 12, 1),
                },
                actor=worker,
            ),
        }
    return objects["eightd"]
