"""Exports open in Excel as they should: typed cells, no formulas from data, Chinese intact."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from cqms.spreadsheets.exporter import ExportColumn, write_csv, write_xlsx

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
RISKY = ["=1+2", "+86 138 0013 8000", "-5", "@SUM(A1:A9)", "\tTAB", "\rCR", '=HYPERLINK("x")']

COLUMNS = [
    ExportColumn("客户编码", "code"),
    ExportColumn("Name", "name"),
    ExportColumn("Since", "since"),
    ExportColumn("Updated", "updated"),
    ExportColumn("Amount", "amount"),
    ExportColumn("Key", lambda row: row.get("key")),
    ExportColumn("Empty", "missing"),
]
ROWS = [
    {
        "code": "C001",
        "name": "华为技术有限公司",
        "since": dt.date(2026, 3, 5),
        "updated": dt.datetime(2026, 3, 5, 1, 30, tzinfo=dt.UTC),
        "amount": Decimal("1234.50"),
        "key": True,
    },
    {"code": "C002", "name": "=1+2", "since": None, "updated": None, "amount": -5, "key": False},
]


def test_xlsx_round_trip_keeps_types_and_chinese(tmp_path):
    path = tmp_path / "out.xlsx"
    with translation.override("en"):
        assert write_xlsx(COLUMNS, ROWS, path, "客户") == 2
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["客户"]
    assert [c.value for c in sheet[1]] == [
        "客户编码", "Name", "Since", "Updated", "Amount", "Key", "Empty",
    ]  # fmt: skip
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    first = [c.value for c in sheet[2]]
    assert first[:2] == ["C001", "华为技术有限公司"]
    assert first[2] == dt.datetime(2026, 3, 5)  # a real date cell
    assert first[3] == dt.datetime(2026, 3, 5, 9, 30)  # local time (Asia/Shanghai)
    assert first[4] == 1234.5
    assert first[5] == "Yes"
    assert first[6] is None
    assert sheet["D2"].number_format.startswith("yyyy-mm-dd")
    assert sheet["E3"].value == -5  # numbers stay numbers, even negative ones


def test_xlsx_writes_risky_text_as_text_never_as_formula():
    stream = io.BytesIO()
    write_xlsx(["Value"], [[text] for text in RISKY], stream, "Data")
    sheet = openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # openpyxl leaves a carriage return in the file's escaped form; Excel shows the character.
    assert [c.value.replace("_x000D_", "\r") for c in cells] == RISKY
    assert all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells)


def test_xlsx_streams_many_rows_from_a_generator(tmp_path):
    path = tmp_path / "big.xlsx"
    calls = []
    rows = ((n, f"客户{n}", dt.date(2026, 1, 1)) for n in range(100_000))
    count = write_xlsx(
        ["No", "Name", "Date"],
        rows,
        path,
        "Big",
        progress=lambda done, total: calls.append(done),
        total=100_000,
    )
    assert count == 100_000
    assert calls[-1] == 100_000 and len(calls) < 1000  # reported in steps, not per row
    sheet = openpyxl.load_workbook(path, read_only=True).active
    assert sheet.max_row == 100_001
    last = next(sheet.iter_rows(min_row=100_001, values_only=True))
    assert last == (99_999, "客户99999", dt.datetime(2026, 1, 1))


def test_csv_has_a_bom_and_neutralises_risky_text(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(COLUMNS, ROWS + [{"code": text} for text in RISKY], path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert records[0][0] == "客户编码"
    assert records[1][:4] == ["C001", "华为技术有限公司", "2026-03-05", "2026-03-05 09:30"]
    assert records[2][1] == "'=1+2"
    assert records[2][4] == "-5"  # a number, not text: left alone
    assert [r[0] for r in records[3:]] == ["'" + text for text in RISKY]


@pytest.mark.parametrize("text_stream", [False, True])
def test_csv_to_a_stream_starts_with_the_bom(text_stream):
    stream = io.StringIO() if text_stream else io.BytesIO()
    write_csv(["名称"], [["甲"]], stream)
    value = stream.getvalue()
    if text_stream:
        assert value.startswith("\ufeff名称")
    else:
        assert value.startswith("\ufeff名称".encode())
        assert not stream.closed
