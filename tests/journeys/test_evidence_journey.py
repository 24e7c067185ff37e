"""Evidence opens in the browser (issue 17, defect 6): a photo attached to a complaint shows as a
thumbnail that opens the image at full size in a new tab; a PDF downloads."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from cqms.complaints.tests.factories import register
from cqms.customers.tests.factories import make_customer

from .conftest import SLOW_TIMEOUT_MS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REPORT = b"%PDF-1.4\n% measurement report\n"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_photo_opens_full_size_from_its_thumbnail_and_a_pdf_downloads(
    page, live_server, make_user
):
    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    engineer = make_user("qe.zhao", roles=["quality_engineer"], department="quality")
    customer = make_customer(sales, "C100", owner=sales)
    complaint = register(
        sales,
        customer,
        owner=engineer,
        attachments=[
            SimpleUploadedFile("划伤.png", photo()),
            SimpleUploadedFile("report.pdf", REPORT),
        ],
    )
    log_in(page, live_server.url, "qe.zhao")
    page.goto(f"{live_server.url}{complaint.get_absolute_url()}")

    thumbnail = page.locator("img[data-thumbnail][alt='划伤.png']").first
    expect(thumbnail).to_be_visible()
    thumbnail.scroll_into_view_if_needed()  # thumbnails load lazily, when they come into view
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 320", arg=thumbnail.element_handle()
    )

    with page.context.expect_page() as opened:
        thumbnail.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.url.endswith("/view/")
    assert full.evaluate("document.contentType") == "image/png"
    assert full.evaluate("document.images[0].naturalWidth") == 1600
    full.close()

    with page.expect_download(timeout=SLOW_TIMEOUT_MS) as downloading:
        page.locator("[data-attachment]", has_text="report.pdf").first.click()
    download = downloading.value
    assert download.suggested_filename == "report.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == REPORT
