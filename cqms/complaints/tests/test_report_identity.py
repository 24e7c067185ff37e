"""The 8D report a Chinese OEM accepts: our company and the supplier code on every page, the
signature block with dates and meanings, the customer's acceptance, the closed report without
a draft stamp, photos embedded, the internal time limits only in the internal copy."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.urls import reverse

from cqms.complaints import reports
from cqms.complaints.report_images import decode
from cqms.customers import services as customer_services

from . import eightd_factories as f
from .answering import answerable, send
from .report_closing import (
    accepted_online,
    close,
    company,
    photo,
    png,
    reviewed_then_approved,
)
from .test_reports import has, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def reviewer(make_user):
    return make_user(
        "head.zheng",
        roles=["department_head"],
        department="quality",
        first_name="强",
        last_name="郑",
    )


@pytest.fixture
def manager(make_user):
    return make_user(
        "qm.li",
        roles=["quality_manager"],
        department="quality",
        first_name="静",
        last_name="李",
        title="品质经理",
    )


@pytest.fixture
def coded(customer, sales):
    customer_services.update_customer(
        customer,
        {"supplier_code": "SUP-80417"},
        actor=sales,
        expected_version=customer.version,
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def closed(sales, coded, quality, member, reviewer, manager):
    company()
    reviewed_then_approved()
    complaint = answerable(sales, coded, quality, member)
    photo(complaint, quality)
    accepted_online(complaint, sales)
    return close(complaint, quality, reviewer=reviewer, manager=manager)


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def images(content: bytes) -> list[set]:
    """The image XObjects each page can draw (the logo in the page header, the photos)."""
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(content)).pages:
        objects = page["/Resources"].get("/XObject") or {}
        pages.append(
            {
                item.idnum
                for item in objects.values()
                if item.get_object().get("/Subtype") == "/Image"
            }
        )
    return pages


def image_count(content: bytes) -> int:
    return len(set().union(*images(content)))


def test_every_page_names_our_company_the_supplier_code_and_the_form(closed):
    content = reports.render_pdf(reports.build_snapshot(closed), "zh")
    pages = page_texts(content)
    assert len(pages) > 1
    for text in pages:
        assert has(text, "苏州精密部件有限公司")
        assert has(text, "供应商代码: SUP-80417")
        assert has(text, "表单编号: QR-QA-015") and has(text, "版次: A/1")
    english = page_texts(reports.render_pdf(reports.build_snapshot(closed), "en"))
    assert image_count(content) == 2  # the logo and the photo
    assert has(english[0], "Suzhou Precision Parts Co., Ltd.")
    assert has(english[0], "Supplier code: SUP-80417") and has(english[0], "Form No.: QR-QA-015")


def test_a_sent_version_keeps_the_supplier_code_it_was_sent_with(sales, coded, quality, member):
    complaint = answerable(sales, coded, quality, member)
    answer = send(complaint, sales)
    customer_services.update_customer(
        coded, {"supplier_code": "NEW-1"}, actor=sales, expected_version=coded.version
    )
    text = pdf_text(reports.render_pdf(reports.answer_snapshot(answer), "zh", version=1))
    assert has(text, "SUP-80417") and "NEW-1" not in text


def test_the_closed_report_is_clean_and_carries_d8_all_signatures_and_the_acceptance(closed):
    snapshot = reports.build_snapshot(closed)
    assert snapshot["closed"]
    text = pdf_text(reports.render_pdf(snapshot, "zh"))
    assert "草稿" not in text  # no draft stamp
    assert has(text, "D8") and has(text, "夹具定位销纳入日点检")  # D8 and its lessons learned
    lines = text.splitlines()

    def line(label):
        return next(row for row in lines if row.replace(" ", "").startswith(label))

    date = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"
    assert re.search(date, line("编制")) and "品质工程师" in line("编制")  # position: the role
    assert "郑强" in line("审核") and re.search(date, line("审核"))
    assert "李静" in line("批准") and "品质经理" in line("批准") and re.search(date, line("批准"))
    assert "王经理" in line("客户确认") and re.search(date, line("客户确认"))
    assert has(text, "通过专属链接在线接受")
    assert has(text, "电子签名：已审核") and has(text, "电子签名：已通过")
    assert "核决" not in text  # no decision was signed


def test_a_draft_is_stamped_and_carries_no_d8(sales, coded, quality, member):
    complaint = answerable(sales, coded, quality, member)
    text = pdf_text(reports.render_pdf(reports.build_snapshot(complaint), "zh"))
    assert has(text, "草稿") and "D8" not in text


def test_the_general_managers_decision_gets_its_own_row_once_signed(closed):
    snapshot = reports.build_snapshot(closed)
    snapshot["signoff"].append(
        {
            "role": "decided",
            "name": "陈建国",
            "position": {"name": "总经理", "name_en": "General manager"},
            "time": "2026-11-21T09:30:00+08:00",
            "meaning": "decided",
            "valid": True,
        }
    )
    rows = reports.report_context(snapshot, "zh")["signoff"].rows
    decided = next(row for row in rows if row[0] == "核决")
    assert decided[1:4] == ["陈建国", "总经理", "2026-11-21 09:30"]
    assert [row[0] for row in rows][:4] == ["编制", "审核", "批准", "核决"]


def test_the_acceptance_of_a_sent_version_is_printed_with_its_date(sales, coded, quality, member):
    complaint = answerable(sales, coded, quality, member)
    answer = accepted_online(complaint, sales, name="周工")
    assert "周工" not in pdf_text(reports.render_pdf(answer.snapshot, "zh", version=1))
    text = pdf_text(reports.render_pdf(reports.answer_snapshot(answer), "zh", version=1))
    assert has(text, "客户确认") and has(text, "周工")
    assert has(text, answer.verdict_at.astimezone().strftime("%Y-%m-%d"))


def test_real_photos_are_embedded_scaled_and_captioned_and_fake_ones_left_out(
    sales, coded, quality, member
):
    complaint = answerable(sales, coded, quality, member)  # D2 carries a fake "scratch.png"
    snapshot = reports.build_snapshot(complaint)
    content = reports.render_pdf(snapshot, "zh")
    assert image_count(content) == 0
    photo(complaint, quality, description="划伤位置特写")
    snapshot = reports.build_snapshot(complaint)
    d2 = next(s for s in reports.report_context(snapshot, "zh")["sections"] if s.key == "d2")
    assert [p.caption for p in d2.photos] == ["图 1: 划伤位置特写"]
    content = reports.render_pdf(snapshot, "zh")
    assert image_count(content) == 1
    assert has(pdf_text(content), "图1:划伤位置特写")
    assert "scratch.png" in pdf_text(content)  # still listed as evidence


def test_a_photo_whose_file_changed_after_upload_is_left_out(sales, coded, quality, member):
    complaint = answerable(sales, coded, quality, member)
    photo(complaint, quality)
    attachment = complaint.attachments.get(original_filename="defect.png")
    with attachment.file.open("wb") as handle:
        handle.write(png(seed=9))  # another image, not the one uploaded
    assert image_count(reports.render_pdf(reports.build_snapshot(complaint), "zh")) == 0


def test_only_decodable_png_and_jpeg_count_as_images():
    assert decode(png()) is not None
    assert decode(f.PNG) is None  # a PNG signature and nothing behind it
    assert decode(b"GIF89a" + b"\x00" * 40) is None
    big = decode(png(3000, 200))
    assert big is not None and max(big.width, big.height) == 1600  # scaled down


def test_the_customers_copy_leaves_out_our_time_limits_the_internal_copy_keeps_them(
    client, sales, coded, quality, member
):
    complaint = answerable(sales, coded, quality, member)
    send(complaint, sales)
    client.force_login(sales)
    url = reverse("complaints:answer_pdf", args=[complaint.number, 1])
    customer_copy = pdf_text(client.get(url).content)
    internal = client.get(url, {"copy": "internal"})
    assert "时限" not in customer_copy
    assert has(pdf_text(internal.content), "时限（内部）")
    assert has(pdf_text(internal.content), "内部副本")
    assert internal["Content-Disposition"].endswith('-internal.pdf"')
    html = reports.render_html(send_snapshot := complaint.answers.get().snapshot, "zh")
    assert "时限" not in html and send_snapshot["clocks"]


def test_a_two_character_name_is_never_broken_in_a_table(sales, coded, quality, member):
    complaint = answerable(sales, coded, quality, member)
    snapshot = reports.build_snapshot(complaint)
    long_text = "更换夹具定位销并增加每日点检，首件确认后方可批量生产。" * 4
    for row in snapshot["rows"]["corrective_actions"]:
        row.update(
            owner="赵磊",
            description=long_text,
            verification_plan=long_text,
            effectiveness_result=long_text,
            done_at="2026-10-12T09:30:00+08:00",
        )
    text = pdf_text(reports.render_pdf(snapshot, "zh"))
    # the squeezed eight-column table still prints the owner and the dates on one line
    assert text.count("赵磊") == len(snapshot["rows"]["corrective_actions"]) > 0
    assert "2026-10-12 09:30" in text


def test_the_logo_must_be_a_real_image(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cqms.complaints.models import ReportSettings

    company(logo=False)
    form = ReportSettings.current()
    url = reverse("admin:complaints_reportsettings_change", args=[form.pk])
    data = {
        "company_name": "苏州精密部件有限公司",
        "company_name_en": "",
        "form_number": "QR-QA-015",
        "revision": "A/1",
    }
    fake = SimpleUploadedFile("logo.png", f.PNG, content_type="image/png")
    response = admin_client.post(url, {**data, "logo": fake})
    assert response.status_code == 200 and "不是 PNG 或 JPEG 图片" in response.content.decode()
    real = SimpleUploadedFile("logo.png", png(120, 60), content_type="image/png")
    response = admin_client.post(url, {**data, "logo": real})
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.logo.name.startswith("report-forms/")
