"""Evidence can be opened (issue 17, defect 6): a photo shows as a thumbnail that opens the image
at full size in the browser; any other file, or a file that only pretends to be a photo,
downloads as an attachment. Every answer carries nosniff and a sandbox policy."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cqms.audit.models import AuditEntry
from cqms.complaints import eightd
from cqms.core import previews

from .factories import register

pytestmark = pytest.mark.django_db
REPORT = b"%PDF-1.4\n% measurement report\n"
FAKE_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the right first bytes, no image


def photo_bytes(size=(1200, 900), kind="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


@pytest.fixture
def complaint(sales, customer, quality):
    complaint = register(
        sales,
        customer,
        owner=quality,
        attachments=[
            SimpleUploadedFile("划伤.png", photo_bytes()),
            SimpleUploadedFile("report.pdf", REPORT),
            SimpleUploadedFile("fake.png", FAKE_PNG),
        ],
    )
    return complaint


def attachment(complaint, name):
    return complaint.attachments.get(original_filename=name)


def url(name, complaint, row):
    return reverse(f"complaints:{name}", args=[complaint.number, row.pk])


def hardened(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


def test_the_complaint_page_shows_photos_as_thumbnails_that_open_full_size(
    client, complaint, quality
):
    client.force_login(quality)
    page = client.get(complaint.get_absolute_url()).content.decode()
    png = attachment(complaint, "划伤.png")
    assert f'href="{url("attachment_view", complaint, png)}"' in page
    assert f'src="{url("attachment_thumbnail", complaint, png)}"' in page
    pdf = attachment(complaint, "report.pdf")
    assert url("attachment_thumbnail", complaint, pdf) not in page
    assert f'href="{url("attachment_download", complaint, pdf)}"' in page


def test_a_thumbnail_is_a_small_jpeg_drawn_once_and_kept(client, complaint, quality):
    png = attachment(complaint, "划伤.png")
    client.force_login(quality)
    response = client.get(url("attachment_thumbnail", complaint, png))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    hardened(response)
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "JPEG" and max(image.size) == previews.THUMBNAIL_PX
    kept = f"{previews.THUMBNAIL_DIR}/{png.sha256[:2]}/{png.sha256}-{previews.THUMBNAIL_PX}.jpg"
    assert png.file.storage.exists(kept)
    assert client.get(url("attachment_thumbnail", complaint, png)).content == response.content


def test_a_photo_opens_at_full_size_in_the_browser(client, complaint, quality):
    png = attachment(complaint, "划伤.png")
    client.force_login(quality)
    response = client.get(url("attachment_view", complaint, png))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    hardened(response)
    assert b"".join(response.streaming_content) == photo_bytes()


def test_a_pdf_downloads_as_an_attachment_even_from_the_full_size_link(client, complaint, quality):
    pdf = attachment(complaint, "report.pdf")
    client.force_login(quality)
    for name in ("attachment_download", "attachment_view"):
        response = client.get(url(name, complaint, pdf))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        hardened(response)
        assert b"".join(response.streaming_content) == REPORT
    assert client.get(url("attachment_thumbnail", complaint, pdf)).status_code == 404


def test_a_file_that_only_pretends_to_be_a_photo_is_never_shown(client, complaint, quality):
    fake = attachment(complaint, "fake.png")
    client.force_login(quality)
    assert client.get(url("attachment_thumbnail", complaint, fake)).status_code == 404
    response = client.get(url("attachment_view", complaint, fake))
    assert response["Content-Disposition"].startswith("attachment")
    hardened(response)


def test_a_changed_photo_gets_no_thumbnail_and_its_full_size_link_is_refused(
    client, complaint, quality
):
    png = attachment(complaint, "划伤.png")
    with open(png.file.path, "wb") as handle:
        handle.write(photo_bytes(size=(10, 10)))
    client.force_login(quality)
    assert client.get(url("attachment_thumbnail", complaint, png)).status_code == 404
    assert client.get(url("attachment_view", complaint, png)).status_code == 409
    assert AuditEntry.objects.filter(
        record_id=str(png.pk), action="files.download_refused"
    ).exists()


def test_8d_evidence_photos_show_as_thumbnails_in_their_card(client, complaint, quality):
    eightd.add_step_attachment(
        complaint, "d2", SimpleUploadedFile("缺陷.jpg", photo_bytes(kind="JPEG")), actor=quality
    )
    evidence = attachment(complaint, "缺陷.jpg")
    client.force_login(quality)
    card = client.get(
        reverse("complaints:eightd_step", args=[complaint.number, "d2"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'src="{url("attachment_thumbnail", complaint, evidence)}"' in card
    response = client.get(url("attachment_view", complaint, evidence))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")


def test_outsiders_get_404_for_the_photo_and_its_thumbnail(client, complaint, make_user):
    png = attachment(complaint, "划伤.png")
    client.force_login(make_user("sales.zhou", roles=["salesperson"], department="production"))
    for name in ("attachment_view", "attachment_thumbnail", "attachment_download"):
        assert client.get(url(name, complaint, png)).status_code == 404
