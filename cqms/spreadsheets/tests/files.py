"""Spreadsheet files built at test time: good ones, and the hostile ones uploads must survive."""

from __future__ import annotations

import io
import zipfile

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile


def xlsx(rows, *, name: str = "data.xlsx", date_cells: bool = True) -> SimpleUploadedFile:
    """A real workbook: strings as text, numbers as numbers, dates as date cells."""
    import datetime as dt

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet("Data")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date) and date_cells:
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    workbook.close()
    return SimpleUploadedFile(name, buffer.getvalue())


def rezip(data: bytes, *, replace=None, add=None, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """The same archive with some members replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", compression) as z:
        for info in source.infolist():
            z.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for member, content in add.items():
            z.writestr(member, content)
    return out.getvalue()


def billion_laughs_xlsx() -> SimpleUploadedFile:
    """A workbook whose sheet XML declares nested entities (it would expand to gigabytes)."""
    good = xlsx([["Code", "Name"], ["C1", "甲"]]).read()
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    prolog, body = sheet.split("?>", 1)
    evil = f"{prolog}?><!DOCTYPE worksheet [{entities}]>{body}".replace(
        "<v>0</v>", "<v>&lol9;</v>", 1
    )
    return SimpleUploadedFile(
        "laughs.xlsx", rezip(good, replace={"xl/worksheets/sheet1.xml": evil.encode()})
    )


def zip_bomb_xlsx(megabytes: int = 60) -> SimpleUploadedFile:
    """A small workbook with a member that inflates a thousandfold."""
    good = xlsx([["Code"], ["C1"]]).read()
    filler = b"<!-- " + b" " * (megabytes * 1024 * 1024) + b" -->"
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    return SimpleUploadedFile(
        "bomb.xlsx", rezip(good, replace={"xl/worksheets/sheet1.xml": sheet + filler})
    )


def macro_xlsx() -> SimpleUploadedFile:
    good = xlsx([["Code"], ["C1"]]).read()
    return SimpleUploadedFile(
        "macro.xlsx", rezip(good, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    )


def many_members_xlsx(count: int = 2001) -> SimpleUploadedFile:
    good = xlsx([["Code"], ["C1"]]).read()
    extra = {f"xl/media/image{i}.png": b"x" for i in range(count)}
    return SimpleUploadedFile("many.xlsx", rezip(good, add=extra))


def csv_file(text: str, encoding: str = "utf-8", name: str = "data.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))
