"""Row-by-row import from Excel or CSV with a dry run, all-or-nothing.

A register describes its import with an `ImportSpec`: the columns (Chinese and English
headers), a Django form that validates one row (so messages are Django's translated ones), and
a `save_row` callback that calls the register's service (which writes the audit entries).

    report = dry_run(spec, upload)                 # nothing is written
    report = commit(spec, upload, actor=user)      # re-validates; writes every row or none

Rows are named by the row number Excel shows. `progress(done, total, message)` is called as
rows are processed (a job's `Progress` fits).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from cqms.core import limits
from cqms.core.context import change_context
from cqms.core.errors import BusinessRuleError

from . import reader

logger = logging.getLogger(__name__)

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
OUTCOMES = (NEW, UPDATED, UNCHANGED)

TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "对", "√", "✓", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无", "不", "×", "✗"}
_SPLIT = re.compile(r"[,，;；、\n]+")


def normalize_header(text: Any) -> str:
    """Headers match whatever the case, spacing, width or a required-marker star."""
    value = unicodedata.normalize("NFKC", force_str(text or ""))
    value = value.replace("*", "")
    return re.sub(r"\s+", "", value).casefold()


def _in_chinese() -> bool:
    return (translation.get_language() or "").startswith("zh")


@dataclass(frozen=True)
class Column:
    field: str
    header_zh: str
    header_en: str
    required: bool = False
    help: Any = ""
    example: Any = ""
    aliases: tuple[str, ...] = ()
    allowed: Any = ""  # describes allowed values when the form field cannot (e.g. a code)
    width: int | None = None

    def header(self) -> str:
        """The header in the active language."""
        return self.header_zh if _in_chinese() else self.header_en

    def names(self) -> set[str]:
        return {normalize_header(n) for n in (self.header_zh, self.header_en, *self.aliases)}


@dataclass
class ImportSpec:
    name: str
    columns: Sequence[Column]
    form_class: type[forms.Form]
    save_row: Callable[..., str | None] | None = None  # save_row(cleaned_data, *, actor)
    # Bulk imports: prepare(raw rows, *, actor) loads what the whole file refers to in a few
    # queries and returns a context that form_kwargs, classify and check_rows receive
    # (`context=`); save_rows(valid rows, *, actor, context) prepares every row's writes
    # before the write transaction (raising RowsRefused for rows it refuses) and returns a
    # plan whose write() runs inside it, raising audit.bulk.StaleRows if what the rows were
    # checked against changed meanwhile (the rows are then checked again).
    prepare: Callable[..., Any] | None = None
    save_rows: Callable[..., None] | None = None
    check_rows: Callable[..., list] | None = None  # check_rows(valid, *, context) -> errors
    classify: Callable[[dict], str] | None = None  # dry run: NEW, UPDATED or UNCHANGED
    form_kwargs: Callable[[dict], dict] | None = None  # e.g. the instance a row updates
    key_fields: tuple[str, ...] = ()  # a key twice in one file is an error
    finalize: Callable[..., None] | None = None  # finalize(report, *, actor), in the transaction
    sheet_title: Any = ""
    max_rows: int = 50_000
    header_search_rows: int = 10

    def make_form(self, data: dict, context=None, *, reuse: forms.Form | None = None):
        if self.form_kwargs is None:
            extra = {}
        elif self.prepare is not None:
            extra = self.form_kwargs(data, context=context)
        else:
            extra = self.form_kwargs(data)
        if reuse is None:
            return self.form_class(data=data, **extra)
        # A bulk import checks every row with one form: building a form deep-copies its
        # fields, 1.4 ms a row (70 s for 50,000 rows). Only its data and instance change; its
        # bound fields read the data when asked, so they are kept too.
        reuse.data = data
        reuse._errors = None
        reuse.__dict__.pop("cleaned_data", None)
        if "instance" in extra:
            reuse.instance = extra["instance"]
        return reuse

    def column_for(self, field_name: str) -> Column | None:
        return next((c for c in self.columns if c.field == field_name), None)

    def header_for(self, field_name: str) -> str:
        column = self.column_for(field_name)
        if column is not None:
            return column.header()
        form_field = self.form_class.base_fields.get(field_name)
        return force_str(form_field.label) if form_field and form_field.label else ""


@dataclass
class RowError:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ValidRow:
    number: int
    cleaned_data: dict
    outcome: str = NEW


@dataclass
class ImportReport:
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False
    example_skipped: bool = False
    # Seconds per phase (read, check, prepare, write): logged, and printed by the benchmark.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new(self) -> int:
        return self.counts[NEW]

    @property
    def updated(self) -> int:
        return self.counts[UPDATED]

    @property
    def unchanged(self) -> int:
        return self.counts[UNCHANGED]

    def add_error(self, row: int | None, column: str, message) -> None:
        self.errors.append(RowError(row, column, force_str(message)))

    def summary(self) -> list[dict]:
        """Label/value pairs in the active language, for the job page."""
        items = [
            {"label": _("Rows read"), "value": self.rows},
            {"label": _("New records"), "value": self.new},
            {"label": _("Changed records"), "value": self.updated},
            {"label": _("Unchanged records"), "value": self.unchanged},
            {"label": _("Problems"), "value": len(self.errors)},
        ]
        if self.example_skipped:
            items.append({"label": _("Note"), "value": _("The unchanged example row was skipped.")})
        return items

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "counts": dict(self.counts),
            "committed": self.committed,
            "summary": self.summary(),
            "errors": [e.as_dict() for e in self.errors],
        }


# --- Cell values -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as the text a person typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return force_str(value).strip()


def _choice_lookup(form_field: forms.ChoiceField) -> dict[str, Any]:
    """Choice values and their labels in both languages, to the stored value. Kept on the field
    (a class's base field): built for every cell it cost 0.2 ms."""
    cached = form_field.__dict__.get("_import_choice_lookup")
    if cached is not None and cached[0] is form_field.choices:
        return cached[1]
    lookup = _build_choice_lookup(form_field)
    form_field.__dict__["_import_choice_lookup"] = (form_field.choices, lookup)
    return lookup


def _build_choice_lookup(form_field: forms.ChoiceField) -> dict[str, Any]:
    lookup: dict[str, Any] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, label in form_field.choices:
                # option groups hold (value, label) pairs
                pairs = label if isinstance(label, list | tuple) else [(value, label)]
                for inner_value, inner_label in pairs:
                    if inner_value in ("", None):
                        continue
                    lookup.setdefault(normalize_header(inner_label), inner_value)
                    lookup.setdefault(normalize_header(inner_value), inner_value)
    return lookup


def choice_labels(form_field: forms.Field) -> list[str]:
    """The allowed labels of a choice field in the active language."""
    labels = []
    for value, label in getattr(form_field, "choices", []):
        if isinstance(label, list | tuple):
            labels.extend(force_str(inner) for v, inner in label if v not in ("", None))
        elif value not in ("", None):
            labels.append(force_str(label))
    return labels


def _is_model_choice(form_field) -> bool:
    return isinstance(form_field, forms.ModelChoiceField | forms.ModelMultipleChoiceField)


def normalize_cell(form_field: forms.Field | None, value: Any) -> Any:
    """What a form field expects from a cell; raises ValidationError for unusable values."""
    if form_field is None:
        return _text(value)
    if isinstance(form_field, forms.BooleanField | forms.NullBooleanField):
        text = normalize_header(_text(value))
        if text == "":
            return None if isinstance(form_field, forms.NullBooleanField) else False
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValidationError(_("Enter yes or no."), code="boolean")
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(form_field, forms.DateTimeField):
        if isinstance(value, dt.datetime):
            return value
        return _text(value)
    if isinstance(form_field, forms.DateField):
        try:
            return reader.parse_date(value)
        except (ValueError, OverflowError):
            return _text(value)  # the form says "Enter a valid date."
    if isinstance(form_field, forms.MultipleChoiceField) and not _is_model_choice(form_field):
        lookup = _choice_lookup(form_field)
        parts = [p for p in _SPLIT.split(_text(value)) if p.strip()]
        return [lookup.get(normalize_header(p), p.strip()) for p in parts]
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return [p.strip() for p in _SPLIT.split(_text(value)) if p.strip()]
    if isinstance(form_field, forms.ChoiceField) and not _is_model_choice(form_field):
        return _choice_lookup(form_field).get(normalize_header(_text(value)), _text(value))
    if isinstance(form_field, forms.IntegerField | forms.FloatField | forms.DecimalField):
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return value
        return _text(value)
    return _text(value)


# --- Reading and checking ----------------------------------------------------------------------


def _report_progress(progress, done: int, total: int | None, message=None) -> None:
    if progress is not None:
        progress(done, total, message)


def _flush(progress) -> None:
    flush = getattr(progress, "flush", None)
    if flush is not None:
        flush()


def _find_header(spec: ImportSpec, rows, report: ImportReport):
    """Read up to the header row; returns (header row number, {cell index: Column})."""
    names = {name: column for column in spec.columns for name in column.names()}
    for number, values in rows:
        matches: dict[int, Column] = {}
        for index, value in enumerate(values):
            column = names.get(normalize_header(value))
            if column is None:
                continue
            if column in matches.values():
                report.add_error(
                    number,
                    column.header(),
                    _("The column “%(column)s” appears twice in the header row.")
                    % {"column": column.header()},
                )
            matches[index] = column
        if matches:
            for column in spec.columns:
                if column.required and column not in matches.values():
                    report.add_error(
                        number,
                        column.header(),
                        _("The required column “%(column)s” is missing from the header row.")
                        % {"column": column.header()},
                    )
            return number, matches
        if number >= spec.header_search_rows:
            break
    report.add_error(
        None,
        "",
        _(
            "No header row was found. The first row must hold the column headers of the "
            "import template, in Chinese or in English."
        ),
    )
    return None, {}


def _row_errors(spec: ImportSpec, number: int, error: ValidationError, report) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            column = "" if name == "__all__" else spec.header_for(name)
            for item in errors:
                for message in item.messages:
                    report.add_error(number, column, message)
    else:
        for message in error.messages:
            report.add_error(number, "", message)


def _read(spec: ImportSpec, fileobj, *, filename, progress) -> tuple[ImportReport, list]:
    """Every non-empty row of the file as (row number, {field: cell}); the file is read once."""
    report = ImportReport()
    started = time.monotonic()
    rows: list[tuple[int, dict]] = []
    try:
        table = reader.open_table(fileobj, filename=filename)
    except ValidationError as error:
        _row_errors(spec, None, error, report)
        return report, rows
    with table:
        lines = table.rows()
        try:
            header_row, mapping = _find_header(spec, lines, report)
            if report.errors:
                return report, rows
            example = {c.field: _text(c.example) for c in spec.columns if _text(c.example) != ""}
            total = max((table.total or 0) - header_row, 0) or None
            message = _("Reading the rows.")
            _report_progress(progress, 0, total, message)
            for number, values in lines:
                raw = {
                    column.field: values[index] if index < len(values) else None
                    for index, column in mapping.items()
                }
                if all(_text(v) == "" for v in raw.values()):
                    continue
                if (
                    not report.rows
                    and not report.example_skipped
                    and example
                    and {k: _text(v) for k, v in raw.items() if _text(v) != ""} == example
                ):
                    report.example_skipped = True
                    continue
                report.rows += 1
                if report.rows > spec.max_rows:
                    report.add_error(
                        number,
                        "",
                        _(
                            "The file has more than %(count)s rows. Split it into smaller "
                            "files and import them one after the other."
                        )
                        % {"count": spec.max_rows},
                    )
                    break
                rows.append((number, raw))
                _report_progress(progress, report.rows, total, message)
        except ValidationError as error:  # the sheet turned out unreadable while streaming
            _row_errors(spec, None, error, report)
    report.timings["read"] = time.monotonic() - started
    return report, rows


def _validate(spec: ImportSpec, rows: list, read: ImportReport, *, actor, progress):
    """Check every row in memory; the lookups of the whole file come from `spec.prepare` in a
    few queries. Returns a fresh report (the read's counts), the valid rows and the context."""
    report = ImportReport(rows=read.rows, example_skipped=read.example_skipped)
    valid: list[ValidRow] = []
    context = spec.prepare([raw for _number, raw in rows], actor=actor) if spec.prepare else None
    base_fields = spec.form_class.base_fields
    seen_keys: dict[tuple, int] = {}
    message = _("Checking the rows.")
    _report_progress(progress, 0, len(rows), message)
    forms_ = [None] if spec.prepare is not None else None
    for index, (number, raw) in enumerate(rows, start=1):
        _check_row(spec, number, raw, base_fields, report, valid, seen_keys, context, forms_)
        _report_progress(progress, index, len(rows), message)
    if spec.check_rows is not None and not report.errors:
        # Rules between rows, or that need every row's lookups at once.
        for number, column, text in spec.check_rows(valid, context=context):
            report.add_error(number, column, text)
    _report_progress(progress, len(rows), len(rows), None)
    return report, valid, context


def _check(spec: ImportSpec, fileobj, *, filename, progress, actor=None):
    read, rows = _read(spec, fileobj, filename=filename, progress=progress)
    if read.errors:
        return read, [], None
    started = time.monotonic()
    report, valid, context = _validate(spec, rows, read, actor=actor, progress=progress)
    report.timings = dict(read.timings, check=time.monotonic() - started)
    return report, valid, context


def _check_row(spec, number, raw, base_fields, report, valid, seen_keys, context, reuse=None):
    data = {}
    errors_before = len(report.errors)
    bad_fields = set()
    for name, value in raw.items():
        try:
            data[name] = normalize_cell(base_fields.get(name), value)
        except ValidationError as error:
            bad_fields.add(name)
            for message in error.messages:
                report.add_error(number, spec.header_for(name), message)
    if reuse is None:
        form = spec.make_form(data, context)
    else:
        form = reuse[0] = spec.make_form(data, context, reuse=reuse[0])
    form.is_valid()
    limits.check_form_numbers(form)  # also where the form leaves model validation out
    if form.errors:
        for name, messages in form.errors.items():
            if name in bad_fields:
                continue
            column = "" if name == "__all__" else spec.header_for(name)
            for message in messages:
                report.add_error(number, column, message)
    if len(report.errors) > errors_before:
        return
    cleaned = form.cleaned_data
    if spec.key_fields:
        key = tuple(normalize_header(_text(cleaned.get(k))) for k in spec.key_fields)
        if key in seen_keys:
            report.add_error(
                number,
                spec.header_for(spec.key_fields[0]),
                _("The same value is already in row %(row)s of this file.")
                % {"row": seen_keys[key]},
            )
            return
        seen_keys[key] = number
    outcome = NEW
    if spec.classify is not None:
        try:
            if spec.prepare is not None:
                outcome = spec.classify(cleaned, context=context) or NEW
            else:
                outcome = spec.classify(cleaned) or NEW
        except ValidationError as error:
            _row_errors(spec, number, error, report)
            return
    if outcome not in OUTCOMES:
        outcome = NEW
    report.counts[outcome] += 1
    valid.append(ValidRow(number, cleaned, outcome))


def dry_run(spec: ImportSpec, fileobj, *, filename: str | None = None, progress=None, actor=None):
    """Check every row and count what an import would do; writes nothing. With the `actor`
    the rows are checked against that person's permissions too (when the spec can)."""
    report, _valid, _context = _check(
        spec, fileobj, filename=filename, progress=progress, actor=actor
    )
    return report


class _Rollback(Exception):
    pass


class _Stale(Exception):
    pass


class RowsRefused(Exception):
    """Raised by `save_rows`: these rows cannot be saved, so none is. `errors` holds
    (row number, column header, message) tuples."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = list(errors)


# Rounds of "check outside the write transaction, then apply if nothing it refers to changed
# meanwhile". Checking inside the transaction instead would lock everyone else out for as long.
APPLY_ATTEMPTS = 3


def commit(
    spec: ImportSpec,
    fileobj,
    *,
    actor,
    filename: str | None = None,
    progress=None,
    on_saved: Callable[[], Any] | None = None,
) -> ImportReport:
    """Check the file again and, only if no row has a problem, save every row in one
    transaction. A row that the service refuses rolls back all rows: it is all or nothing.
    The changes are audited with the source "import". `on_saved()` runs inside the write
    transaction after the last row, so what it writes is committed with the rows or not.

    A spec with `save_rows` is checked outside the write transaction and applied in one short
    one, so other people's saves wait seconds, not minutes (on SQLite there is one writer at a
    time). If the records the file refers to changed in between (the plan's stale check), the
    rows are checked again, up to APPLY_ATTEMPTS times; then nothing is imported."""
    if spec.save_row is None and spec.save_rows is None:
        raise ValueError(f"The import spec {spec.name!r} has no save_row.")
    with change_context(source="import"):
        read, rows = _read(spec, fileobj, filename=filename, progress=progress)
        if read.errors:
            return read
        if spec.save_rows is None:
            return _commit_row_by_row(
                spec, rows, read, actor=actor, progress=progress, on_saved=on_saved
            )
        for _attempt in range(APPLY_ATTEMPTS):
            try:
                return _apply(spec, rows, read, actor=actor, progress=progress, on_saved=on_saved)
            except _Stale:
                continue
        read.add_error(
            None,
            "",
            _(
                "Records this file refers to were changed by others while it was being imported, "
                "%(count)s times. Nothing was imported: start the import again."
            )
            % {"count": APPLY_ATTEMPTS},
        )
        return read


def _apply(spec, rows, read, *, actor, progress, on_saved=None) -> ImportReport:
    from cqms.audit.bulk import StaleRows
    from cqms.audit.services import change_transaction

    started = time.monotonic()
    report, valid, context = _validate(spec, rows, read, actor=actor, progress=progress)
    report.timings = dict(read.timings, check=time.monotonic() - started)
    if report.errors:
        return report
    started = time.monotonic()
    preparing = _("Preparing %(count)s rows.") % {"count": len(valid)}
    _report_progress(progress, 0, len(valid), preparing)
    try:
        plan = spec.save_rows(valid, actor=actor, context=context)
    except RowsRefused as refused:
        for number, column, text in refused.errors:
            report.add_error(number, column, text)
        return report
    except ValidationError as error:
        _row_errors(spec, None, error, report)
        return report
    except (BusinessRuleError, PermissionDenied) as error:
        report.add_error(None, "", _refusal(error))
        return report
    report.timings["prepare"] = time.monotonic() - started
    message = _("Saving %(count)s rows.") % {"count": len(valid)}
    _report_progress(progress, 0, len(valid), message)
    _flush(progress)
    started, cpu = time.monotonic(), time.process_time()
    try:
        with change_transaction():
            plan.write()
            if spec.finalize is not None:
                spec.finalize(report, actor=actor)
            if on_saved is not None:
                on_saved()
    except StaleRows as error:
        raise _Stale from error
    report.timings["write"] = time.monotonic() - started
    report.timings["write cpu"] = time.process_time() - cpu
    logger.info("Import of %s: %s rows, seconds %s", spec.name, read.rows, report.timings)
    _report_progress(progress, len(valid), len(valid), message)
    report.committed = True
    for callback in getattr(plan, "after_commit", ()):
        try:
            callback()  # e.g. notifications: the rows are saved whatever happens here
        except Exception:
            logger.exception("After the import of %s", spec.name)
    return report


def _refusal(error) -> str:
    if isinstance(error, BusinessRuleError):
        return force_str(error.message)
    return _("You are not allowed to import this row.")


def _commit_row_by_row(spec, rows, read, *, actor, progress, on_saved=None) -> ImportReport:
    from cqms.audit.services import change_transaction

    report, valid, _context = _validate(spec, rows, read, actor=actor, progress=progress)
    if report.errors:
        return report
    checked = dict(report.counts)
    report.counts = dict.fromkeys(OUTCOMES, 0)
    message = _("Saving %(count)s rows.") % {"count": len(valid)}
    _report_progress(progress, 0, len(valid), message)
    _flush(progress)
    try:
        with change_transaction():
            for index, row in enumerate(valid, start=1):
                try:
                    outcome = spec.save_row(row.cleaned_data, actor=actor)
                except ValidationError as error:
                    _row_errors(spec, row.number, error, report)
                    raise _Rollback from error
                except (BusinessRuleError, PermissionDenied) as error:
                    report.add_error(row.number, "", _refusal(error))
                    raise _Rollback from error
                report.counts[outcome if outcome in OUTCOMES else row.outcome] += 1
                _report_progress(progress, index, len(valid), message)
            if spec.finalize is not None:
                spec.finalize(report, actor=actor)
            if on_saved is not None:
                on_saved()
    except _Rollback:
        report.counts = checked
        return report
    report.committed = True
    return report


# --- Template ----------------------------------------------------------------------------------

INSTRUCTIONS_SHEET = "说明 - Instructions"


def _sheet_name(title: Any, fallback: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", force_str(title or fallback)).strip() or fallback
    return name[:31]


def allowed_values(column: Column, form_field: forms.Field | None) -> str:
    if column.allowed:
        return force_str(column.allowed)
    if form_field is None:
        return ""
    if isinstance(form_field, forms.BooleanField | forms.NullBooleanField):
        return _("Yes or No")
    if isinstance(form_field, forms.DateField | forms.DateTimeField):
        return _("A date, for example 2026-03-05, 2026/3/5 or 2026年3月5日")
    if isinstance(form_field, forms.ChoiceField) and not _is_model_choice(form_field):
        return ", ".join(choice_labels(form_field))
    if isinstance(form_field, forms.IntegerField | forms.FloatField | forms.DecimalField):
        return _("A number")
    max_length = getattr(form_field, "max_length", None)
    if max_length:
        return _("Text of up to %(count)s characters") % {"count": max_length}
    return ""


def build_template(spec: ImportSpec) -> bytes:
    """An .xlsx import template in the active language: headers, an example row, and a sheet
    that explains every column."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "border": 1})
    required = workbook.add_format(
        {"bold": True, "bg_color": "#E9ECEF", "border": 1, "font_color": "#B02A37"}
    )
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    example_text = workbook.add_format({"num_format": "@", "italic": True, "font_color": "#6C757D"})
    example_date = workbook.add_format(
        {"num_format": "yyyy-mm-dd", "italic": True, "font_color": "#6C757D"}
    )
    example_other = workbook.add_format({"italic": True, "font_color": "#6C757D"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    sheet = workbook.add_worksheet(_sheet_name(spec.sheet_title, spec.name or "Sheet1"))
    base_fields = spec.form_class.base_fields
    for col, column in enumerate(spec.columns):
        form_field = base_fields.get(column.field)
        header = column.header() + (" *" if column.required else "")
        is_date = isinstance(form_field, forms.DateField | forms.DateTimeField)
        is_number = isinstance(
            form_field, forms.IntegerField | forms.FloatField | forms.DecimalField
        )
        width = column.width or max(12, min(40, 2 * len(header) + 2))
        column_format = date if is_date else (None if is_number else text)
        sheet.set_column(col, col, width, column_format)
        sheet.write_string(0, col, header, required if column.required else bold)
        value = column.example
        if value in ("", None):
            pass
        elif is_date:
            try:
                sheet.write_datetime(1, col, reader.parse_date(value), example_date)
            except ValueError:
                sheet.write_string(1, col, _text(value), example_text)
        elif is_number and isinstance(value, int | float | Decimal):
            sheet.write_number(1, col, float(value), example_other)
        else:
            sheet.write_string(1, col, _text(value), example_text)
        if (
            isinstance(form_field, forms.ChoiceField)
            and not _is_model_choice(form_field)
            and not isinstance(form_field, forms.MultipleChoiceField)
        ):
            labels = choice_labels(form_field)
            if labels and len(",".join(labels)) <= 255:
                sheet.data_validation(
                    1,
                    col,
                    spec.max_rows + 1,
                    col,
                    {"validate": "list", "source": labels, "error_type": "warning"},
                )
    sheet.freeze_panes(1, 0)

    notes = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    headings = [_("Column"), _("Required"), _("Description"), _("Example"), _("Allowed values")]
    for col, (heading, width) in enumerate(zip(headings, (24, 10, 50, 20, 50), strict=True)):
        notes.set_column(col, col, width, wrap)
        notes.write_string(0, col, heading, bold)
    for row, column in enumerate(spec.columns, start=1):
        form_field = base_fields.get(column.field)
        other = column.header_en if _in_chinese() else column.header_zh
        notes.write_string(row, 0, f"{column.header()} ({other})" if other else column.header())
        notes.write_string(row, 1, _("Yes") if column.required else _("No"))
        notes.write_string(row, 2, force_str(column.help or ""))
        notes.write_string(row, 3, _text(column.example))
        notes.write_string(row, 4, allowed_values(column, form_field))
    row = len(spec.columns) + 2
    for line in (
        _(
            "Fill in the first sheet. Its first row holds the column headers, in Chinese or "
            "in English."
        ),
        _("Row 2 is an example: it is skipped if you leave it unchanged."),
        _("Columns marked with * are required."),
        _(
            "Nothing is imported unless every row is correct: fix the problems listed and "
            "upload the file again."
        ),
    ):
        notes.merge_range(row, 0, row, 4, line)
        row += 1
    notes.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
