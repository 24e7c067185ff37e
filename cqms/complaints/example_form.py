"""An example of a customer's own 8D form, drawn in code (no binary file in the repository): the
demo maps it to a customer, and the tests fill it. It has what real OEM forms have: merged
label cells, a named range, fixed rows for lists and a formula of its own."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile

from cqms.audit import services as audit

SHEET = "8D Report"
TEAM_ROWS = 4
ACTION_ROWS = 3

# field, sheet ("" = the first), cell or named range, rows for a list
CELLS = [
    ("supplier.name", "", "C3", None),
    ("supplier.code", "", "G3", None),
    ("report.document_number", "", "ComplaintNo", None),
    ("complaint.customer_reference", "", "G4", None),
    ("complaint.part_number", "", "C5", None),
    ("complaint.part_name", "", "G5", None),
    ("complaint.received_at", "", "C6", None),
    ("complaint.quantity_affected", "", "G6", None),
    ("d2.statement", "", "C8", None),
    ("team.name", "", "B11", TEAM_ROWS),
    ("team.department", "", "D11", TEAM_ROWS),
    ("team.role", "", "F11", TEAM_ROWS),
    ("d3.clean_point", "", "C16", None),
    ("root_causes.description", "", "C18", ACTION_ROWS),
    ("corrective_actions.description", "", "B23", ACTION_ROWS),
    ("corrective_actions.owner", "", "E23", ACTION_ROWS),
    ("corrective_actions.due_date", "", "F23", ACTION_ROWS),
    ("corrective_actions.status", "", "G23", ACTION_ROWS),
    ("d8.lessons_learned", "", "C28", None),
    ("sign.prepared.name", "", "B31", None),
    ("sign.prepared.date", "", "B32", None),
    ("sign.reviewed.name", "", "D31", None),
    ("sign.reviewed.date", "", "D32", None),
    ("sign.approved.name", "", "F31", None),
    ("sign.approved.date", "", "F32", None),
    ("sign.customer.name", "", "H31", None),
    ("sign.customer.date", "", "H32", None),
]


def build() -> bytes:
    """The example form as xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.workbook.defined_name import DefinedName

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    thin = Side(style="thin", color="666666")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    label_fill = PatternFill("solid", fgColor="DDE3EA")
    bold = Font(name="Noto Sans CJK SC", bold=True, size=9)
    plain = Font(name="Noto Sans CJK SC", size=9)
    wrap = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGH", (12, 14, 14, 14, 14, 14, 14, 14), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=1, max_row=33, max_col=8):
        for cell in row:
            cell.border, cell.font, cell.alignment = box, plain, wrap

    def label(cell: str, text: str, merge: str = "") -> None:
        if merge:
            sheet.merge_cells(f"{cell}:{merge}")
        sheet[cell] = text
        sheet[cell].font, sheet[cell].fill = bold, label_fill

    sheet.merge_cells("A1:H1")
    sheet["A1"] = "客户 8D 报告 Supplier 8D Report  (OEM-QF-8D-03)"
    sheet["A1"].font = Font(name="Noto Sans CJK SC", bold=True, size=14)
    label("A3", "供应商 Supplier", "B3")
    sheet.merge_cells("C3:E3")
    label("F3", "供应商代码 Code")
    label("A4", "8D 编号 8D No.", "B4")
    sheet.merge_cells("C4:E4")
    book.defined_names["ComplaintNo"] = DefinedName("ComplaintNo", attr_text=f"'{SHEET}'!$C$4")
    label("F4", "客户编号 Ref.")
    label("A5", "零件号 Part No.", "B5")
    label("F5", "零件名称 Part name")
    label("A6", "发现日期 Date", "B6")
    label("F6", "不良数 Qty NG")
    label("A8", "D2 问题描述", "B8")
    sheet.merge_cells("C8:H8")
    sheet.row_dimensions[8].height = 45
    label("A10", "D1 小组 Team", "H10")
    for row in range(11, 11 + TEAM_ROWS):
        sheet.merge_cells(f"B{row}:C{row}")
        sheet.merge_cells(f"D{row}:E{row}")
    sheet["A11"] = "姓名 / 部门 / 角色"
    label("A16", "D3 围堵 Clean point", "B16")
    sheet.merge_cells("C16:H16")
    label("A18", "D4 根本原因", "B18")
    for row in range(18, 18 + ACTION_ROWS):
        sheet.merge_cells(f"C{row}:H{row}")
    label("A22", "D5 纠正措施 Action", "D22")
    label("E22", "负责人 Owner")
    label("F22", "完成期限 Due")
    label("G22", "状态 Status", "H22")
    for row in range(23, 23 + ACTION_ROWS):
        sheet.merge_cells(f"B{row}:D{row}")
    label("A26", "措施数 Actions")
    sheet["B26"] = f"=COUNTA(B23:B{22 + ACTION_ROWS})"  # the form's own formula
    label("A28", "D8 经验教训", "B28")
    sheet.merge_cells("C28:H28")
    label("A30", "签署")
    for column, text in zip("BDFH", ("编制", "审核", "批准", "客户确认"), strict=True):
        label(f"{column}30", text)
    sheet["A31"], sheet["A32"] = "姓名", "日期"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def install(customer, *, actor, name: str = "OEM-QF-8D-03"):
    """The example form mapped for one customer (inside a change transaction)."""
    from .models import CustomerReportForm, ReportFormCell

    form = CustomerReportForm(customer=customer, name=name)
    form.file.save("oem-8d-form.xlsx", ContentFile(build()), save=False)
    audit.save_new(form, actor=actor)
    for field, sheet, target, rows in CELLS:
        audit.save_new(
            ReportFormCell(form=form, field=field, sheet=sheet, target=target, rows=rows),
            actor=actor,
        )
    return form
