"""Writing registers to .xlsx and CSV.

xlsx files are written in xlsxwriter's constant-memory mode, one row at a time, so 100,000
rows need no more memory than ten. Text is always written as text: a value such as
`=HYPERLINK(...)` or `+86 ...` is never turned into a formula (formula injection), in xlsx by
writing typed string cells (with Excel's quote prefix for risky ones), in CSV by prefixing an
apostrophe. CSV is UTF-8 with a BOM, so Chinese Excel opens it without garbled text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

RISKY_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class ExportColumn:
    """A column: its header, and how to get its value from a row.

    `value` is a callable `(row) -> value`, an attribute or key name, or None to take the
    row's item at the column's position (rows are then sequences).
    """

    header: Any
    value: Callable[[Any], Any] | str | None = None
    width: int | None = None


def _columns(columns: Sequence[ExportColumn | str]) -> list[ExportColumn]:
    return [c if isinstance(c, ExportColumn) else ExportColumn(c) for c in columns]


def _getter(column: ExportColumn, index: int) -> Callable[[Any], Any]:
    if column.value is None:
        return lambda row: row[index]
    if callable(column.value):
        return column.value
    name = column.value

    def get(row):
        if isinstance(row, dict):
            return row.get(name)
        value = row
        for part in name.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value() if callable(value) else value

    return get


def is_risky(text: str) -> bool:
    return text.startswith(RISKY_PREFIXES)


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _display(value: Any) -> Any:
    """Booleans become a translated Yes/No; lazy strings and objects become text."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None or isinstance(value, int | float | Decimal | dt.date | str):
        return value
    return force_str(value)


def _report(progress, done: int, total: int | None) -> None:
    if progress is not None:
        progress(done, total)


def write_xlsx(
    columns: Sequence[ExportColumn | str],
    rows: Iterable,
    path_or_stream,
    sheet_name: str = "Sheet1",
    *,
    progress=None,
    total: int | None = None,
) -> int:
    """Write a one-sheet workbook: a bold, frozen header row and one row per item.
    `path_or_stream` is a path or a binary stream. Returns the number of rows written."""
    if isinstance(path_or_stream, str | Path):
        return _write_xlsx_file(columns, rows, str(path_or_stream), sheet_name, progress, total)
    # constant_memory needs a file of its own; stream it through a temporary one.
    folder = tempfile.mkdtemp(prefix="cqms-export-")
    try:
        path = str(Path(folder) / "export.xlsx")
        count = _write_xlsx_file(columns, rows, path, sheet_name, progress, total)
        with open(path, "rb") as handle:
            shutil.copyfileobj(handle, path_or_stream)
        return count
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_xlsx_file(columns, rows, path, sheet_name, progress, total) -> int:
    import xlsxwriter

    columns = _columns(columns)
    getters = [_getter(c, i) for i, c in enumerate(columns)]
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        header = workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "border": 1})
        date_format = workbook.add_format({"num_format": DATE_FORMAT})
        datetime_format = workbook.add_format({"num_format": DATETIME_FORMAT})
        quoted = workbook.add_format({"quote_prefix": True})
        name = "".join(" " if ch in "[]:*?/\\" else ch for ch in force_str(sheet_name))[:31]
        sheet = workbook.add_worksheet(name.strip() or "Sheet1")
        for col, column in enumerate(columns):
            title = force_str(column.header)
            sheet.set_column(col, col, column.width or max(10, min(50, 2 * len(title) + 2)))
        sheet.freeze_panes(1, 0)
        for col, column in enumerate(columns):
            sheet.write_string(0, col, force_str(column.header), header)
        count = 0
        for count, item in enumerate(rows, start=1):
            for col, get in enumerate(getters):
                value = _display(get(item))
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet.write_string(count, col, value, quoted if is_risky(value) else None)
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(count, col, _local(value), datetime_format)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(count, col, value, date_format)
                elif isinstance(value, Decimal) and len(value.as_tuple().digits) > 15:
                    sheet.write_string(count, col, str(value))  # beyond Excel's precision
                else:
                    sheet.write_number(count, col, float(value))
            if count % PROGRESS_EVERY == 0:
                _report(progress, count, total)
        if columns:
            sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    finally:
        workbook.close()
    _report(progress, count, total if total is not None else count)
    return count


def _csv_value(value: Any) -> str:
    value = _display(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if is_risky(value) else value
    return str(value)


def write_csv(
    columns: Sequence[ExportColumn | str],
    rows: Iterable,
    path_or_stream,
    *,
    progress=None,
    total: int | None = None,
) -> int:
    """Write CSV in UTF-8 with a BOM. `path_or_stream` is a path, a binary stream or a text
    stream (which gets the BOM as its first character). Returns the number of rows written."""
    if isinstance(path_or_stream, str | Path):
        with open(path_or_stream, "w", encoding="utf-8-sig", newline="") as handle:
            return _write_csv_text(columns, rows, handle, progress, total)
    if isinstance(path_or_stream, io.TextIOBase):
        path_or_stream.write("\ufeff")
        return _write_csv_text(columns, rows, path_or_stream, progress, total)
    text = io.TextIOWrapper(path_or_stream, encoding="utf-8-sig", newline="")
    try:
        return _write_csv_text(columns, rows, text, progress, total)
    finally:
        text.flush()
        text.detach()


def _write_csv_text(columns, rows, handle, progress, total) -> int:
    columns = _columns(columns)
    getters = [_getter(c, i) for i, c in enumerate(columns)]
    writer = csv.writer(handle)
    writer.writerow([_csv_value(force_str(c.header)) for c in columns])
    count = 0
    for count, item in enumerate(rows, start=1):
        writer.writerow([_csv_value(get(item)) for get in getters])
        if count % PROGRESS_EVERY == 0:
            _report(progress, count, total)
    _report(progress, count, total if total is not None else count)
    return count
