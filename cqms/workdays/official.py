"""The State Council's holiday arrangements as published in the `chinesecalendar` package.

Only the seeding service reads the package; deadlines read the company calendar tables.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar.constants import Holiday
from chinese_calendar.constants import holidays as _holidays
from chinese_calendar.constants import workdays as _workdays

PACKAGE_VERSION = getattr(chinese_calendar, "__version__", "")


class NoOfficialData(Exception):
    """The installed package does not know this year (yet)."""

    def __init__(self, year: int):
        super().__init__(f"chinesecalendar {PACKAGE_VERSION} has no data for {year}")
        self.year = year


@dataclass(frozen=True)
class OfficialDay:
    date: dt.date
    kind: str  # "holiday" or "working", as CalendarDay.Kind
    name: str  # Chinese
    name_en: str


def known_years() -> list[int]:
    years = {day.year for day in _holidays}
    return list(range(min(years), max(years) + 1)) if years else []


@functools.cache
def official_days(year: int) -> tuple[OfficialDay, ...]:
    """Holidays (weekends inside a holiday block included: they carry the holiday's name) and
    weekend days that are working days, in date order.

    Read from the package's tables, as its own `is_workday` and `get_holiday_detail` do (a
    test checks that both agree), because seeding every year day by day is slow."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        raise NoOfficialData(year) from None
    days = [
        OfficialDay(day, "holiday", _chinese(name_en), name_en)
        for day, name_en in _holidays.items()
        if day.year == year
    ]
    days += [
        OfficialDay(day, "working", _chinese(name_en), name_en)
        for day, name_en in _workdays.items()
        if day.year == year and day.weekday() >= 5
    ]
    return tuple(sorted(days, key=lambda item: item.date))


# The package uses the short names; calendars print the festivals' usual names.
_USUAL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


def _chinese(name_en: str) -> str:
    try:
        name = Holiday(name_en).chinese
    except ValueError:
        return name_en
    return _USUAL_NAMES.get(name, name)
