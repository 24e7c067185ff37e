"""The 8D report as PDF (read back with pypdf) and as xlsx (read back with openpyxl), in the
customer's document language, with the controlled form's header and the sign-off block."""

from __future__ import annotations

import io

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from cqms.complaints import reports
from cqms.complaints.models import ReportSettings

from .answering import answerable, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def ready(sales, customer, quality, member):
    return answerable(sales, customer, quality, member)


def pdf_text(content: bytes) -> str:
    """The text of every page, as a reader's copy and paste would give it."""
    assert content.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def has(text: str, phrase: str) -> bool:
    """The phrase is in the text, wherever the layout broke its lines."""
    return "".join(phrase.split()) in "".join(text.split())


def pdf_fonts(content: bytes) -> set[str]:
    """The names of the fonts the pages use (subset prefixes such as 'ABCDEF+' removed)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return {
        str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }


def sheet_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for row in book.active.iter_rows(values_only=True) for cell in row if cell]
    return "\n".join(str(cell) for cell in cells)


def test_the_pdf_carries_the_number_the_defect_the_form_and_page_x_of_y(ready, sales):
    answer = send(ready, sales)
    content = reports.render_pdf(answer.snapshot, "zh", version=1)
    text = pdf_text(content)
    assert ready.number in text
    assert has(text, "外壳表面划伤")  # the defect phrase, in Chinese glyphs
    assert "QR-QA-015" in text and "A/1" in text  # form number and revision
    assert has(text, "夹具磨损")  # D4 content
    assert any("Noto" in font and "CJK" in font for font in pdf_fonts(content)), pdf_fonts(content)
    english = pdf_text(reports.render_pdf(answer.snapshot, "en", version=1))
    assert has(english, "Page 1 of")


def test_the_form_number_comes_from_the_administrators_setting(ready):
    ReportSettings.objects.create(form_number="QP-8D-001", revision="B/2")
    text = pdf_text(reports.render_pdf(reports.build_snapshot(ready), "en"))
    assert "QP-8D-001" in text and "B/2" in text
    assert "Draft" in text  # a preview is marked as a draft


def test_english_and_bilingual_customers_get_their_labels(ready):
    snapshot = reports.build_snapshot(ready)
    english = pdf_text(reports.render_pdf(snapshot, "en"))
    assert "Customer" in english and "客户 / Customer" not in english
    assert "D4 Root cause" in english
    bilingual = pdf_text(reports.render_pdf(snapshot, "bilingual"))
    assert has(bilingual, "客户 / Customer")
    chinese = reports.report_context(snapshot, "zh")
    assert chinese["header"][0][0] == "客户"


def test_the_xlsx_holds_the_same_report_and_reads_back(ready, sales):
    answer = send(ready, sales)
    content = reports.render_xlsx(answer.snapshot, "bilingual", version=1)
    text = sheet_text(content)
    assert f"{ready.number} v1" in text
    assert "外壳表面划伤，长度约 5 mm" in text
    assert "客户 / Customer" in text
    assert "检验漏检" in text  # the escape cause of D4
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert "QR-QA-015" in book.active.oddHeader.right.text
    assert "&P" in book.active.oddFooter.center.text or "&[Page]" in str(
        book.active.oddFooter.center.text
    )


def test_the_xlsx_never_turns_text_into_formulas(sales, customer, quality, member):
    complaint = answerable(
        sales, customer, quality, member, defect_description='=HYPERLINK("http://x","y")'
    )
    content = reports.render_xlsx(reports.build_snapshot(complaint), "en")
    book = openpyxl.load_workbook(io.BytesIO(content))
    values = [c for row in book.active.iter_rows() for c in row if c.value]
    cell = next(c for c in values if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"  # a string, not a formula


def test_the_sign_off_block_shows_prepared_reviewed_and_approved_with_dates(ready, sales):
    answer = send(ready, sales)
    prepared = answer.snapshot["signoff"][0]
    assert (prepared["role"], prepared["name"]) == ("prepared", str(ready.owner))
    last_step = max(s.completed_at for s in ready.steps.all() if s.completed_at)
    assert prepared["time"] == reports._iso(last_step)  # when D1–D7 were done
    context = reports.report_context(answer.snapshot, "en", version=1)
    labels = [row[0] for row in context["signoff"].rows]
    # the form's rows, empty for a hand signature until signed; "decided" only when signed
    assert labels == ["Prepared by", "Reviewed by", "Approved by"]
    assert context["signoff"].rows[0][3] == reports._moment(prepared["time"])
    assert context["signoff"].columns == ["Signature", "Name", "Position", "Date", "Meaning"]


def test_a_signature_that_no_longer_matches_is_marked_in_the_report(ready):
    snapshot = reports.build_snapshot(ready)
    snapshot["signoff"].append(
        {
            "role": "approved",
            "name": "王经理",
            "on_behalf_of": "",
            "time": "2026-11-20 10:15:03+08:00",
            "meaning": "approved",
            "node": "Quality manager",
            "state": "changed",
            "valid": False,
        }
    )
    text = pdf_text(reports.render_pdf(snapshot, "en"))
    assert has(text, "王经理") and has(text, "2026-11-20 10:15")
    assert has(text, "no longer matches")


def test_downloads_are_the_draft_and_the_frozen_version(client, ready, sales, make_user):
    answer = send(ready, sales)
    client.force_login(sales)
    draft = client.get(reverse("complaints:report_pdf", args=[ready.number]))
    assert draft.status_code == 200 and draft["Content-Type"] == "application/pdf"
    frozen = client.get(reverse("complaints:answer_pdf", args=[ready.number, 1]))
    assert ready.number in pdf_text(frozen.content)
    sheet = client.get(reverse("complaints:answer_xlsx", args=[ready.number, 1]))
    assert "外壳表面划伤" in sheet_text(sheet.content)
    english = client.get(reverse("complaints:report_xlsx", args=[ready.number]), {"language": "en"})
    assert "Customer" in sheet_text(english.content)
    assert client.get(reverse("complaints:answer_pdf", args=[ready.number, 9])).status_code == 404
    assert answer.version_number == 1


def test_outsiders_get_404_for_the_reports(client, ready, sales, make_user):
    send(ready, sales)
    stranger = make_user("far", roles=["staff"], department="finance")
    client.force_login(stranger)
    for name, args in (
        ("complaints:report_pdf", [ready.number]),
        ("complaints:report_xlsx", [ready.number]),
        ("complaints:answer_pdf", [ready.number, 1]),
        ("complaints:answer_xlsx", [ready.number, 1]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404
