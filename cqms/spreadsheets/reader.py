"""Reading uploaded Excel and CSV files, which are hostile input until checked.

An .xlsx file is a zip archive of XML. Before openpyxl opens it, the archive's directory is
checked (size, number of members, uncompressed size, compression ratio, macros) without
decompressing anything; Python's zipfile never inflates a member beyond its declared size, so
the declared sizes are upper bounds. defusedxml is installed, so openpyxl refuses XML entity
declarations (billion laughs); that refusal is turned into a readable message here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_MEMBERS = 2000
MAX_UNCOMPRESSED = 100 * MiB
MAX_RATIO = 100
# Small members (styles, short sheets) may compress very well without being a threat.
RATIO_MIN_SIZE = 1 * MiB
MAX_COLUMNS = 200

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected workbooks
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls"}
CSV_SUFFIXES = {".csv", ".txt", ""}


def max_bytes() -> int:
    return settings.MAX_UPLOAD_MB * MiB


def _size(fileobj) -> int:
    size = getattr(fileobj, "size", None)
    if isinstance(size, int):
        return size
    position = fileobj.tell()
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(position)
    return size


def _head(fileobj, length: int = 8) -> bytes:
    fileobj.seek(0)
    head = fileobj.read(length)
    fileobj.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def _name(fileobj, filename: str | None) -> str:
    return PurePath(filename or getattr(fileobj, "name", "") or "").name


def detect_kind(fileobj, *, filename: str | None = None) -> str:
    """The kind, "xlsx" or "csv", after checking size and content (else ValidationError)."""
    size = _size(fileobj)
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_bytes():
        raise ValidationError(
            _("The file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": settings.MAX_UPLOAD_MB},
            code="too_large",
        )
    head = _head(fileobj)
    suffix = PurePath(_name(fileobj, filename)).suffix.lower()
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise ValidationError(
            _(
                "This is an old Excel file (.xls) or a workbook protected by a password. "
                "Open it in Excel and save it as an .xlsx workbook without a password."
            ),
            code="old_excel",
        )
    if suffix in EXCEL_SUFFIXES:
        raise ValidationError(
            _("The file is not a valid Excel workbook (.xlsx)."), code="not_excel"
        )
    if suffix not in CSV_SUFFIXES:
        raise ValidationError(
            _("Only Excel workbooks (.xlsx) and CSV files can be imported."), code="type"
        )
    return "csv"


def check_xlsx_archive(fileobj) -> None:
    """Refuse archives that would unpack to too much, or that carry macros, before any
    decompression. Raises ValidationError."""
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ValidationError(
            _("The file is damaged or is not a valid Excel workbook (.xlsx)."), code="bad_zip"
        ) from None
    finally:
        fileobj.seek(0)
    if len(members) > MAX_MEMBERS:
        raise ValidationError(
            _("The workbook contains more than %(count)s parts and is refused.")
            % {"count": MAX_MEMBERS},
            code="zip_members",
        )
    total = 0
    for member in members:
        name = member.filename.replace("\\", "/").lower()
        if name.rsplit("/", 1)[-1] == "vbaproject.bin":
            raise ValidationError(
                _(
                    "The workbook contains macros. Save it as an .xlsx workbook without "
                    "macros and upload it again."
                ),
                code="macro",
            )
        total += member.file_size
        if member.file_size > RATIO_MIN_SIZE and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise ValidationError(
                _(
                    "The workbook is compressed suspiciously strongly and is refused "
                    "(a part unpacks to more than %(ratio)s times its size)."
                )
                % {"ratio": MAX_RATIO},
                code="zip_ratio",
            )
    if total > MAX_UNCOMPRESSED:
        raise ValidationError(
            _("The workbook unpacks to more than %(limit)s MB and is refused.")
            % {"limit": MAX_UNCOMPRESSED // MiB},
            code="zip_size",
        )
    if not any(m.filename.lower() == "xl/workbook.xml" for m in members):
        raise ValidationError(
            _("The file is damaged or is not a valid Excel workbook (.xlsx)."), code="bad_zip"
        )


def validate_upload(fileobj, *, filename: str | None = None) -> str:
    """The checks that need no parsing, for a form's clean method: returns "xlsx" or "csv"."""
    kind = detect_kind(fileobj, filename=filename)
    if kind == "xlsx":
        check_xlsx_archive(fileobj)
    return kind


def _is_defused_refusal(error: BaseException | None) -> bool:
    from defusedxml.common import DefusedXmlException

    while error is not None:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


def _unreadable(error: Exception) -> ValidationError:
    if _is_defused_refusal(error):
        return ValidationError(
            _(
                "The workbook contains XML entity declarations, which Excel never writes, "
                "and is refused."
            ),
            code="xml_entities",
        )
    logger.info("Unreadable workbook: %r", error)
    return ValidationError(
        _("The workbook could not be read. Open it in Excel, save it as .xlsx and try again."),
        code="unreadable",
    )


def open_workbook(fileobj):
    """Check the archive, then open it with openpyxl in streaming, values-only mode.
    The caller closes the workbook (`workbook.close()`)."""
    import openpyxl

    if detect_kind(fileobj) != "xlsx":
        raise ValidationError(
            _("The file is not a valid Excel workbook (.xlsx)."), code="not_excel"
        )
    check_xlsx_archive(fileobj)
    try:
        return openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for broken files
        raise _unreadable(error) from error


def read_csv_text(fileobj) -> str:
    """The text of a CSV file: UTF-8 with or without BOM, UTF-16 with BOM, or GB18030/GBK
    (what Chinese Excel writes by default)."""
    fileobj.seek(0)
    data = fileobj.read(max_bytes() + 1)
    if isinstance(data, str):
        return data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _(
            "The CSV file could not be read: it is neither UTF-8 nor GBK text. "
            "Save it from Excel as “CSV UTF-8” or as an .xlsx workbook."
        ),
        code="encoding",
    )


class Table:
    """The rows of an uploaded sheet: `rows()` yields (row number as Excel shows it, values)."""

    def __init__(self, kind: str, rows: Iterator[tuple[int, list]], total: int | None, close=None):
        self.kind = kind
        self.total = total
        self._rows = rows
        self._close = close

    def rows(self) -> Iterator[tuple[int, list]]:
        return self._rows

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _trim(values) -> list:
    values = list(values[:MAX_COLUMNS])
    while values and (values[-1] is None or values[-1] == ""):
        values.pop()
    return values


def open_table(fileobj, *, filename: str | None = None) -> Table:
    """The first sheet of an .xlsx workbook or the records of a CSV file, checked first."""
    kind = detect_kind(fileobj, filename=filename)
    if kind == "xlsx":
        workbook = open_workbook(fileobj)
        try:
            sheet = workbook.worksheets[0]
            total = sheet.max_row  # declared in the file; only used for progress
            sheet.reset_dimensions()  # read every row, even if the declaration is wrong
        except Exception as error:
            workbook.close()
            raise _unreadable(error) from error

        def xlsx_rows():
            try:
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                    yield number, _trim(values)
            except ValidationError:
                raise
            except Exception as error:
                raise _unreadable(error) from error

        return Table("xlsx", xlsx_rows(), total, workbook.close)
    text = read_csv_text(fileobj)
    if "\x00" in text:
        raise ValidationError(_("The CSV file contains binary data."), code="binary")
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","

    def csv_rows():
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for number, values in enumerate(reader, start=1):
                yield number, _trim(values)
        except csv.Error as error:
            raise ValidationError(
                _("The CSV file is malformed near row %(row)s: %(error)s")
                % {"row": reader.line_num, "error": error},
                code="csv",
            ) from error

    return Table("csv", csv_rows(), text.count("\n") + 1)


# --- Values ------------------------------------------------------------------------------------

_DATE = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$"
)
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
MAX_SERIAL = 2958465  # 9999-12-31


def parse_date(value) -> dt.date:
    """A date from what people put in date cells: a real date, an Excel serial number,
    "2026/3/5", "2026-03-05", "2026.3.5", "2026年3月5日" or "20260305". Raises ValueError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if not 1 <= value <= MAX_SERIAL:
            raise ValueError(value)
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = str(value).strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        raise ValueError(value)
    year, month, day = (int(part) for part in match.groups())
    return dt.date(year, month, day)
