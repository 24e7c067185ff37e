"""The customer archive shows a scanned drawing or photo as a thumbnail that opens at full size;
other documents download as attachments (issue 17, defect 6)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cqms.customers import services

from .factories import make_customer

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% quality agreement\n"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (20, 90, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def owner(make_user):
    return make_user("li.na", roles=["sales_manager"], department="sales")


@pytest.fixture
def archive(owner):
    customer = make_customer(owner, "DOC1", owner=owner)
    drawing = services.add_document(
        customer,
        {"doc_type": "drawing", "title": "外壳图纸"},
        SimpleUploadedFile("drawing.jpg", jpeg()),
        actor=owner,
    )
    agreement = services.add_document(
        customer,
        {"doc_type": "quality_agreement", "title": "质量协议"},
        SimpleUploadedFile("agreement.pdf", PDF),
        actor=owner,
    )
    return customer, drawing, agreement


def url(name, customer, document):
    return reverse(f"customers:{name}", args=[customer.pk, document.pk])


def test_the_archive_shows_a_drawing_as_a_thumbnail_that_opens_full_size(client, owner, archive):
    customer, drawing, agreement = archive
    client.force_login(owner)
    page = client.get(customer.get_absolute_url()).content.decode()
    assert f'href="{url("document_view", customer, drawing)}"' in page
    assert f'src="{url("document_thumbnail", customer, drawing)}"' in page
    assert url("document_thumbnail", customer, agreement) not in page

    thumbnail = client.get(url("document_thumbnail", customer, drawing))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumbnail.content)).size == (320, 240)
    full = client.get(url("document_view", customer, drawing))
    assert full["Content-Type"] == "image/jpeg"
    assert full["Content-Disposition"].startswith("inline")
    assert full["X-Content-Type-Options"] == "nosniff"
    assert full["Content-Security-Policy"] == "sandbox"
    assert b"".join(full.streaming_content) == drawing.file.open("rb").read()


def test_a_pdf_in_the_archive_downloads_as_an_attachment(client, owner, archive):
    customer, _drawing, agreement = archive
    client.force_login(owner)
    response = client.get(url("document_view", customer, agreement))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert client.get(url("document_thumbnail", customer, agreement)).status_code == 404


def test_outsiders_get_404_for_the_drawing_and_its_thumbnail(client, archive, make_user):
    customer, drawing, _agreement = archive
    client.force_login(make_user("wang.fang", roles=["salesperson"], department="sales"))
    for name in ("document_view", "document_thumbnail", "document_download"):
        assert client.get(url(name, customer, drawing)).status_code == 404
