"""Imports: headers in either language, row-numbered translated errors, all or nothing."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django import forms
from django.utils import translation
from django.utils.translation import gettext

from cqms.audit import services as audit
from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError
from cqms.organisation.models import Department
from cqms.spreadsheets import importer
from cqms.spreadsheets.importer import NEW, UNCHANGED, UPDATED, Column, ImportSpec

from . import files

pytestmark = pytest.mark.django_db


class DepartmentRowForm(forms.Form):
    code = forms.SlugField(max_length=40)
    name = forms.CharField(max_length=100)
    name_en = forms.CharField(max_length=100, required=False)
    is_active = forms.BooleanField(required=False)
    founded = forms.DateField(required=False)  # checked, not stored
    size = forms.ChoiceField(choices=[("small", "Small"), ("large", "Large")], required=False)
    headcount = forms.IntegerField(min_value=0, required=False)


COLUMNS = [
    Column("code", "部门编码", "Code", required=True, example="lab", help="Letters and digits"),
    Column("name", "名称", "Name", required=True, example="实验室"),
    Column("name_en", "英文名称", "English name", example="Laboratory"),
    Column("is_active", "启用", "Active", example="是"),
    Column("founded", "成立日期", "Founded", example="2026-03-05"),
    Column("size", "规模", "Size"),
    Column("headcount", "人数", "Headcount"),
]


def _existing(cleaned):
    return Department.objects.filter(code=cleaned["code"]).first()


def classify(cleaned) -> str:
    existing = _existing(cleaned)
    if existing is None:
        return NEW
    same = (existing.name, existing.name_en) == (cleaned["name"], cleaned["name_en"])
    return UNCHANGED if same else UPDATED


def save_row(cleaned, *, actor) -> str:
    """What a register's service does: check its rules, write, audit."""
    if cleaned["code"] == "refused":
        raise BusinessRuleError("This department may not be imported.")
    existing = _existing(cleaned)
    values = {"name": cleaned["name"], "name_en": cleaned["name_en"]}
    if existing is not None:
        changed = audit.save_changes(existing, values, actor=actor)
        return UPDATED if changed else UNCHANGED
    audit.save_new(Department(code=cleaned["code"], **values), actor=actor)
    return NEW


def make_spec(**overrides) -> ImportSpec:
    return ImportSpec(
        **{
            "name": "departments",
            "columns": COLUMNS,
            "form_class": DepartmentRowForm,
            "save_row": save_row,
            "classify": classify,
            "key_fields": ("code",),
            "sheet_title": "部门",
            **overrides,
        }
    )


@pytest.fixture
def actor(make_user):
    return make_user("li.na", roles=["administrator"])


def error_tuples(report):
    return [(e.row, e.column, e.message) for e in report.errors]


@pytest.mark.parametrize(
    "headers",
    [
        ["部门编码", "名称", "英文名称"],
        ["部门编码 *", " 名 称 ", "英文名称"],
        ["  CODE ", "name*", "English  Name"],
        ["Ｃｏｄｅ", "NAME", "english name"],  # full-width letters
    ],
)
def test_headers_match_in_chinese_or_english_whatever_the_case_and_spacing(headers):
    upload = files.xlsx([headers, ["lab", "实验室", "Laboratory"]])
    report = importer.dry_run(make_spec(), upload)
    assert report.ok, error_tuples(report)
    assert (report.rows, report.new) == (1, 1)


def test_columns_may_come_in_any_order_and_unknown_ones_are_ignored():
    upload = files.xlsx([["备注", "Name", "Code"], ["whatever", "实验室", "lab"]])
    report = importer.dry_run(make_spec(), upload)
    assert report.ok and report.new == 1


def test_a_missing_required_column_is_reported():
    with translation.override("en"):
        report = importer.dry_run(make_spec(), files.xlsx([["Code"], ["lab"]]))
    assert error_tuples(report) == [
        (1, "Name", "The required column “Name” is missing from the header row.")
    ]


def test_a_file_without_header_row_is_reported():
    with translation.override("en"):
        report = importer.dry_run(make_spec(), files.xlsx([["a", "b"], ["c", "d"]]))
    assert len(report.errors) == 1 and "header" in report.errors[0].message


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dry_run_names_rows_and_columns_in_the_users_language(language):
    upload = files.xlsx(
        [
            ["部门编码", "名称", "成立日期", "规模", "人数"],
            ["lab", "实验室", "2026-03-05", "Large", 12],
            [None, "无编码", None, None, None],
            ["lab2", "二号实验室", "2026-02-30", None, None],
            ["lab3", "三号实验室", None, "Huge", -1],
        ]
    )
    count = Department.objects.count()
    with translation.override(language):
        report = importer.dry_run(make_spec(), upload)
        required = gettext("This field is required.")
        bad_date = gettext("Enter a valid date.")
        code, founded = COLUMNS[0].header(), COLUMNS[4].header()
    assert (report.rows, report.new) == (4, 1)
    errors = error_tuples(report)
    assert errors[:2] == [(3, code, required), (4, founded, bad_date)]
    assert [(row, column) for row, column, _ in errors[2:]] == [
        (5, "规模" if language == "zh-hans" else "Size"),
        (5, "人数" if language == "zh-hans" else "Headcount"),
    ]
    assert "Huge" in errors[2][2]
    if language == "zh-hans":
        assert required != "This field is required."  # Django's own Chinese message
    assert Department.objects.count() == count  # a dry run writes nothing


def test_cells_are_understood_as_people_fill_them():
    seen = []
    spec = make_spec(classify=lambda cleaned: seen.append(cleaned) or NEW)
    upload = files.xlsx(
        [
            ["Code", "Name", "Active", "Founded", "Size", "Headcount"],
            ["a1", "甲", "是", dt.date(2026, 3, 5), "Large", 12.0],
            ["a2", "乙", "否", 46086, "small", "7"],
            ["a3", "丙", "yes", "2026年3月5日", "LARGE", None],
            ["a4", "丁", None, "2026/3/5", None, None],
        ]
    )
    report = importer.dry_run(spec, upload)
    assert report.ok, error_tuples(report)
    assert [(r["is_active"], r["founded"], r["size"], r["headcount"]) for r in seen] == [
        (True, dt.date(2026, 3, 5), "large", 12),
        (False, dt.date(2026, 3, 5), "small", 7),
        (True, dt.date(2026, 3, 5), "large", None),
        (False, dt.date(2026, 3, 5), "", None),
    ]


def test_a_gbk_csv_from_chinese_excel_is_imported():
    upload = files.csv_file("部门编码,名称,启用\r\nlab,实验室,是\r\n", encoding="gbk")
    report = importer.dry_run(make_spec(), upload)
    assert report.ok and report.new == 1


def test_dry_run_counts_new_changed_and_unchanged_records():
    sales = Department.objects.get(code="sales")
    quality = Department.objects.get(code="quality")
    upload = files.xlsx(
        [
            ["Code", "Name", "English name"],
            ["sales", sales.name, sales.name_en],
            ["quality", "品质中心", quality.name_en],
            ["lab", "实验室", ""],
        ]
    )
    report = importer.dry_run(make_spec(), upload)
    assert (report.new, report.updated, report.unchanged) == (1, 1, 1)


def test_the_same_key_twice_in_one_file_is_an_error():
    upload = files.xlsx([["Code", "Name"], ["lab", "实验室"], ["LAB", "又一个"]])
    with translation.override("en"):
        report = importer.dry_run(make_spec(), upload)
    assert error_tuples(report) == [(3, "Code", "The same value is already in row 2 of this file.")]


def test_commit_writes_nothing_when_one_row_is_invalid(actor):
    upload = files.xlsx([["Code", "Name"], ["lab", "实验室"], ["bad code!", "坏"], ["lab2", "二"]])
    departments, entries = Department.objects.count(), AuditEntry.objects.count()
    report = importer.commit(make_spec(), upload, actor=actor)
    assert not report.committed
    assert [e.row for e in report.errors] == [3]
    assert Department.objects.count() == departments
    assert AuditEntry.objects.count() == entries


def test_commit_rolls_back_every_row_when_the_service_refuses_one(actor):
    upload = files.xlsx([["Code", "Name"], ["lab", "实验室"], ["refused", "拒绝"], ["lab2", "二"]])
    departments, entries = Department.objects.count(), AuditEntry.objects.count()
    report = importer.commit(make_spec(), upload, actor=actor)
    assert not report.committed
    assert error_tuples(report) == [(3, "", "This department may not be imported.")]
    assert not Department.objects.filter(code="lab").exists()  # saved before row 3, undone
    assert Department.objects.count() == departments
    assert AuditEntry.objects.count() == entries


def test_commit_writes_every_row_and_audits_it_as_an_import(actor):
    upload = files.xlsx(
        [["Code", "Name"], ["lab", "实验室"], ["lab2", "二号实验室"], ["sales", "营业一部"]]
    )
    calls = []
    report = importer.commit(
        make_spec(), upload, actor=actor, progress=lambda *args: calls.append(args)
    )
    assert report.committed and report.ok
    assert (report.new, report.updated, report.unchanged) == (2, 1, 0)
    assert Department.objects.get(code="sales").name == "营业一部"
    entries = AuditEntry.objects.filter(record_type="organisation.department")
    assert entries.count() == 3
    assert set(entries.values_list("source", flat=True)) == {"import"}
    assert calls[-1][:2] == (3, 3)  # progress reached the end of the save phase


def test_a_file_with_too_many_rows_is_refused():
    rows = [["Code", "Name"]] + [[f"d{n}", "部门"] for n in range(6)]
    report = importer.dry_run(make_spec(max_rows=5), files.xlsx(rows))
    assert [e.row for e in report.errors] == [7]


@pytest.mark.parametrize(
    ("language", "first_header", "choice_text"),
    [("zh-hans", "部门编码 *", "Small, Large"), ("en", "Code *", "Small, Large")],
)
def test_the_template_has_headers_an_example_and_instructions(language, first_header, choice_text):
    with translation.override(language):
        data = importer.build_template(make_spec())
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["部门", importer.INSTRUCTIONS_SHEET]
    sheet = workbook["部门"]
    assert sheet["A1"].value == first_header
    assert [c.value for c in sheet[2]][:3] == ["lab", "实验室", "Laboratory"]
    assert sheet["E2"].value == dt.datetime(2026, 3, 5)  # the example date is a real date
    assert sheet.freeze_panes == "A2"
    notes = workbook[importer.INSTRUCTIONS_SHEET]
    lines = [[c.value for c in row] for row in notes.iter_rows(min_row=2, max_row=8)]
    assert lines[0][0] in ("部门编码 (Code)", "Code (部门编码)")
    assert lines[0][3] == "lab"
    assert lines[5][4] == choice_text  # allowed values of the "size" column
    # The template, filled in, imports; its unchanged example row is skipped.
    report = importer.dry_run(make_spec(), io.BytesIO(data))
    assert report.ok and report.rows == 0 and report.example_skipped
