"""The 8D report sent to the customer: a frozen snapshot of the complaint and its 8D as plain
JSON, and that snapshot rendered as PDF (WeasyPrint, A4) and as xlsx, in the customer's document
language: Chinese, English, or both labels side by side ("客户 / Customer").

    snapshot = build_snapshot(complaint)                 # live content, e.g. for a draft preview
    pdf = render_pdf(snapshot, "bilingual")               # bytes
    xlsx = render_xlsx(snapshot, "en")                    # bytes
    html = render_html(snapshot, "zh")                    # the report's content for a web page

The step fields and their labels come from `steps.SPECS`, so the page, the forms and the report
never disagree. A snapshot stores values and codes, never translated text: every language can be
rendered from it later, and a rejected answer stays readable exactly as it was sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cqms.customers.models import Customer

from . import report_images, signoff, steps
from .models import (
    Action,
    ClockName,
    Complaint,
    ComplaintType,
    ContainmentAction,
    DocumentUpdate,
    EightDStep,
    QualityInvestigation,
    ReportSettings,
    RootCause,
    Severity,
    Step,
    TeamMember,
)

FORMAT = 1
LANGUAGES = {"zh": "zh-hans", "en": "en"}
BILINGUAL = Customer.DocumentLanguage.BILINGUAL
DOCUMENT_LANGUAGES = [value for value, _label in Customer.DocumentLanguage.choices]
FONT_FAMILY = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
DATE = "%Y-%m-%d"
DATETIME = "%Y-%m-%d %H:%M"


# --- The snapshot ------------------------------------------------------------------------------


def _iso(value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _person(user) -> str:
    return str(user) if user is not None else ""


def _bilingual_name(obj) -> dict:
    if obj is None:
        return {}
    return {"name": obj.name, "name_en": getattr(obj, "name_en", "") or ""}


def _clocks(complaint: Complaint) -> list[dict]:
    from .selectors import ordered_clocks

    return [
        {
            "name": clock.name,
            "started_at": _iso(clock.started_at),
            "due_at": _iso(clock.due_at),
            "done_at": _iso(clock.done_at),
            "met": clock.met,
        }
        for clock in ordered_clocks(complaint)
    ]


def _rows(complaint: Complaint) -> dict:
    causes = list(complaint.root_causes.all())
    cause_index = {cause.pk: index for index, cause in enumerate(causes, start=1)}

    def action(row: Action) -> dict:
        return {
            "kind": row.kind,
            "root_cause": cause_index.get(row.root_cause_id, ""),
            "description": row.description,
            "owner": _person(row.owner),
            "due_date": _iso(row.due_date),
            "verification_plan": row.verification_plan,
            "status": row.status,
            "done_at": _iso(row.done_at),
            "evidence": row.evidence,
            "effectiveness_due": _iso(row.effectiveness_due),
            "effectiveness_result": row.effectiveness_result,
        }

    actions = list(complaint.actions.select_related("owner"))
    return {
        "team": [
            {
                "name": _person(member.user) if member.user_id else member.name,
                "department": member.department
                or (
                    str(member.user.department) if member.user_id and member.user.department else ""
                ),
                "role": member.role,
                "contact": member.contact,
            }
            for member in complaint.team.select_related("user__department")
        ],
        "containment": [
            {
                "location": row.location,
                "method": row.method,
                "responsible": _person(row.responsible),
                "done_at": _iso(row.done_at),
                "quantity_checked": row.quantity_checked,
                "quantity_rejected": row.quantity_rejected,
                "result": row.result,
                "note": row.note,
            }
            for row in complaint.containment.select_related("responsible")
        ],
        "root_causes": [
            {
                "index": cause_index[cause.pk],
                "kind": cause.kind,
                "category": cause.category,
                "description": cause.description,
                "why_chain": [str(why) for why in (cause.why_chain or [])],
                "verification": cause.verification,
                "verified": cause.verified,
            }
            for cause in causes
        ],
        "corrective_actions": [action(a) for a in actions if a.kind == Action.Kind.CORRECTIVE],
        "preventive_actions": [action(a) for a in actions if a.kind == Action.Kind.PREVENTIVE],
        "documents": [
            {
                "document": row.document,
                "affected": row.affected,
                "new_revision": row.new_revision,
                "not_affected_reason": row.not_affected_reason,
            }
            for row in complaint.documents.all()
        ],
        "deployments": [
            {
                "target": row.target,
                "action": row.action,
                "owner": _person(row.owner),
                "due_date": _iso(row.due_date),
                "done_at": _iso(row.done_at),
            }
            for row in complaint.deployments.select_related("owner")
        ],
        "attachments": [
            {
                "name": row.original_filename,
                "step": row.step,
                "description": row.description,
                "size": row.file_size,
                "file": row.file.name,
                "sha256": row.sha256,
            }
            for row in complaint.attachments.all()
        ],
    }


def build_snapshot(complaint: Complaint, *, sent: dict | None = None) -> dict:
    """The complaint and its 8D as plain JSON values (codes, ISO times, names)."""
    c = complaint
    stored = {
        row.step: row
        for row in EightDStep.objects.filter(complaint=c).select_related("owner", "completed_by")
    }
    investigation = QualityInvestigation.objects.filter(complaint=c).first()
    return {
        "format": FORMAT,
        "supplier": supplier_identity(c.customer),
        "complaint": {
            "number": c.number,
            "root_number": c.root_number,
            "revision": c.revision,
            "parent": c.parent.number if c.parent_id else "",
            "customer": {"code": c.customer.code, **_bilingual_name(c.customer)},
            "contact": str(c.contact) if c.contact_id else "",
            "customer_reference": c.customer_reference,
            "received_at": _iso(c.received_at),
            "channel": c.channel,
            "complaint_type": c.complaint_type,
            "part_number": c.part_number,
            "part_name": c.part_name,
            "customer_part_number": c.customer_part_number,
            "lot_number": c.lot_number,
            "quantity_delivered": c.quantity_delivered,
            "quantity_affected": c.quantity_affected,
            "quantity_checked": c.quantity_checked,
            "quantity_rejected": c.quantity_rejected,
            "defect_description": c.defect_description,
            "defect_category": _bilingual_name(c.defect_category),
            "severity": c.severity,
            "major": c.major,
            "safety_regulatory": c.safety_regulatory,
            "detection_point": c.detection_point,
            "goods_returned": c.goods_returned,
            "is_repeat": c.is_repeat,
            "owner": _person(c.owner),
            "department": _bilingual_name(c.department),
            "preventive_waived": c.preventive_waived,
            "preventive_waiver_reason": c.preventive_waiver_reason,
        },
        "clocks": _clocks(c),
        "steps": {
            step: {
                "status": stored[step].status,
                "owner": _person(stored[step].owner),
                "planned_date": _iso(stored[step].planned_date),
                "completed_at": _iso(stored[step].completed_at),
                "completed_by": _person(stored[step].completed_by),
                "data": {
                    item.name: stored[step].data.get(item.name, "")
                    for item in steps.SPECS[step].fields
                },
            }
            for step in steps.ORDER
            if step in stored
        },
        "rows": _rows(c),
        "investigation": {
            "scope": investigation.scope,
            "findings": investigation.findings,
            "risk_to_other_customers": investigation.risk_to_other_customers,
            "improvement": investigation.improvement,
            "completed_at": _iso(investigation.completed_at),
        }
        if investigation is not None
        else None,
        "signoff": signoff.snapshot_rows(c, stored, sent=sent),
        "acceptance": signoff.case_acceptance(c),
        "closed": c.status == Complaint.Status.CLOSED
        and Step.D8 in stored
        and stored[Step.D8].status == EightDStep.Status.DONE,
        "sent": sent or None,
    }


def supplier_identity(customer) -> dict:
    """Who sends the report: our company (administrators' setting) and the supplier code this
    customer gave us, frozen with a sent version like everything else."""
    form = ReportSettings.current()
    return {
        "name": form.company_name,
        "name_en": form.company_name_en,
        "logo": form.logo.name if form.logo else "",
        "code": customer.supplier_code,
        "form_number": form.form_number,
        "revision": form.revision,
    }


def answer_snapshot(answer) -> dict:
    """A sent version as frozen, with the customer's acceptance once it was given."""
    return {**answer.snapshot, "acceptance": signoff.acceptance_of(answer)}


# --- Labels in the document's language ---------------------------------------------------------


@dataclass
class Words:
    """Labels and values in the document language: one language, or Chinese / English."""

    language: str

    @property
    def bilingual(self) -> bool:
        return self.language == BILINGUAL

    @property
    def html_lang(self) -> str:
        return "en" if self.language == "en" else "zh-hans"

    def __call__(self, text) -> str:
        if text in (None, ""):
            return ""
        if not self.bilingual:
            with translation.override(LANGUAGES.get(self.language, "zh-hans")):
                return capfirst(str(text))
        with translation.override("zh-hans"):
            chinese = capfirst(str(text))
        with translation.override("en"):
            english = capfirst(str(text))
        return chinese if chinese == english else f"{chinese} / {english}"

    def name(self, value: dict | None) -> str:
        """A record with a Chinese and an English name (customer, department, category)."""
        if not value:
            return ""
        chinese, english = value.get("name", ""), value.get("name_en", "")
        if self.language == "en":
            return english or chinese
        if self.bilingual and english and english != chinese:
            return f"{chinese} / {english}"
        return chinese

    def choice(self, choices, value) -> str:
        if value in (None, ""):
            return ""
        return self(dict(choices).get(value, value))

    def yes_no(self, value) -> str:
        if value is None:
            return ""
        return self(gettext_lazy("Yes") if value else gettext_lazy("No"))

    def sentence(self, template, **values) -> str:
        """A translated sentence with %(name)s values, in both languages when bilingual."""
        languages = ["zh-hans", "en"] if self.bilingual else [LANGUAGES.get(self.language, "en")]
        texts = []
        for language in languages:
            with translation.override(language):
                text = str(template) % values
            if text not in texts:
                texts.append(text)
        return "  ".join(texts)


def _moment(value: str, fmt: str = DATETIME) -> str:
    if not value:
        return ""
    parsed = parse_datetime(value)
    if parsed is None:
        parsed_date = parse_date(value)
        return parsed_date.strftime(DATE) if parsed_date else value
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return parsed.strftime(fmt)


def _day(value: str) -> str:
    return _moment(value, DATE)


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


# --- The report's content ----------------------------------------------------------------------


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    nowrap: tuple[int, ...] = ()  # columns of names and dates: never broken inside a value

    @property
    def cells(self) -> list[list[tuple[str, bool]]]:
        return [[(value, i in self.nowrap) for i, value in enumerate(row)] for row in self.rows]

    @property
    def headings(self) -> list[tuple[str, bool]]:
        return [(value, i in self.nowrap) for i, value in enumerate(self.columns)]


@dataclass
class Photo:
    uri: str
    caption: str
    width: int
    height: int


@dataclass
class Section:
    key: str
    title: str
    meta: list[tuple[str, str]] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)


def _label(model, name: str):
    return model._meta.get_field(name).verbose_name


def _field_value(words: Words, item: steps.Field, raw) -> str:
    if raw in (None, ""):
        return ""
    if item.kind == steps.CHOICE:
        return words.choice(item.choices, raw)
    if item.kind == steps.BOOL:
        return words.yes_no(bool(raw))
    if item.kind == steps.DATETIME:
        return _moment(str(raw))
    if item.kind == steps.DATE:
        return _day(str(raw))
    return _text(raw)


def _tables(words: Words, rows: dict, kinds: tuple[str, ...]) -> list[Table]:
    tables = []
    for kind in kinds:
        builder = TABLES.get(kind)
        if builder is not None:
            tables.append(builder(words, rows.get(kind) or []))
    return tables


def _team(words: Words, rows: list[dict]) -> Table:
    return Table(
        words(gettext_lazy("Team")),
        [
            words(_label(TeamMember, "name")),
            words(_label(TeamMember, "department")),
            words(_label(TeamMember, "role")),
            words(_label(TeamMember, "contact")),
        ],
        [
            [
                r["name"],
                r["department"],
                words.choice(TeamMember.Role.choices, r["role"]),
                r["contact"],
            ]
            for r in rows
        ],
        nowrap=(0,),
    )


def _containment(words: Words, rows: list[dict]) -> Table:
    model = ContainmentAction
    return Table(
        words(gettext_lazy("Containment actions")),
        [
            words(_label(model, "location")),
            words(_label(model, "method")),
            words(_label(model, "responsible")),
            words(_label(model, "done_at")),
            words(_label(model, "quantity_checked")),
            words(_label(model, "quantity_rejected")),
            words(_label(model, "result")),
            words(_label(model, "note")),
        ],
        [
            [
                words.choice(model.Location.choices, r["location"]),
                r["method"],
                r["responsible"],
                _moment(r["done_at"]),
                _text(r["quantity_checked"]),
                _text(r["quantity_rejected"]),
                words.choice(model.Result.choices, r["result"]),
                r["note"],
            ]
            for r in rows
        ],
        nowrap=(2, 3),
    )


def _root_causes(words: Words, rows: list[dict]) -> Table:
    model = RootCause
    return Table(
        words(gettext_lazy("Root causes")),
        [
            "#",
            words(_label(model, "kind")),
            words(_label(model, "category")),
            words(_label(model, "description")),
            words(_label(model, "why_chain")),
            words(_label(model, "verification")),
            words(_label(model, "verified")),
        ],
        [
            [
                _text(r["index"]),
                words.choice(model.Kind.choices, r["kind"]),
                words.choice(model.Category.choices, r["category"]),
                r["description"],
                "\n".join(f"{i}. {why}" for i, why in enumerate(r["why_chain"], start=1)),
                r["verification"],
                words.yes_no(r["verified"]),
            ]
            for r in rows
        ],
    )


def _actions(title):
    def build(words: Words, rows: list[dict]) -> Table:
        model = Action
        return Table(
            words(title),
            [
                words(_label(model, "root_cause")),
                words(_label(model, "description")),
                words(_label(model, "owner")),
                words(_label(model, "due_date")),
                words(_label(model, "verification_plan")),
                words(_label(model, "status")),
                words(_label(model, "done_at")),
                words(_label(model, "effectiveness_result")),
            ],
            [
                [
                    _text(r["root_cause"]),
                    r["description"],
                    r["owner"],
                    _day(r["due_date"]),
                    r["verification_plan"],
                    words.choice(model.Status.choices, r["status"]),
                    _moment(r["done_at"]),
                    r["effectiveness_result"],
                ]
                for r in rows
            ],
            nowrap=(2, 3, 6),
        )

    return build


def _documents(words: Words, rows: list[dict]) -> Table:
    model = DocumentUpdate
    return Table(
        words(gettext_lazy("Documents")),
        [
            words(_label(model, "document")),
            words(_label(model, "affected")),
            words(_label(model, "new_revision")),
            words(_label(model, "not_affected_reason")),
        ],
        [
            [
                words.choice(model.Document.choices, r["document"]),
                words.yes_no(r["affected"]),
                r["new_revision"],
                r["not_affected_reason"],
            ]
            for r in rows
        ],
    )


def _deployments(words: Words, rows: list[dict]) -> Table:
    from .models import HorizontalDeployment as model

    return Table(
        words(gettext_lazy("Horizontal deployment")),
        [
            words(_label(model, "target")),
            words(_label(model, "action")),
            words(_label(model, "owner")),
            words(_label(model, "due_date")),
            words(_label(model, "done_at")),
        ],
        [
            [r["target"], r["action"], r["owner"], _day(r["due_date"]), _moment(r["done_at"])]
            for r in rows
        ],
        nowrap=(2, 3, 4),
    )


def _attachments(words: Words, rows: list[dict]) -> Table:
    from .models import Attachment as model

    return Table(
        words(gettext_lazy("Evidence")),
        [words(_label(model, "original_filename")), words(_label(model, "description"))],
        [[r["name"], r["description"]] for r in rows],
    )


TABLES = {
    "team": _team,
    "containment": _containment,
    "root_causes": _root_causes,
    "corrective_actions": _actions(gettext_lazy("Corrective actions")),
    "preventive_actions": _actions(gettext_lazy("Preventive actions")),
    "documents": _documents,
    "deployments": _deployments,
    "attachments": _attachments,
}


def _header(words: Words, c: dict) -> list[tuple[str, str]]:
    quantities = " · ".join(
        f"{words(_label(Complaint, name))} {c[name]}"
        for name in (
            "quantity_delivered",
            "quantity_affected",
            "quantity_checked",
            "quantity_rejected",
        )
        if c.get(name) is not None
    )
    part = " ".join(p for p in (c["part_number"], c["part_name"]) if p)
    if c.get("customer_part_number"):
        part += f" ({words(_label(Complaint, 'customer_part_number'))} {c['customer_part_number']})"
    rows = [
        (words(gettext_lazy("Customer")), f"{c['customer']['code']} {words.name(c['customer'])}"),
        (words(_label(Complaint, "customer_reference")), c["customer_reference"]),
        (words(_label(Complaint, "received_at")), _moment(c["received_at"])),
        (words(gettext_lazy("Part")), part),
        (words(_label(Complaint, "lot_number")), c["lot_number"]),
        (words(gettext_lazy("Quantities")), quantities),
        (words(_label(Complaint, "defect_category")), words.name(c["defect_category"])),
        (
            words(_label(Complaint, "complaint_type")),
            words.choice(ComplaintType.choices, c["complaint_type"]),
        ),
        (words(_label(Complaint, "severity")), words.choice(Severity.choices, c["severity"])),
        (
            words(_label(Complaint, "detection_point")),
            words.choice(Complaint.DetectionPoint.choices, c["detection_point"]),
        ),
        (words(_label(Complaint, "defect_description")), c["defect_description"]),
        (words(_label(Complaint, "owner")), c["owner"]),
        (words(_label(Complaint, "department")), words.name(c["department"])),
    ]
    if c.get("parent"):
        rows.append((words(_label(Complaint, "parent")), c["parent"]))
    return [(label, value) for label, value in rows if value not in (None, "")]


def _photos(words: Words, snapshot: dict) -> dict[str, list[Photo]]:
    """The attached images by the step they belong to (no step: the defect, D2), drawn again
    from the stored files that still match their upload digest; other files are left out."""
    from .models import Attachment

    by_step: dict[str, list[Photo]] = {}
    number = 0
    for row in snapshot["rows"].get("attachments") or []:
        if not row.get("file"):
            continue
        picture = report_images.stored_picture(Attachment(file=row["file"]).file, row["sha256"])
        if picture is None:
            continue
        number += 1
        caption = words.sentence(
            gettext_lazy("Figure %(number)s: %(caption)s"),
            number=number,
            caption=row.get("description") or row.get("name", ""),
        )
        step = row.get("step") or Step.D2
        by_step.setdefault(step, []).append(
            Photo(picture.data_uri, caption, picture.width, picture.height)
        )
    return by_step


def _sections(words: Words, snapshot: dict, *, closed: bool) -> list[Section]:
    """D0 to D7, and D8 once the 8D is closed. Each step as a form shows it: who was
    responsible, when it was completed, its fields, tables and photos."""
    sections = []
    photos = _photos(words, snapshot)
    for step in steps.ORDER:
        if step == Step.D8 and not closed:
            continue
        spec = steps.SPECS[step]
        stored = snapshot["steps"].get(step)
        section = Section(step, words(Step(step).label))
        if stored:
            section.meta = [
                (words(pgettext_lazy("8D form", "Responsible")), stored["owner"]),
                (words(pgettext_lazy("8D form", "Completed on")), _day(stored["completed_at"])),
            ]
            if stored["status"] != EightDStep.Status.DONE:
                section.meta.append(
                    (
                        words(pgettext_lazy("8D form", "State")),
                        words.choice(EightDStep.Status.choices, stored["status"]),
                    )
                )
            section.meta = [(label, value) for label, value in section.meta if value]
            section.fields = [
                (words(item.label), _field_value(words, item, stored["data"].get(item.name)))
                for item in spec.fields
            ]
        else:
            section.meta = [
                (
                    words(pgettext_lazy("8D form", "State")),
                    words.choice(EightDStep.Status.choices, EightDStep.Status.NOT_STARTED),
                )
            ]
        kinds = [kind for kind in spec.rows if kind != "corrective_actions" or step == Step.D5]
        section.tables = [t for t in _tables(words, snapshot["rows"], tuple(kinds)) if t.rows]
        section.photos = photos.get(step, [])
        if step == Step.D7 and snapshot["complaint"].get("preventive_waived"):
            section.fields.append(
                (
                    words(_label(Complaint, "preventive_waiver_reason")),
                    snapshot["complaint"].get("preventive_waiver_reason", ""),
                )
            )
        sections.append(section)
    return sections


def _clock_rows(words: Words, snapshot: dict) -> Table:
    labels = dict(ClockName.choices)
    return Table(
        words(gettext_lazy("Time limits (internal)")),
        [
            words(gettext_lazy("Clock")),
            words(gettext_lazy("Due")),
            words(gettext_lazy("Done")),
            words(gettext_lazy("Met")),
        ],
        [
            [
                words(labels.get(clock["name"], clock["name"])),
                _moment(clock["due_at"]),
                _moment(clock["done_at"]),
                words.yes_no(clock["met"]) if clock["done_at"] else "",
            ]
            for clock in snapshot.get("clocks", [])
        ],
        nowrap=(1, 2),
    )


# The rows of the signature block, in the order of the form. "decided" (核决) is printed only
# when a decision was signed; the others always, empty for a hand signature if need be.
SIGNOFF_ROLES = {
    "prepared": gettext_lazy("Prepared by"),
    "reviewed": gettext_lazy("Reviewed by"),
    "approved": gettext_lazy("Approved by"),
    "decided": gettext_lazy("Decided by"),
}
ALWAYS_SHOWN = ("prepared", "reviewed", "approved")


def _meanings() -> dict:
    try:
        from cqms.approvals.models import Meaning
    except ImportError:
        return {}
    return dict(Meaning.choices)


def _kind_label(kind: str):
    try:
        from cqms.approvals import registry

        return registry.get(kind).label
    except Exception:  # an approval kind no longer registered: its code
        return kind


def _signature_meaning(words: Words, row: dict, meanings: dict) -> str:
    meaning = row.get("meaning", "")
    if meaning == "prepared":
        return words(gettext_lazy("Author of the 8D, as recorded in CQMS"))
    if not meaning:
        return ""
    parts = [
        words.sentence(
            gettext_lazy("Electronic signature: %(meaning)s"),
            meaning=words.choice(meanings, meaning),
        )
    ]
    if row.get("node"):
        parts.append(row["node"])
    if not row.get("valid", True):
        parts.append(words(gettext_lazy("Signature no longer matches the record")))
    return " · ".join(parts)


def signoff_rows(words: Words, snapshot: dict) -> list[dict]:
    """The signature block as text: role on the form, name, position, date, meaning."""
    meanings = _meanings()
    rows = [row for row in snapshot.get("signoff", []) if row.get("role") != "sent"]
    for role in ALWAYS_SHOWN:
        if not any(row.get("role") == role for row in rows):
            rows.append({"role": role, "name": "", "time": ""})
    order = [*SIGNOFF_ROLES, "other"]
    rows.sort(key=lambda row: order.index(row["role"]) if row["role"] in order else len(order))
    result = []
    for row in rows:
        role = row["role"]
        label = SIGNOFF_ROLES.get(role) or _kind_label(row.get("kind", ""))
        name = row.get("name", "")
        if row.get("on_behalf_of"):
            name += f" ({row['on_behalf_of']})"
        result.append(
            {
                "role": role,
                "label": words(label),
                "name": name,
                "position": words.name(row.get("position")),
                "date": _moment(row.get("time", "")),
                "meaning": _signature_meaning(words, row, meanings),
            }
        )
    acceptance = snapshot.get("acceptance")
    if acceptance:
        result.append(
            {
                "role": "customer",
                "label": words(gettext_lazy("Customer acceptance")),
                "name": acceptance.get("contact", ""),
                "position": acceptance.get("title", ""),
                "date": _moment(acceptance.get("at", "")),
                "meaning": words(gettext_lazy("Accepted online through the private link"))
                if acceptance.get("online")
                else words.sentence(
                    gettext_lazy("Acceptance recorded by %(who)s"),
                    who=acceptance.get("recorded_by", ""),
                ),
            }
        )
    return result


def _signoff(words: Words, rows: list[dict]) -> Table:
    return Table(
        words(gettext_lazy("Signatures")),
        [
            words(pgettext_lazy("8D form", "Signature")),
            words(pgettext_lazy("8D form", "Name")),
            words(pgettext_lazy("8D form", "Position")),
            words(pgettext_lazy("8D form", "Date")),
            words(pgettext_lazy("8D form", "Meaning")),
        ],
        [[r["label"], r["name"], r["position"], r["date"], r["meaning"]] for r in rows],
        nowrap=(0, 1, 3),
    )


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_counter(words: Words) -> str:
    """The CSS `content` of "Page X of Y" in the document's language(s)."""
    languages = ["zh-hans", "en"] if words.bilingual else [LANGUAGES.get(words.language, "en")]
    parts = []
    for language in languages:
        with translation.override(language):
            text = _("Page %(page)s of %(pages)s") % {"page": "\x00", "pages": "\x01"}
        pieces = []
        buffer = ""
        for char in text:
            if char in "\x00\x01":
                if buffer:
                    pieces.append(_css_string(buffer))
                pieces.append("counter(page)" if char == "\x00" else "counter(pages)")
                buffer = ""
            else:
                buffer += char
        if buffer:
            pieces.append(_css_string(buffer))
        expression = " ".join(pieces)
        if expression not in parts:
            parts.append(expression)
    return ' "   " '.join(parts)


def _identity(words: Words, snapshot: dict) -> dict:
    """Our company, the supplier code the customer gave us and the controlled form, for the top
    of every page. Versions sent before these were frozen show the current settings."""
    supplier = snapshot.get("supplier")
    if supplier is None:
        form = ReportSettings.current()
        supplier = {
            "name": form.company_name,
            "name_en": form.company_name_en,
            "logo": form.logo.name if form.logo else "",
            "code": "",
            "form_number": form.form_number,
            "revision": form.revision,
        }
    logo = None
    if supplier.get("logo"):
        logo = report_images.stored_picture(
            ReportSettings(logo=supplier["logo"]).logo, longest=report_images.LOGO_PIXELS
        )
    form_label = words(gettext_lazy("Form No."))
    revision_label = words(gettext_lazy("Revision"))
    return {
        "company_name": words.name(supplier),
        "logo": logo.data_uri if logo else "",
        "supplier_code_label": words(gettext_lazy("Supplier code")),
        "supplier_code": supplier.get("code", ""),
        "form_number_label": form_label,
        "form_number": supplier["form_number"],
        "revision_label": revision_label,
        "revision": supplier["revision"],
        "form_line": f"{form_label}: {supplier['form_number']}  "
        f"{revision_label}: {supplier['revision']}",
    }


def report_context(
    snapshot: dict, language: str, *, version: int | None = None, internal: bool = False
) -> dict:
    """Everything the report shows, as text in the document language. The customer's copy
    leaves out the internal time limits; `internal` keeps them."""
    if language not in DOCUMENT_LANGUAGES:
        language = "zh"
    words = Words(language)
    c = snapshot["complaint"]
    sent = snapshot.get("sent") or {}
    closed = bool(snapshot.get("closed"))
    document_number = c["number"] + (f" v{version}" if version else "")
    identity = _identity(words, snapshot)
    signatures = signoff_rows(words, snapshot)
    return {
        **identity,
        "lang": words.html_lang,
        "font_family": FONT_FAMILY,
        "title": words(gettext_lazy("8D report")),
        "draft": version is None and not closed,
        "draft_label": words(gettext_lazy("Draft: not sent to the customer")),
        "closed": closed,
        "internal": internal,
        "internal_label": words(gettext_lazy("Internal copy: not for the customer")),
        "number": c["number"],
        "document_number": document_number,
        "page_counter": _page_counter(words),
        "document_css": _css_string(document_number),
        "form_css": _css_string(identity["form_line"]),
        "number_label": words(_label(Complaint, "number")),
        "version_label": words(gettext_lazy("Answer version")),
        "version": version,
        "sent_line": words.sentence(
            gettext_lazy("Sent on %(when)s by %(who)s (%(via)s)."),
            when=_moment(sent.get("sent_at", "")),
            who=sent.get("sent_by", ""),
            via=words.choice(Complaint.Channel.choices, sent.get("via", "")),
        )
        if sent and not closed
        else "",
        "header": _header(words, c),
        "clocks": _clock_rows(words, snapshot) if internal else None,
        "sections": _sections(words, snapshot, closed=closed),
        "signatures": signatures,
        "signoff": _signoff(words, signatures),
        "words": words,
    }


# --- Rendering ---------------------------------------------------------------------------------


def render_html(snapshot: dict, language: str, *, version: int | None = None) -> str:
    """The report's content (no page frame), for the customer's verdict page."""
    context = report_context(snapshot, language, version=version)
    return render_to_string("complaints/report/content.html", {"report": context})


def render_pdf(
    snapshot: dict, language: str, *, version: int | None = None, internal: bool = False
) -> bytes:
    from weasyprint import HTML

    context = report_context(snapshot, language, version=version, internal=internal)
    html = render_to_string("complaints/report/eightd.html", {"report": context})
    return HTML(string=html, base_url=None).write_pdf()


def render_xlsx(
    snapshot: dict, language: str, *, version: int | None = None, internal: bool = False
) -> bytes:
    """The same content as one printable sheet (see `report_xlsx`)."""
    from .report_xlsx import render

    return render(report_context(snapshot, language, version=version, internal=internal))
