"""Uploaded spreadsheets are hostile: every check runs before openpyxl parses anything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cqms.spreadsheets import reader

from . import files


def rows_of(upload, **kwargs):
    with reader.open_table(upload, **kwargs) as table:
        return list(table.rows())


def refused(upload) -> str:
    with pytest.raises(ValidationError) as caught:
        rows_of(upload)
    return caught.value.code


def test_a_workbook_is_read_row_by_row_with_excel_row_numbers():
    upload = files.xlsx([["编码", "名称"], [], ["C1", "甲"], [], ["C2", 42]])
    assert rows_of(upload) == [
        (1, ["编码", "名称"]),
        (2, []),
        (3, ["C1", "甲"]),
        (4, []),
        (5, ["C2", 42]),
    ]


def test_billion_laughs_workbook_is_refused():
    assert refused(files.billion_laughs_xlsx()) == "xml_entities"


def test_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = files.zip_bomb_xlsx(megabytes=60)
    assert bomb.size < 200 * 1024  # small on disk, 60 MB unpacked
    with pytest.raises(ValidationError) as caught:
        reader.check_xlsx_archive(bomb)
    assert caught.value.code == "zip_ratio"
    assert refused(bomb) == "zip_ratio"


def test_workbook_with_too_many_parts_is_refused():
    assert refused(files.many_members_xlsx(2001)) == "zip_members"


def test_workbook_with_macros_is_refused():
    assert refused(files.macro_xlsx()) == "macro"


def test_oversized_file_is_refused(settings):
    settings.MAX_UPLOAD_MB = 1
    big = files.csv_file("a,b\n" + "x,y\n" * 300_000)
    assert refused(big) == "too_large"


def test_old_excel_and_other_files_are_refused_with_a_reason():
    old = SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert refused(old) == "old_excel"
    assert refused(SimpleUploadedFile("fake.xlsx", b"just text")) == "not_excel"
    assert refused(SimpleUploadedFile("photo.png", b"\x89PNG\r\n")) == "type"
    assert refused(SimpleUploadedFile("empty.csv", b"")) == "empty"
    damaged = SimpleUploadedFile("damaged.xlsx", b"PK\x03\x04" + b"\0" * 50)
    assert refused(damaged) == "bad_zip"


def test_refusals_are_translated():
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            rows_of(files.macro_xlsx())
        assert "macros" in caught.value.messages[0]
    with translation.override("zh-hans"):
        assert "宏" in caught.value.messages[0]


def test_gbk_csv_is_decoded():
    upload = files.csv_file("客户编码,客户名称\r\nC001,华为技术有限公司\r\n", encoding="gbk")
    assert rows_of(upload) == [(1, ["客户编码", "客户名称"]), (2, ["C001", "华为技术有限公司"])]


def test_utf8_csv_with_and_without_bom_is_decoded():
    for encoding in ("utf-8", "utf-8-sig"):
        upload = files.csv_file('编码,名称\n"C1","甲,乙"\n', encoding=encoding)
        assert rows_of(upload) == [(1, ["编码", "名称"]), (2, ["C1", "甲,乙"])]


def test_semicolon_and_tab_separated_text_is_read():
    assert rows_of(files.csv_file("a;b\n1;2\n"))[1] == (2, ["1", "2"])
    assert rows_of(files.csv_file("a\tb\n1\t2\n", name="data.txt"))[1] == (2, ["1", "2"])


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2026, 3, 5),
        dt.datetime(2026, 3, 5, 8, 30),
        46086,
        46086.75,
        "2026/3/5",
        "2026-03-05",
        "2026.3.5",
        "2026年3月5日",
        " 2026 年 3 月 5 日 ",
        "2026-03-05 00:00:00",
        "20260305",
    ],
)
def test_dates_are_understood_in_the_forms_people_type(value):
    assert reader.parse_date(value) == dt.date(2026, 3, 5)


@pytest.mark.parametrize("value", ["2026-13-01", "2026/2/30", "next week", "", 0, True, 1e9])
def test_impossible_dates_are_refused(value):
    with pytest.raises(ValueError):
        reader.parse_date(value)


def test_a_real_date_cell_is_read_as_a_date():
    rows = rows_of(files.xlsx([["Date"], [dt.date(2026, 3, 5)], [46086]]))
    assert reader.parse_date(rows[1][1][0]) == dt.date(2026, 3, 5)
    assert reader.parse_date(rows[2][1][0]) == dt.date(2026, 3, 5)
