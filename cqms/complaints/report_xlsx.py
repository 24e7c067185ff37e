"""The 8D report as one printable xlsx sheet (xlsxwriter), from the same report model as the PDF.

Every value is written as a text cell: a value such as "=HYPERLINK(...)" never becomes a formula.
The page header carries our logo, company name and supplier code, the form number and revision
and the document number on every printed page.
"""

from __future__ import annotations

import base64
import io

from django.utils import translation
from django.utils.translation import gettext as _

from cqms.spreadsheets.exporter import is_risky

WIDTH = 8  # columns the sheet uses
PHOTO_HEIGHT_PX = 220  # a photo's height on the sheet


def _escape(text: str) -> str:
    return text.replace("&", "&&")


def _page_counter(words) -> str:
    languages = ["zh-hans", "en"] if words.bilingual else [words.html_lang]
    texts = []
    for code in languages:
        with translation.override(code):
            value = _("Page %(page)s of %(pages)s") % {"page": "&P", "pages": "&N"}
        if value not in texts:
            texts.append(value)
    return "   ".join(texts)


def render(report: dict) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    font = {"font_name": "Noto Sans CJK SC", "font_size": 9, "valign": "top", "text_wrap": True}
    plain = workbook.add_format(font)
    quoted = workbook.add_format({**font, "quote_prefix": True})
    bold = workbook.add_format({**font, "bold": True})
    title = workbook.add_format({**font, "bold": True, "font_size": 14, "text_wrap": False})
    section = workbook.add_format({**font, "bold": True, "bg_color": "#DDE3EA", "border": 1})
    head = workbook.add_format({**font, "bold": True, "bg_color": "#F1F3F5", "border": 1})
    cell = workbook.add_format({**font, "border": 1})
    cell_quoted = workbook.add_format({**font, "border": 1, "quote_prefix": True})
    caption = workbook.add_format({**font, "italic": True, "font_color": "#444444"})

    sheet = workbook.add_worksheet("8D")
    sheet.set_paper(9)  # A4
    sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.5, top=1.0, bottom=0.8)
    identity = report["company_name"]
    if report["supplier_code"]:
        identity += f"  {report['supplier_code_label']} {report['supplier_code']}"
    header, options = f"&C&8{_escape(identity)}", {}
    if report["logo"]:
        data = base64.b64decode(report["logo"].split(",", 1)[1])
        header = f"&L&G{header}"
        options = {"image_left": "logo.png", "image_data_left": io.BytesIO(data)}
    header += f"&R&8{_escape(report['form_line'])}\n{_escape(report['document_number'])}"
    sheet.set_header(header, options)
    sheet.set_footer(f"&C&8{_escape(_page_counter(report['words']))}")
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, WIDTH - 1, 16)

    def text(row, col, value, style=plain, risky_style=quoted):
        value = "" if value is None else str(value)
        if value == "":
            sheet.write_blank(row, col, None, style)
        else:
            sheet.write_string(row, col, value, risky_style if is_risky(value) else style)

    row = 0
    text(row, 0, report["title"], title)
    text(row, 5, report["document_number"], bold)
    row += 1
    for line in (
        identity,
        report["form_line"],
        report["draft_label"] if report["draft"] else "",
        report["internal_label"] if report["internal"] else "",
        report["sent_line"],
    ):
        if line:
            text(row, 0, line, bold if line is not identity else plain)
            row += 1
    row += 1

    def pairs(items):
        nonlocal row
        for label, value in items:
            text(row, 0, label, bold)
            sheet.merge_range(row, 1, row, WIDTH - 1, "", plain)
            text(row, 1, value)
            row += 1

    def table(item):
        nonlocal row
        text(row, 0, item.title, bold)
        row += 1
        for col, heading in enumerate(item.columns[:WIDTH]):
            text(row, col, heading, head, head)
        row += 1
        for values in item.rows:
            for col, value in enumerate(values[:WIDTH]):
                text(row, col, value, cell, cell_quoted)
            row += 1
        row += 1

    def photos(items):
        nonlocal row
        for photo in items:
            data = base64.b64decode(photo.uri.split(",", 1)[1])
            scale = min(1.0, PHOTO_HEIGHT_PX / max(photo.height, 1))
            sheet.insert_image(
                row,
                1,
                "photo",
                {"image_data": io.BytesIO(data), "x_scale": scale, "y_scale": scale},
            )
            row += max(1, int(photo.height * scale / 20) + 1)  # rows of 20 px
            text(row, 1, photo.caption, caption)
            row += 2

    pairs(report["header"])
    row += 1
    if report["clocks"] is not None:
        table(report["clocks"])
    for part in report["sections"]:
        sheet.merge_range(row, 0, row, WIDTH - 1, "", section)
        text(row, 0, part.title, section, section)
        row += 1
        pairs(part.meta)
        pairs(part.fields)
        for item in part.tables:
            table(item)
        photos(part.photos)
        row += 1
    table(report["signoff"])
    workbook.close()
    return buffer.getvalue()
