"""The fast row helpers draw exactly what Django's format_html and dateformat draw."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.utils import dateformat, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from cqms.core.tables import date_formatter, quick_html

FORMATS = ["Y年n月j日 H:i", "m-d H:i", "Y-m-d G:i:s", r"y/n/j \a\t H", "m/d/Y P", "N j, Y, P"]


def test_dates_are_drawn_as_django_draws_them():
    rng = random.Random(7)
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    moments = [
        dt.datetime(2026, 1, 1, 0, 0, tzinfo=shanghai),
        dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=shanghai),
        dt.datetime(2026, 10, 1, 12, 0, tzinfo=shanghai),  # noon: "P" says so in English
    ]
    moments += [
        dt.datetime(2000, 1, 1, tzinfo=shanghai) + dt.timedelta(seconds=rng.randrange(10**9))
        for _ in range(300)
    ]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for format_string in FORMATS:
                draw = date_formatter(format_string)
                for moment in moments:
                    assert draw(moment) == dateformat.format(moment, format_string)


def test_values_are_escaped_as_format_html_escapes_them():
    values = [
        "<b>\"x\" & 'y'</b>",
        mark_safe("<i>kept</i>"),
        gettext_lazy("Repeat"),
        None,
        42,
        "华东汽车 <有限公司>",
    ]
    template = "<td>{}</td>" * len(values)
    assert quick_html(template, *values) == format_html(template, *values)
    assert "&lt;b&gt;&quot;x&quot; &amp; &#x27;y&#x27;" in quick_html(template, *values)
    assert hasattr(quick_html("{}", "a"), "__html__")  # safe: not escaped again in a template
