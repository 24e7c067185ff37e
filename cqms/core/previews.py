"""Photos among stored files: a small cached thumbnail and the full-size image shown in the
browser. Neither the file name nor the type the upload claimed is trusted: a file is an image
only when Pillow reads it as a JPEG or PNG of sane size; anything else is only ever downloaded
(core.files.download_response)."""

from __future__ import annotations

import io
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.http import FileResponse, Http404, HttpResponse
from PIL import Image, ImageOps

from .files import OK, file_state

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")
# Pillow's format name -> the only content types an image is ever served with
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
THUMBNAIL_PX = 320  # shown at 160 CSS pixels: sharp on high-density screens
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; more is a decompression bomb, not evidence
THUMBNAIL_DIR = "thumbnails"


def looks_like_image(filename: str) -> bool:
    """Whether a page offers a thumbnail for the file (its content is checked when served)."""
    return PurePath(filename or "").suffix.lower().lstrip(".") in IMAGE_EXTENSIONS


def _open(file_field):
    return file_field.storage.open(file_field.name, "rb")


def image_type(file_field) -> str | None:
    """The content type of a stored JPEG or PNG, read from its content; None for anything
    else (a renamed PDF, a damaged or enormous image, a file that cannot be read)."""
    try:
        with _open(file_field) as handle, Image.open(handle) as image:
            if image.format not in CONTENT_TYPES or _too_large(image):
                return None
            image.verify()
            return CONTENT_TYPES[image.format]
    except Exception:  # any decoding or storage error: not an image we show
        return None


def _too_large(image) -> bool:
    width, height = image.size
    return width * height > MAX_PIXELS


def thumbnail(row) -> bytes | None:
    """A JPEG at most THUMBNAIL_PX square of the row's image, made once and kept in the file's
    storage under its upload digest (so a changed file never shows an old thumbnail)."""
    storage = row.file.storage
    name = f"{THUMBNAIL_DIR}/{row.sha256[:2]}/{row.sha256}-{THUMBNAIL_PX}.jpg"
    if storage.exists(name):
        with storage.open(name, "rb") as handle:
            return handle.read()
    content = _draw_thumbnail(row.file)
    if content is None:
        return None
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # drawn at the same time by another request: keep one
        storage.delete(saved)
    return content


def _draw_thumbnail(file_field) -> bytes | None:
    try:
        with _open(file_field) as handle, Image.open(handle) as image:
            if image.format not in CONTENT_TYPES or _too_large(image):
                return None
            image.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))  # JPEG: decode at a smaller scale
            image = ImageOps.exif_transpose(image)  # phone photos stand the way they were taken
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
            return out.getvalue()
    except Exception:  # a damaged image gets no thumbnail; the page shows its name
        return None


def _harden(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


def thumbnail_response(row) -> HttpResponse:
    """The row's thumbnail, or 404 when it is no image or its bytes no longer have the digest
    taken at upload (the full-size link then records the refusal)."""
    if not looks_like_image(row.original_filename):
        raise Http404
    size = row.file_size or None
    if row.sha256 and file_state(row.file, row.sha256, size=size, quick=True) != OK:
        raise Http404
    content = thumbnail(row)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return _harden(response)


def inline_image_response(file_field, filename: str) -> FileResponse | None:
    """The stored image itself, for the browser to show (not to download), or None when the
    file is not a JPEG or PNG by its content."""
    content_type = image_type(file_field)
    if content_type is None:
        return None
    response = FileResponse(
        _open(file_field), as_attachment=False, filename=filename, content_type=content_type
    )
    return _harden(response)
