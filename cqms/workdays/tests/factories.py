from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from cqms.workdays import official
from cqms.workdays.deadlines import DEFAULT_PERIODS, WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0, second=0, tz=SHANGHAI) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=tz)


def china_calendar(*years: int, extra=None, tz=SHANGHAI) -> WorkCalendar:
    """The official Chinese calendar of some years as a value, without a database."""
    years = years or (2026,)
    exceptions = {
        day.date: None if day.kind == "holiday" else DEFAULT_PERIODS
        for year in years
        for day in official.official_days(year)
    }
    exceptions.update(extra or {})
    return WorkCalendar(exceptions=exceptions, confirmed_years=frozenset(years), tz=tz)
