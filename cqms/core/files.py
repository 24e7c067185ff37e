"""Uploaded files are hostile until checked, and are only ever served as downloads through
permission-checked views (shared/reliability.md D10, U1–U4)."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# extension -> magic bytes the content must start with (None: text formats checked as text)
SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "dwg": (b"AC10",),
    "stp": (b"ISO-10303-21",),
    "step": (b"ISO-10303-21",),
    "dxf": None,
    "igs": None,
    "txt": None,
}
DOCUMENT_EXTENSIONS = tuple(SIGNATURES)
OFFICE_ZIP = {"xlsx", "docx", "pptx"}


@dataclass(frozen=True)
class CheckedFile:
    extension: str
    size: int
    sha256: str
    original_name: str


def check_upload(upload, *, allowed: tuple[str, ...] = DOCUMENT_EXTENSIONS) -> CheckedFile:
    """Refuse a file whose size, extension or content is not what it claims to be."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower().lstrip(".")
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": settings.MAX_UPLOAD_MB},
            code="too_large",
        )
    if extension not in allowed:
        raise ValidationError(
            _("Files of type .%(ext)s are not accepted here. Accepted: %(allowed)s.")
            % {"ext": extension or "?", "allowed": ", ".join(allowed)},
            code="type",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    signatures = SIGNATURES[extension]
    if signatures is not None and not head.startswith(signatures):
        raise ValidationError(
            _("The content of the file does not match its extension .%(ext)s.")
            % {"ext": extension},
            code="content",
        )
    if signatures is None and b"\x00" in head:
        raise ValidationError(_("The file is not a text file."), code="content")
    if extension in OFFICE_ZIP:
        _check_office_zip(upload)
    return CheckedFile(extension, upload.size, digest.hexdigest(), name[:255])


def _check_office_zip(upload) -> None:
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise ValidationError(_("The file is damaged."), code="content") from None
    finally:
        upload.seek(0)
    if len(members) > 2000 or sum(m.file_size for m in members) > 200 * 1024 * 1024:
        raise ValidationError(_("The file unpacks to more than is allowed."), code="zip_bomb")
    if any(m.filename.lower().endswith("vbaproject.bin") for m in members):
        raise ValidationError(_("Files with macros are not accepted."), code="macro")


# --- Stored files checked against the digest taken at upload -----------------------------------

OK, CHANGED, MISSING = "ok", "changed", "missing"
CHUNK = 1024 * 1024
# A digest remembered for a file is trusted only if the file had not changed for this long before
# it was hashed: file times tick in steps of a few milliseconds, so a write right after hashing
# could otherwise leave the same times behind.
QUIET_SECONDS = 2
REMEMBER_SECONDS = 24 * 3600


def stored_sha256(file_field) -> str | None:
    """SHA-256 of the bytes in storage now; None when the file cannot be read."""
    digest = hashlib.sha256()
    try:
        with file_field.storage.open(file_field.name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except Exception:  # any storage backend: a file that cannot be read is missing
        return None
    return digest.hexdigest()


def file_state(file_field, sha256: str, *, size: int | None = None, quick: bool = False) -> str:
    """OK when the bytes in storage have the digest stored at upload, else CHANGED or MISSING.

    A size other than the stored one answers without reading the file. `quick` (pages that show
    many files) reuses a digest computed earlier for the same file while its size and times are
    unchanged; downloads, signing and `audit_verify` always read the bytes."""
    if not file_field or not file_field.name:
        return MISSING
    stamp = _stamp(file_field)
    if stamp is False:
        return MISSING
    if stamp is not None and size and stamp[0] != size:
        return CHANGED
    key = "cqms:file-sha256:" + hashlib.sha256(file_field.name.encode()).hexdigest()
    if quick and stamp is not None:
        remembered = cache.get(key)
        if remembered and tuple(remembered[0]) == stamp:
            return OK if remembered[1] == sha256 else CHANGED
    hashed_at = time.time()
    current = stored_sha256(file_field)
    if current is None:
        return MISSING
    if stamp is not None and stamp[1] <= hashed_at - QUIET_SECONDS:
        cache.set(key, (stamp, current), REMEMBER_SECONDS)
    return OK if current == sha256 else CHANGED


def _stamp(file_field) -> tuple | bool | None:
    """(size, time of last change, ...) of the stored file; False when it does not exist, None
    when the storage cannot say (then the bytes are always read)."""
    storage = file_field.storage
    try:
        path = storage.path(file_field.name)
    except NotImplementedError:  # remote storage: one metadata request
        try:
            modified = storage.get_modified_time(file_field.name).timestamp()
            return (storage.size(file_field.name), modified)
        except Exception:
            return None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False
    # the change time cannot be set back by a user, unlike the modification time
    changed = max(info.st_mtime_ns, info.st_ctime_ns) / 1e9
    return (info.st_size, changed, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


# Models whose rows keep a stored file with its upload digest (`file`, `sha256`, `file_size`,
# `original_filename`), registered by their apps for `audit_verify --files`.
_stored_models: list = []


def register_stored(model) -> None:
    if model not in _stored_models:
        _stored_models.append(model)


def verify_stored_files():
    """Read every registered stored file and compare it with its upload digest."""
    from cqms.audit.verify import CheckReport

    report = CheckReport()
    for model in _stored_models:
        for row in model._base_manager.order_by("pk").iterator(chunk_size=500):
            report.checked += 1
            if not row.sha256:
                continue
            state = file_state(row.file, row.sha256, size=row.file_size or None)
            if state != OK:
                report.problems.append(
                    f"{model._meta.label_lower} {row.pk} ({row.original_filename}): {state}: "
                    "the bytes in storage do not have the digest taken at upload"
                )
    return report


def download_checked(request, row, *, filename: str | None = None, show_image: bool = False):
    """Serve a stored file only if its bytes still have the digest stored at upload; otherwise
    refuse with a page that says so and record the refusal in the record's audit trail.
    `show_image`: a JPEG or PNG (by its content, core.previews) is shown in the browser at full
    size instead of downloaded; any other file still downloads.

    `row` has `file`, `sha256` and `file_size` (a file at most CQMS_MAX_UPLOAD_MB: reading it
    once more before sending costs little)."""
    from cqms.audit import services as audit

    name = filename or getattr(row, "original_filename", "") or PurePath(row.file.name).name
    if row.sha256:
        state = file_state(row.file, row.sha256, size=getattr(row, "file_size", None) or None)
        if state != OK:
            with audit.change_transaction():
                audit.record(
                    row,
                    "files.download_refused",
                    actor=request.user,
                    reason=f"{name}: {state}",
                )
            return render(
                request,
                "core/file_refused.html",
                {"name": name, "missing": state == MISSING},
                status=409,
            )
    if show_image:
        from .previews import inline_image_response

        shown = inline_image_response(row.file, name)
        if shown is not None:
            return shown
    return download_response(row.file, name)


def download_response(file_field, filename: str) -> FileResponse:
    """Serve a stored file as an attachment that browsers never render or sniff."""
    response = FileResponse(file_field.open("rb"), as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
