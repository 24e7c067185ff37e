"""The customer's own 8D form: an xlsx template an administrator uploads for a customer, with the
8D's fields mapped to its cells (a cell such as B4 or a named range; a field of a list fills the
rows from its cell down). Answers for that customer are produced in it:

    content = fill(customer_form, report_context(snapshot, language, version=...))

openpyxl keeps the template's formats, merged cells and its own formulas. Everything we write is
text (data type "s", quote prefix): a value such as "=HYPERLINK(...)" typed into an 8D never
becomes a formula. List items beyond the rows a form has go to a continuation sheet.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from cqms.core.files import check_upload

from . import steps
from .models import Complaint, Step

CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$")
NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\]{0,99}$")
MAX_TEMPLATE_CELLS = 2_000_000
CONTINUATION = "8D+"

ACTION_COLUMNS = [
    "root_cause",
    "description",
    "owner",
    "due_date",
    "verification_plan",
    "status",
    "done_at",
    "effectiveness_result",
]

# The lists of the 8D (as the report's tables draw them) and the keys of their columns.
LISTS = {
    "team": ["name", "department", "role", "contact"],
    "containment": [
        "location",
        "method",
        "responsible",
        "done_at",
        "quantity_checked",
        "quantity_rejected",
        "result",
        "note",
    ],
    "root_causes": [
        "index",
        "kind",
        "category",
        "description",
        "why_chain",
        "verification",
        "verified",
    ],
    "corrective_actions": ACTION_COLUMNS,
    "preventive_actions": ACTION_COLUMNS,
    "documents": ["document", "affected", "new_revision", "not_affected_reason"],
    "deployments": ["target", "action", "owner", "due_date", "done_at"],
    "signatures": ["label", "name", "position", "date", "meaning"],
}

SIGNATURE_ROLES = ("prepared", "reviewed", "approved", "decided", "customer")
SIGNATURE_PARTS = ("name", "position", "date")
HEADER_FIELDS = (
    "number",
    "customer_reference",
    "received_at",
    "part_number",
    "part_name",
    "customer_part_number",
    "lot_number",
    "quantity_delivered",
    "quantity_affected",
    "quantity_checked",
    "quantity_rejected",
    "defect_description",
    "owner",
)


# --- The fields an administrator can map -------------------------------------------------------


def field_choices() -> list[tuple[str, str]]:
    """Every mappable field with a label in the current language, grouped as the 8D is."""
    from .reports import TABLES, Words

    words = Words("en" if (get_language() or "").startswith("en") else "zh")
    supplier, report, complaint = _("Supplier"), _("8D report"), _("Complaint")
    company, code, number, title = (
        _("Company name"),
        _("Supplier code"),
        _("Document number"),
        _("Title"),
    )
    listed = _("list")
    choices = [
        ("supplier.name", f"{supplier}: {company}"),
        ("supplier.code", f"{supplier}: {code}"),
        ("report.document_number", f"{report}: {number}"),
        ("report.title", f"{report}: {title}"),
        ("complaint.customer", f"{complaint}: {_('Customer')}"),
    ]
    for name in HEADER_FIELDS:
        label = Complaint._meta.get_field(name).verbose_name
        choices.append((f"complaint.{name}", f"{complaint}: {label}"))
    category = _("Defect category")
    choices.append(("complaint.defect_category", f"{complaint}: {category}"))
    for step in steps.ORDER:
        title = str(Step(step).label)
        choices.append((f"{step}.owner", f"{title}: {pgettext_lazy('8D form', 'Responsible')}"))
        choices.append(
            (f"{step}.completed_at", f"{title}: {pgettext_lazy('8D form', 'Completed on')}")
        )
        for item in steps.SPECS[step].fields:
            choices.append((f"{step}.{item.name}", f"{title}: {item.label}"))
    for role in SIGNATURE_ROLES:
        role_label = _signature_role_label(role)
        for part in SIGNATURE_PARTS:
            choices.append((f"sign.{role}.{part}", f"{role_label}: {_part_label(part)}"))
    for kind, columns in LISTS.items():
        if kind == "signatures":
            continue
        table = TABLES[kind](words, [])
        for key, heading in zip(columns, table.columns, strict=True):
            choices.append((f"{kind}.{key}", f"{table.title} ({listed}): {heading}"))
    return choices


def _signature_role_label(role: str) -> str:
    from .reports import SIGNOFF_ROLES

    if role == "customer":
        return str(gettext_lazy("Customer acceptance"))
    return str(SIGNOFF_ROLES[role])


def _part_label(part: str) -> str:
    return str(
        {
            "name": pgettext_lazy("8D form", "Name"),
            "position": pgettext_lazy("8D form", "Position"),
            "date": pgettext_lazy("8D form", "Date"),
        }[part]
    )


def is_list(field: str) -> bool:
    return field.split(".", 1)[0] in LISTS


# --- Values from the report model --------------------------------------------------------------


def values(report: dict, snapshot: dict) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    """The texts of every mappable field: single values, and lists as rows of their columns."""
    from .reports import _day, _field_value

    words = report["words"]
    c = snapshot["complaint"]
    single = {
        "supplier.name": report["company_name"],
        "supplier.code": report["supplier_code"],
        "report.document_number": report["document_number"],
        "report.title": report["title"],
        "complaint.customer": words.name(c["customer"]),
        "complaint.defect_category": words.name(c.get("defect_category")),
        "complaint.received_at": _day(c.get("received_at", "")),
    }
    for name in HEADER_FIELDS:
        single.setdefault(f"complaint.{name}", "" if c.get(name) is None else str(c[name]))
    for step in steps.ORDER:
        stored = snapshot["steps"].get(step)
        if not stored:
            continue
        single[f"{step}.owner"] = stored["owner"]
        single[f"{step}.completed_at"] = _day(stored["completed_at"])
        for item in steps.SPECS[step].fields:
            single[f"{step}.{item.name}"] = _field_value(words, item, stored["data"].get(item.name))
    for row in report["signatures"]:
        if row["role"] in SIGNATURE_ROLES:
            for part in SIGNATURE_PARTS:
                single.setdefault(f"sign.{row['role']}.{part}", row[part])
    lists = {}
    from .reports import TABLES

    for kind in LISTS:
        if kind == "signatures":
            lists[kind] = report["signoff"].rows
        else:
            lists[kind] = TABLES[kind](words, snapshot["rows"].get(kind) or []).rows
    return single, lists


# --- Cells -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    sheet: str
    column: int
    row: int


def locate(workbook, sheet: str, target: str) -> Place:
    """Where a mapping points: a cell of a sheet (the first sheet when none is named) or a
    named range (its first cell). ValueError with a readable message when it points nowhere."""
    from openpyxl.utils import column_index_from_string, range_boundaries

    target = (target or "").strip()
    match = CELL.match(target)
    if match:
        title = sheet or workbook.worksheets[0].title
        if title not in workbook.sheetnames:
            raise ValueError(_("The form has no sheet %(sheet)s.") % {"sheet": title})
        return Place(title, column_index_from_string(match[1].upper()), int(match[2]))
    if not NAME.match(target):
        raise ValueError(_("%(target)s is neither a cell nor a name.") % {"target": target})
    defined = None
    if sheet and sheet in workbook.sheetnames:
        defined = workbook[sheet].defined_names.get(target)
    defined = defined or workbook.defined_names.get(target)
    if defined is None:
        raise ValueError(_("The form has no range named %(name)s.") % {"name": target})
    for title, cells in defined.destinations:
        if title in workbook.sheetnames:
            min_col, min_row, _max_col, _max_row = range_boundaries(cells.replace("$", ""))
            return Place(title, min_col, min_row)
    raise ValueError(_("The range %(name)s points to no cell of the form.") % {"name": target})


def write_text(worksheet, row: int, column: int, value: str) -> None:
    """Text into a cell (the top-left cell of a merged range), never a formula."""
    from openpyxl.cell.cell import MergedCell

    cell = worksheet.cell(row=row, column=column)
    if isinstance(cell, MergedCell):
        for merged in worksheet.merged_cells.ranges:
            if cell.coordinate in merged:
                cell = worksheet.cell(row=merged.min_row, column=merged.min_col)
                break
    text = "" if value is None else str(value)
    cell.value = text or None
    if text:
        cell.data_type = "s"  # the value is text even when it starts with "="
        if text[0] in "=+-@\t\r":
            cell.quotePrefix = True  # and stays text when someone edits the cell in Excel


# --- The upload --------------------------------------------------------------------------------


def open_template(content: bytes):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content), keep_vba=False, keep_links=False)


def validate_template(upload) -> None:
    """An .xlsx without macros that openpyxl opens."""
    if getattr(upload, "_committed", True) and not hasattr(upload, "content_type"):
        return  # the stored template, checked when it was uploaded
    check_upload(upload, allowed=("xlsx",))
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    try:
        workbook = open_template(content)
    except Exception:  # any reader error: not a workbook we can fill
        raise ValidationError(_("The file is not an Excel workbook we can open."), "xlsx") from None
    cells = sum((ws.max_row or 0) * (ws.max_column or 0) for ws in workbook.worksheets)
    if cells > MAX_TEMPLATE_CELLS:
        raise ValidationError(_("The form is too large."), "too_large")


# --- Filling -----------------------------------------------------------------------------------


def fill(form, report: dict, snapshot: dict) -> bytes:
    """The customer's form with this 8D written into its mapped cells."""
    with form.file.open("rb") as handle:
        workbook = open_template(handle.read())
    single, lists = values(report, snapshot)
    cells = list(form.cells.all())
    overflow: dict[str, int] = {}
    for mapped in cells:
        place = locate(workbook, mapped.sheet, mapped.target)
        worksheet = workbook[place.sheet]
        kind, _dot, key = mapped.field.partition(".")
        if kind not in LISTS:
            write_text(worksheet, place.row, place.column, single.get(mapped.field, ""))
            continue
        if key not in LISTS[kind]:
            continue
        column = LISTS[kind].index(key)
        items = lists.get(kind, [])
        room = len(items) if mapped.rows is None else min(mapped.rows, len(items))
        for index in range(room):
            write_text(worksheet, place.row + index, place.column, items[index][column])
        if room < len(items):
            overflow[kind] = min(overflow.get(kind, room), room)
    if overflow:
        _continuation(workbook, report, lists, overflow)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _continuation(workbook, report: dict, lists: dict, overflow: dict[str, int]) -> None:
    """The list items a form has no rows for, as tables on a sheet of their own."""
    from openpyxl.styles import Font

    from .reports import TABLES

    worksheet = workbook.create_sheet(CONTINUATION)
    words = report["words"]
    write_text(worksheet, 1, 1, f"{report['title']} {report['document_number']}")
    worksheet.cell(row=1, column=1).font = Font(bold=True)
    row = 3
    for kind, first in overflow.items():
        table = report["signoff"] if kind == "signatures" else TABLES[kind](words, [])
        write_text(worksheet, row, 1, table.title)
        worksheet.cell(row=row, column=1).font = Font(bold=True)
        row += 1
        for column, heading in enumerate(table.columns, start=1):
            write_text(worksheet, row, column, heading)
        row += 1
        for item in lists[kind][first:]:
            for column, value in enumerate(item, start=1):
                write_text(worksheet, row, column, value)
            row += 1
        row += 1
