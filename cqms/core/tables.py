"""What the list pages' tables share."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable

from django.utils import dateformat
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class PythonRows:
    """A django-tables2 table whose rows are drawn by `row_html(record)` in Python.

    For the busiest lists: a row template included 25 times per page was still the largest
    part of the register's answer, format_html does the same escaping in a fraction of it.
    """

    python_rows = True  # components/table.html asks this before drawing the body

    def row_html(self, record) -> SafeString:
        raise NotImplementedError

    def tbody_html(self) -> SafeString:
        rows = self.page.object_list if self.page else self.rows
        if not rows:
            return format_html(
                '<tr><td colspan="{}" class="text-body-secondary">{}</td></tr>',
                len(self.columns),
                self.empty_text,
            )
        return format_html_join("\n", "{}", ((self.row_html(row.record),) for row in rows))


# --- Drawing rows fast ------------------------------------------------------------------------
# A register page draws 25 rows of a dozen values and about 150 dates. Django's format_html
# and dateformat do per value what only needs doing per page (lazy-string checks, parsing the
# date format, time zone checks): together more than half of a row's time.


def quick_html(template: str, *values) -> SafeString:
    """format_html's escaping without its per-call overhead: safe values as they are, every
    other value escaped."""
    return mark_safe(template.format(*map(_escaped, values)))  # noqa: S308 - escaped here


def _escaped(value) -> str:
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


DATE_PARTS = {
    "Y": lambda d: str(d.year),
    "y": lambda d: f"{d.year % 100:02d}",
    "m": lambda d: f"{d.month:02d}",
    "n": lambda d: str(d.month),
    "d": lambda d: f"{d.day:02d}",
    "j": lambda d: str(d.day),
    "H": lambda d: f"{d.hour:02d}",
    "G": lambda d: str(d.hour),
    "i": lambda d: f"{d.minute:02d}",
    "s": lambda d: f"{d.second:02d}",
}
# Every letter Django's date formats give a meaning (django.utils.dateformat).
DATE_LETTERS = set("aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ")


def date_formatter(format_string: str) -> Callable[[datetime.datetime], str]:
    """A Django date format as a function, parsed once. Formats with names or a.m./p.m. (the
    English ones) are left to django.utils.dateformat, which translates them."""
    parts: list = []
    characters = iter(str(format_string))
    for character in characters:
        if character == "\\":
            parts.append(next(characters, ""))
        elif character in DATE_PARTS:
            parts.append(DATE_PARTS[character])
        elif character in DATE_LETTERS:
            return lambda moment: dateformat.format(moment, format_string)
        else:
            parts.append(character)
    return lambda moment: "".join(p if isinstance(p, str) else p(moment) for p in parts)
