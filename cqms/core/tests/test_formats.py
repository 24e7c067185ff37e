"""English pages show dates as ISO 8601 (2026-12-08), never as "Dec. 8, 2026"."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import formats, translation

MOMENT = dt.datetime(2026, 12, 8, 14, 5)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DATE_FORMAT", "2026-12-08"),
        ("SHORT_DATE_FORMAT", "2026-12-08"),
        ("DATETIME_FORMAT", "2026-12-08 14:05"),
        ("SHORT_DATETIME_FORMAT", "2026-12-08 14:05"),
    ],
)
def test_english_dates_are_iso(name, expected):
    with translation.override("en"):
        assert formats.date_format(MOMENT, name) == expected
        assert Template("{{ m|date:'" + name + "' }}").render(Context({"m": MOMENT})) == expected


def test_chinese_dates_keep_the_chinese_format():
    with translation.override("zh-hans"):
        assert formats.date_format(MOMENT, "DATE_FORMAT") == "2026年12月8日"
