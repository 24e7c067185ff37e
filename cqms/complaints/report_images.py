"""Images in the 8D report: the company logo and the photos attached to a complaint.

Only files that Pillow decodes as PNG or JPEG are used, and they are drawn again (scaled down,
EXIF rotation applied, metadata dropped) before they go into a document: a report never carries
an uploaded file's bytes as they came.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cqms.core.files import OK, check_upload, file_state

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg")
IMAGE_FORMATS = {"PNG", "JPEG"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger is refused before decoding
PHOTO_PIXELS = 1600  # longest side of a photo in the report
LOGO_PIXELS = 600


@dataclass(frozen=True)
class Picture:
    data: bytes
    mime: str
    width: int
    height: int

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode()}"


def _open(handle):
    from PIL import Image

    image = Image.open(handle)
    if image.format not in IMAGE_FORMATS:
        raise ValueError(image.format)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValueError("too many pixels")
    return image


def decode(content: bytes, *, longest: int = PHOTO_PIXELS) -> Picture | None:
    """The image drawn again as PNG (with transparency) or JPEG; None when it is no PNG or JPEG
    image Pillow can read completely."""
    from PIL import Image, ImageOps

    try:
        _open(io.BytesIO(content)).verify()  # structure and checksums
        image = _open(io.BytesIO(content))
        image.load()  # every pixel decodes
        image = ImageOps.exif_transpose(image)
    except Exception:  # any decoder error: not an image we use
        return None
    image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P"):
        image.convert("RGBA").save(buffer, "PNG", optimize=True)
        mime = "image/png"
    else:
        image.convert("RGB").save(buffer, "JPEG", quality=85)
        mime = "image/jpeg"
    return Picture(buffer.getvalue(), mime, image.width, image.height)


def stored_picture(file_field, sha256: str = "", *, longest: int = PHOTO_PIXELS) -> Picture | None:
    """A stored file as a picture, if it still has the digest taken at upload and is an image."""
    if not file_field or not getattr(file_field, "name", ""):
        return None
    if sha256 and file_state(file_field, sha256) != OK:
        return None
    try:
        with file_field.storage.open(file_field.name, "rb") as handle:
            content = handle.read()
    except Exception:  # missing or unreadable: left out
        return None
    return decode(content, longest=longest)


def validate_logo(upload) -> None:
    """A logo upload: a PNG or JPEG file that decodes as one."""
    if getattr(upload, "_committed", True) and not hasattr(upload, "content_type"):
        return  # the stored logo, checked when it was uploaded
    check_upload(upload, allowed=IMAGE_EXTENSIONS)
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    if decode(content, longest=LOGO_PIXELS) is None:
        raise ValidationError(_("The file is not a PNG or JPEG image."), code="not_image")
