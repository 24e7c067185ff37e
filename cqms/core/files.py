"""Uploaded files are hostile until checked, and are only ever served as downloads through
permission-checked views (shared/reliability.md D10, U1–U4)."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
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


def download_response(file_field, filename: str) -> FileResponse:
    """Serve a stored file as an attachment that browsers never render or sniff."""
    response = FileResponse(file_field.open("rb"), as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
