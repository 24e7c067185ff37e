"""The number pattern: pure functions, no database.

A number is ``prefix + date part + separator + sequence``, for example ``KS2026-0012``: prefix
``KS``, date part ``yyyy``, separator ``-``, sequence 12 padded with zeros to width 4. A sequence
that outgrows the width gets more digits (``KS2026-10000``); it is never cut.

Why issued numbers can never collide (within one record type), even after a rule changes:

* The prefix is empty or ends with a letter, and the rest of a number (date digits, separator
  characters, sequence digits) contains no letters. So numbers with different prefixes differ:
  either neither prefix begins with the other, or the longer one has a letter where the shorter
  one's number has a digit or separator character.
* The counter is kept per record type, prefix, date part and period (see `sequence_name`), so a
  reset only starts a new sequence name and never reuses a value of an old one.
* For one prefix the date part and the reset are frozen once a number has been issued with it
  (`NumberingRule.clean` and the allocation check the stored sequence names). Numbers of one
  prefix therefore have a date part of fixed length that tells their period, and within a
  period the counter only grows.
* Separator and width may change at any time: the counter continues, and a separator contains
  no digits, so the changed numbers cannot equal earlier ones.

Limits: numbers are unique within one record type (each has its own table); two-digit years
(``yy``, ``yymm``) repeat after a century. An issued number followed by a suffix such as
``-1`` (a reopened complaint) can never equal an issued number either: after the prefix and
the date part of fixed length, an issued number has one separator and then only digits.

Numbers are never reused. Records that carry one are voided, never deleted; a committed counter
value is never handed out again, so even the number of a wrongly deleted record would stay a
visible gap rather than be given to another record.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

PREFIX_MAX_LENGTH = 10
SEPARATOR_MAX_LENGTH = 3
WIDTH_MIN, WIDTH_MAX = 1, 12
RECORD_TYPE_MAX_LENGTH = 40
# Longest number a rule can produce (10 + 8 + 3 + 12 = 33) with room for a sequence that
# outgrows its width and for suffixes such as a reopened complaint's "-1".
NUMBER_MAX_LENGTH = 40


class DateFormat(models.TextChoices):
    NONE = "", _("No date part")
    YYYY = "yyyy", _("yyyy: year, four digits (2026)")
    YY = "yy", _("yy: year, two digits (26)")
    YYYYMM = "yyyymm", _("yyyymm: year and month (202603)")
    YYMM = "yymm", _("yymm: two-digit year and month (2603)")
    YYYYMMDD = "yyyymmdd", _("yyyymmdd: year, month and day (20260315)")


class Reset(models.TextChoices):
    NEVER = "never", _("Never")
    YEARLY = "yearly", _("Every year")
    MONTHLY = "monthly", _("Every month")


# What each date part shows, and what each reset needs to see in it.
_DATE_PARTS = {
    DateFormat.NONE: frozenset(),
    DateFormat.YYYY: frozenset({"year"}),
    DateFormat.YY: frozenset({"year"}),
    DateFormat.YYYYMM: frozenset({"year", "month"}),
    DateFormat.YYMM: frozenset({"year", "month"}),
    DateFormat.YYYYMMDD: frozenset({"year", "month", "day"}),
}
_RESET_NEEDS = {
    Reset.NEVER: frozenset(),
    Reset.YEARLY: frozenset({"year"}),
    Reset.MONTHLY: frozenset({"year", "month"}),
}

RECORD_TYPE_RE = re.compile(r"^[a-z][a-z0-9_.-]*$")
validate_record_type = RegexValidator(
    RECORD_TYPE_RE,
    _("A record type consists of lower-case letters, digits, dots, hyphens and underscores."),
    code="invalid_record_type",
)
validate_prefix = RegexValidator(
    r"^([A-Za-z0-9-]*[A-Za-z])?$",
    _(
        "The prefix may contain letters, digits and hyphens and must end with a letter, "
        "so that numbers with different prefixes can never be equal."
    ),
    code="invalid_prefix",
)
validate_separator = RegexValidator(
    r"^[-_./]*$",
    _("The separator may only contain the characters - _ . and /."),
    code="invalid_separator",
)


def render_date(date_format: str, day: dt.date) -> str:
    year, month, dom = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    return {
        DateFormat.NONE: "",
        DateFormat.YYYY: year,
        DateFormat.YY: year[-2:],
        DateFormat.YYYYMM: year + month,
        DateFormat.YYMM: year[-2:] + month,
        DateFormat.YYYYMMDD: year + month + dom,
    }[DateFormat(date_format)]


def format_number(
    *, prefix: str, date_format: str, separator: str, width: int, day: dt.date, value: int
) -> str:
    """The number for sequence value `value` on `day` (a date in the company time zone)."""
    if value < 1:
        raise ValueError("sequence values start at 1")
    return f"{prefix}{render_date(date_format, day)}{separator}{value:0{width}d}"


def period_key(reset: str, day: dt.date) -> str:
    """The period whose numbers share one counter: ``all``, ``2026`` or ``2026-03``."""
    reset = Reset(reset)
    if reset == Reset.YEARLY:
        return f"{day.year:04d}"
    if reset == Reset.MONTHLY:
        return f"{day.year:04d}-{day.month:02d}"
    return "all"


def reset_of_period_key(key: str) -> str | None:
    if key == "all":
        return Reset.NEVER
    if re.fullmatch(r"\d{4}", key):
        return Reset.YEARLY
    if re.fullmatch(r"\d{4}-\d{2}", key):
        return Reset.MONTHLY
    return None


def sequence_name(record_type: str, prefix: str, date_format: str, reset: str, day: dt.date) -> str:
    """The django-sequences name of the counter, e.g. ``complaint/KS/yyyy/2026``.

    Neither record type nor prefix may contain "/", so the name splits back into its parts.
    The separator and the width are not part of it: changing them continues the counter.
    """
    return "/".join([record_type, prefix, date_format or "none", period_key(reset, day)])


def sequence_name_prefix(record_type: str, prefix: str) -> str:
    return f"{record_type}/{prefix}/"


def shape_of_sequence_name(name: str) -> tuple[str, str] | None:
    """(date format, reset) of a counter named by `sequence_name`, None for foreign names."""
    parts = name.split("/")
    if len(parts) != 4:
        return None
    date_format = "" if parts[2] == "none" else parts[2]
    reset = reset_of_period_key(parts[3])
    if date_format not in DateFormat.values or reset is None:
        return None
    return date_format, reset


def validate_pattern(
    *, prefix: str, date_format: str, separator: str, width: int, reset: str
) -> None:
    """Raise ValidationError (by field) unless the pattern can produce unique numbers."""
    errors: dict[str, list] = {}

    def check(field: str, validator, value) -> None:
        try:
            validator(value)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.error_list)

    check("prefix", validate_prefix, prefix)
    if len(prefix) > PREFIX_MAX_LENGTH:
        errors.setdefault("prefix", []).append(
            ValidationError(
                _("The prefix may have at most %(max)d characters."),
                code="prefix_too_long",
                params={"max": PREFIX_MAX_LENGTH},
            )
        )
    check("separator", validate_separator, separator)
    if len(separator) > SEPARATOR_MAX_LENGTH:
        errors.setdefault("separator", []).append(
            ValidationError(
                _("The separator may have at most %(max)d characters."),
                code="separator_too_long",
                params={"max": SEPARATOR_MAX_LENGTH},
            )
        )
    if not isinstance(width, int) or not WIDTH_MIN <= width <= WIDTH_MAX:
        errors.setdefault("width", []).append(
            ValidationError(
                _("The width must be between %(min)d and %(max)d digits."),
                code="invalid_width",
                params={"min": WIDTH_MIN, "max": WIDTH_MAX},
            )
        )
    if date_format not in DateFormat.values:
        errors.setdefault("date_format", []).append(
            ValidationError(_("Choose one of the listed date parts."), code="invalid_date_format")
        )
    if reset not in Reset.values:
        errors.setdefault("reset", []).append(
            ValidationError(_("Choose one of the listed resets."), code="invalid_reset")
        )
    if "date_format" not in errors and "reset" not in errors:
        try:
            validate_reset_fits_date(date_format, reset)
        except ValidationError as error:
            errors.setdefault("reset", []).extend(error.error_list)
    if errors:
        raise ValidationError(errors)


def validate_reset_fits_date(date_format: str, reset: str) -> None:
    """A reset needs the date part to show its period, or numbers of two periods are equal."""
    missing = _RESET_NEEDS[Reset(reset)] - _DATE_PARTS[DateFormat(date_format)]
    if not missing:
        return
    if Reset(reset) == Reset.MONTHLY:
        raise ValidationError(
            _(
                "A monthly reset needs a date part with year and month (yyyymm, yymm or "
                "yyyymmdd); otherwise numbers of different months would be equal."
            ),
            code="reset_needs_month",
        )
    raise ValidationError(
        _(
            "A yearly reset needs a date part with the year; otherwise numbers of different "
            "years would be equal."
        ),
        code="reset_needs_year",
    )


def validate_reset_fits_date_field(date_format: str, reset: str) -> None:
    """The same check, reported on the reset field of a form."""
    try:
        validate_reset_fits_date(date_format, reset)
    except ValidationError as error:
        raise ValidationError({"reset": error.error_list}) from None
