"""The 8D closure signature covers the evidence files: their digests are signed, re-checked from
the bytes in storage when the signature is shown or verified and when a file is downloaded
(shared/reliability.md D6, S3)."""

from __future__ import annotations

import hashlib
import hmac
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from cqms.approvals import selectors as approvals
from cqms.approvals import services as approval_services
from cqms.approvals import signing
from cqms.approvals.models import Signature
from cqms.approvals.signing import SignatureInput
from cqms.audit.models import AuditEntry
from cqms.complaints import eightd
from cqms.complaints.models import Attachment
from cqms.core.errors import BusinessRuleError

from . import eightd_factories as f
from .factories import register

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-Horse-42"
REPORT = b"%PDF-1.4\n% measurement report, 32 of 32 parts within tolerance\n"


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def qm(make_user):
    return make_user("qm.wang", roles=["quality_manager"], department="quality")


def signed():
    return SignatureInput(
        password=PASSWORD, meaning="approved", request=RequestFactory().post("/approvals/")
    )


def request_closure(sales, customer, quality, member):
    photo = SimpleUploadedFile("intake-photo.pdf", REPORT)
    complaint = register(sales, customer, owner=quality, attachments=[photo])
    f.through_d7(complaint, quality, member)  # D2 evidence: scratch.png
    f.accepted_by_customer(complaint, sales)
    f.save(complaint, "d8", {"lessons_learned": "夹具定位销纳入日点检"}, quality)
    return eightd.request_closure(complaint, actor=quality)


@pytest.fixture
def closed(sales, customer, quality, member, qm):
    """A complaint whose closure the quality manager signed, and its D2 evidence file."""
    instance = request_closure(sales, customer, quality, member)
    task = approvals.pending_tasks(instance)[0]
    approval_services.approve(task, actor=qm, signature=signed())
    complaint = instance.record
    complaint.refresh_from_db()
    return complaint, complaint.attachments.get(original_filename="scratch.png")


def closure_row(complaint):
    (row,) = approvals.signature_rows(complaint, kind=eightd.CLOSURE_KIND)
    return row


def overwrite(attachment, change: bytes = b"\x01"):
    """Change the stored bytes on disk, as someone with access to the file store could."""
    path = Path(attachment.file.path)
    data = path.read_bytes()
    path.write_bytes(data[: -len(change)] + change)  # same size: only the digest tells


def download(client, complaint, attachment):
    url = reverse("complaints:attachment_download", args=[complaint.number, attachment.pk])
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def test_the_closure_signs_the_digest_of_every_evidence_file(closed):
    complaint, attachment = closed
    signature = Signature.objects.get(kind=eightd.CLOSURE_KIND)
    names = sorted(name for _key, name, _digest in signature.files)
    assert names == ["intake-photo.pdf", "scratch.png"]
    assert [attachment.sha256] == [d for _k, n, d in signature.files if n == "scratch.png"]
    assert signature.content_hash == signing.content_hash(complaint, eightd.CLOSURE_KIND)


def test_an_untouched_evidence_file_matches_and_is_served(closed, client, quality, english):
    complaint, attachment = closed
    row = closure_row(complaint)
    assert row["valid"] and row["changed_files"] == [] and row["files_note"] == ""
    client.force_login(quality)
    response = download(client, complaint, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == f.PNG
    call_command("audit_verify", "--files", "--signatures", stdout=io.StringIO())


def test_changed_bytes_on_disk_break_the_signature_and_refuse_the_download(
    closed, client, quality, english
):
    complaint, attachment = closed
    overwrite(attachment)

    row = closure_row(complaint)
    assert row["state"] == "changed" and row["changed_files"] == ["scratch.png"]
    assert "“scratch.png”" in row["state_label"]
    client.force_login(quality)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert 'data-signature-state="changed"' in page

    response = download(client, complaint, attachment)
    assert response.status_code == 409
    text = response.content.decode()
    assert "no longer matches the fingerprint" in text and "scratch.png" in text
    refusal = AuditEntry.objects.get(action="files.download_refused")
    assert (refusal.actor, refusal.record_id) == (quality, str(attachment.pk))
    assert (refusal.root_type, refusal.root_id) == ("complaints.complaint", str(complaint.pk))
    assert refusal.reason == "scratch.png: changed"


def test_a_changed_stored_digest_breaks_the_signature_and_refuses_the_download(
    closed, client, quality, english
):
    complaint, attachment = closed
    forged = "0" * 64  # as if someone replaced the file and its digest in the database
    Attachment.objects.filter(pk=attachment.pk).update(sha256=forged)

    row = closure_row(complaint)
    assert row["state"] == "changed" and row["changed_files"] == ["scratch.png"]
    client.force_login(quality)
    assert download(client, complaint, attachment).status_code == 409
    assert AuditEntry.objects.filter(action="files.download_refused").count() == 1


def test_a_matching_new_digest_for_new_bytes_still_breaks_the_signature(closed, english):
    complaint, attachment = closed
    overwrite(attachment)  # the file replaced on disk and its digest updated to match
    Attachment.objects.filter(pk=attachment.pk).update(
        sha256=hashlib.sha256(Path(attachment.file.path).read_bytes()).hexdigest()
    )
    row = closure_row(complaint)
    assert row["state"] == "changed" and row["changed_files"] == ["scratch.png"]


def test_a_missing_file_breaks_the_signature_and_is_not_served(closed, client, quality, english):
    complaint, attachment = closed
    Path(attachment.file.path).unlink()
    assert closure_row(complaint)["changed_files"] == ["scratch.png"]
    client.force_login(quality)
    response = download(client, complaint, attachment)
    assert response.status_code == 409 and "cannot be found" in response.content.decode()


def test_audit_verify_names_the_changed_file_and_the_signature(closed):
    _complaint, attachment = closed
    overwrite(attachment)
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", "--files", "--signatures", stdout=io.StringIO(), stderr=errors)
    lines = errors.getvalue().splitlines()
    assert any(line.startswith("files: ") and "scratch.png" in line for line in lines)
    assert any(
        line.startswith("signatures: ") and "changed: evidence file(s) scratch.png" in line
        for line in lines
    )
    call_command("audit_verify", stdout=io.StringIO())  # the chain alone is still intact


def test_damaged_evidence_is_never_signed(sales, customer, quality, member, qm, english):
    instance = request_closure(sales, customer, quality, member)
    overwrite(instance.record.attachments.get(original_filename="scratch.png"))
    task = approvals.pending_tasks(instance)[0]
    with pytest.raises(BusinessRuleError) as refused:
        approval_services.approve(task, actor=qm, signature=signed())
    assert refused.value.code == "signature_file_changed"
    assert "“scratch.png”" in str(refused.value.message)
    assert not Signature.objects.exists()


def test_a_signature_made_before_files_were_signed_is_verified_as_before(closed, english):
    complaint, attachment = closed
    signature = Signature.objects.get(kind=eightd.CLOSURE_KIND)
    # the row as the signing code wrote it before: the content alone, sealed without files
    payload = {
        "record_type": "complaints.complaint",
        "record_id": str(complaint.pk),
        "content": eightd.signed_content(complaint),
    }
    signature.content_hash = hashlib.sha256(signing.canonical(payload)).hexdigest()
    values = {name: getattr(signature, name) for name in signing.SEALED_FIELDS}
    for name in ("object_id", "record_version", "instance_id", "task_id", "signer_id"):
        values[name] = None if values[name] is None else str(values[name])
    message = b"approvals.signature|" + signing.canonical(values)
    seal = hmac.new(settings.AUDIT_KEY.encode(), message, hashlib.sha256).hexdigest()
    Signature.objects.filter(pk=signature.pk).update(
        files=None, content_hash=signature.content_hash, seal=seal
    )

    row = closure_row(complaint)
    assert row["valid"] and "not checked" in row["files_note"]
    overwrite(attachment)
    assert closure_row(complaint)["valid"]  # as before: its files were never signed
    out = io.StringIO()
    call_command("audit_verify", "--signatures", stdout=out)
    assert "1 signature(s) made before evidence files were signed" in out.getvalue()
