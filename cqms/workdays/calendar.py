"""The company calendar for the rest of CQMS: deadline functions without a calendar argument.

    from cqms.workdays import calendar
    due = calendar.add_working_days(complaint.received_at, 3)

Each call reads a fingerprint of the calendar tables (one small query: row count, latest
`updated_at` and sum of `version` per table) and reuses this process's `WorkCalendar` while it
is unchanged. Every write the conventions allow moves the fingerprint (`save_new`,
`save_changes`, deletions, the admin, bulk seeding), with or without signals, in whichever
process it happened (web server, job worker, command). Code that computes many deadlines in a
loop takes `cal = calendar.company_calendar()` once and calls `cqms.workdays.deadlines` with it.
The rule for starts outside working time is in `deadlines`' docstring.
"""

from __future__ import annotations

import datetime as dt
import threading

from django.conf import settings
from django.db import connection

from . import deadlines
from .deadlines import WorkCalendar

_lock = threading.Lock()
_cached: tuple[tuple, WorkCalendar] | None = None


def company_calendar() -> WorkCalendar:
    """The calendar as stored now: rebuilt when any calendar row changed since the last call."""
    global _cached
    key = (fingerprint(), settings.TIME_ZONE)
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        calendar = build_calendar()
        _cached = (key, calendar)
    return calendar


def fingerprint() -> tuple:
    """Changes whenever a calendar row is inserted, changed or deleted."""
    from .models import CalendarDay, CalendarYear, WorkSchedule

    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT {position}, COUNT(*), MAX({quote('updated_at')}), "  # noqa: S608
        f"SUM({quote('version')}) FROM {quote(model._meta.db_table)}"
        for position, model in enumerate((CalendarDay, CalendarYear, WorkSchedule))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(sorted(tuple(str(value) for value in row) for row in cursor.fetchall()))


def build_calendar() -> WorkCalendar:
    from django.utils import timezone

    from .models import CalendarDay, CalendarYear, WorkSchedule

    schedule = WorkSchedule.current()
    normal = schedule.period_tuple
    exceptions = {day.date: day.working_periods(normal) for day in CalendarDay.objects.all()}
    return WorkCalendar(
        weekdays=schedule.weekdays,
        periods=normal,
        exceptions=exceptions,
        confirmed_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
        tz=timezone.get_default_timezone(),
    )


def is_working_day(day: dt.date) -> bool:
    return deadlines.is_working_day(company_calendar(), day)


def next_working_day(day: dt.date) -> dt.date:
    return deadlines.next_working_day(company_calendar(), day)


def is_working_time(moment: dt.datetime) -> bool:
    return deadlines.is_working_time(company_calendar(), moment)


def next_working_moment(moment: dt.datetime) -> dt.datetime:
    return deadlines.next_working_moment(company_calendar(), moment)


def add_working_days(start: dt.datetime, n: int) -> dt.datetime:
    return deadlines.add_working_days(company_calendar(), start, n)


def add_working_hours(start: dt.datetime, hours: float | dt.timedelta) -> dt.datetime:
    return deadlines.add_working_hours(company_calendar(), start, hours)


def add_calendar_hours(start: dt.datetime, hours: float | dt.timedelta) -> dt.datetime:
    return deadlines.add_calendar_hours(start, hours)


def working_time_between(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    return deadlines.working_time_between(company_calendar(), a, b)


def working_days_between(a: dt.datetime, b: dt.datetime) -> int:
    return deadlines.working_days_between(company_calendar(), a, b)


def extend_by_pause(
    due: dt.datetime, paused_from: dt.datetime, resumed_at: dt.datetime
) -> dt.datetime:
    return deadlines.extend_by_pause(company_calendar(), due, paused_from, resumed_at)


def is_provisional(*moments: dt.datetime) -> bool:
    return deadlines.is_provisional(company_calendar(), *moments)
