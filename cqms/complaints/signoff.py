"""Who put their name to an 8D, as plain values for the report's snapshot: prepared by the 8D's
owner, reviewed / approved / decided by electronic signatures in the approval log, and the
customer's acceptance of the answered version.

A signature's role on the form follows its meaning: "reviewed" and "verified" are 审核, "approved"
on the 8D closure is 批准, "decided" (the general manager's decision, wherever a flow asks for
it) is 核决. Signatures of other approvals of the complaint (the preventive-action waiver) are
listed under their approval's name.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import Answer, Complaint, Step

REVIEWED_MEANINGS = ("reviewed", "verified")
DECIDED_MEANINGS = ("decided",)
CLOSURE_KIND = "complaints.eightd_closure"
PREPARED_STEPS = (Step.D1, Step.D2, Step.D3, Step.D4, Step.D5, Step.D6, Step.D7)


def _iso(value) -> str:
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def position(user) -> dict:
    """A person's position on a form: the job title, else the name of their first role."""
    if user is None:
        return {}
    if user.title:
        return {"name": user.title, "name_en": ""}
    role = next(iter(user.roles.all()), None)
    return {"name": role.name, "name_en": role.name_en} if role else {}


def _role_of(meaning: str, kind: str) -> str:
    if meaning in DECIDED_MEANINGS:
        return "decided"
    if meaning in REVIEWED_MEANINGS:
        return "reviewed"
    if kind == CLOSURE_KIND:
        return "approved"
    return "other"


def signatures(complaint: Complaint) -> list[dict]:
    """The complaint's signatures, checked now (a refusal is no sign-off)."""
    try:
        from cqms.approvals.models import Signature
        from cqms.approvals.selectors import signature_rows
    except ImportError:  # the approvals engine is not installed
        return []
    rows = [row for row in signature_rows(complaint) if row.get("meaning") != "rejected"]
    stored = {
        s.pk: s
        for s in Signature.objects.filter(pk__in=[row["id"] for row in rows])
        .select_related("signer")
        .prefetch_related("signer__roles")
    }
    result = []
    for row in rows:
        signature = stored.get(row["id"])
        kind = signature.kind if signature else ""
        result.append(
            {
                "role": _role_of(row.get("meaning", ""), kind),
                "kind": kind,
                "name": row.get("name", ""),
                "on_behalf_of": row.get("on_behalf_of", ""),
                "position": position(signature.signer) if signature else {},
                "time": _iso(row.get("time")),
                "meaning": row.get("meaning", ""),
                "node": str(row.get("node", "") or ""),
                "state": row.get("state", ""),
                "valid": bool(row.get("valid")),
            }
        )
    return result


def snapshot_rows(complaint: Complaint, stored_steps: dict, *, sent: dict | None) -> list[dict]:
    """Prepared by (the 8D's owner, when D1–D7 were completed), then every signature."""
    author = complaint.owner or (complaint.department.head if complaint.department_id else None)
    completed = [
        row.completed_at
        for step, row in stored_steps.items()
        if step in PREPARED_STEPS and row.completed_at
    ]
    prepared_at = _iso(max(completed)) if completed else (sent or {}).get("sent_at", "")
    prepared = {
        "role": "prepared",
        "name": str(author) if author else "",
        "position": position(author),
        "time": prepared_at,
        "meaning": "prepared",
    }
    return [prepared, *signatures(complaint)]


def acceptance_of(answer: Answer) -> dict | None:
    """The customer's acceptance of one answered version (None: not accepted)."""
    if answer.verdict != Answer.Verdict.ACCEPTED:
        return None
    contact = answer.verdict_contact
    return {
        "version": answer.version_number,
        "contact": contact.name if contact else "",
        "title": contact.title if contact else "",
        "at": _iso(answer.verdict_at),
        "online": answer.verdict_by_id is None,
        "recorded_by": str(answer.verdict_by) if answer.verdict_by_id else "",
    }


def case_acceptance(complaint: Complaint) -> dict | None:
    """The acceptance of the complaint's own answered version, if the customer accepted it."""
    answer = (
        complaint.answers.filter(verdict=Answer.Verdict.ACCEPTED)
        .select_related("verdict_contact", "verdict_by")
        .order_by("-version_number")
        .first()
    )
    return acceptance_of(answer) if answer else None
