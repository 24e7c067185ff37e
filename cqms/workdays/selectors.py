"""Reading the calendar for people: a year as twelve month grids."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import deadlines, official
from .calendar import company_calendar
from .models import WEEKDAY_FIELDS, CalendarDay, CalendarYear, WorkSchedule

FIRST_YEAR, LAST_YEAR = 2000, 2200
# Month grids are narrow: one or two letters a column (Chinese calendars print 一 二 三 ...).
WEEKDAY_INITIALS = [
    pgettext_lazy("calendar column", "Mo"),
    pgettext_lazy("calendar column", "Tu"),
    pgettext_lazy("calendar column", "We"),
    pgettext_lazy("calendar column", "Th"),
    pgettext_lazy("calendar column", "Fr"),
    pgettext_lazy("calendar column", "Sa"),
    pgettext_lazy("calendar column", "Su"),
]
KIND_LABELS = {
    **dict(CalendarDay.Kind.choices),
    "normal": _("Working day"),
    "rest": _("Rest day"),
}


@dataclass
class DayCell:
    date: dt.date
    kind: str  # holiday, working (adjusted), shortened, normal, rest
    name: str = ""
    periods: str = ""
    today: bool = False

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def year_overview(year: int, *, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    cal = company_calendar()
    days = {day.date: day for day in CalendarDay.objects.filter(date__year=year)}
    schedule = WorkSchedule.current()
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([_cell(cal, days, d, today) if d.month == month else None for d in week])
        months.append({"number": month, "name": MONTHS[month], "weeks": weeks})
    working_days = deadlines.working_days_in(cal, dt.date(year, 1, 1), dt.date(year, 12, 31))
    known = official.known_years()
    return {
        "year": year,
        "previous_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
        "year_choices": list(range(min([*known, today.year]), max([*known, today.year]) + 2)),
        "months": months,
        "weekday_headers": list(zip(WEEKDAY_INITIALS, WEEKDAYS.values(), strict=True)),
        "exceptions": sorted(days.values(), key=lambda day: day.date),
        "calendar_year": CalendarYear.objects.filter(year=year)
        .select_related("confirmed_by")
        .first(),
        "official_known": year in known,
        "package_version": official.PACKAGE_VERSION,
        "working_days": working_days,
        "schedule_periods": deadlines.format_periods(schedule.period_tuple).replace(",", ", "),
        "schedule_hours": deadlines.period_length(schedule.period_tuple).total_seconds() / 3600,
        "schedule_weekdays": [
            WEEKDAYS[i] for i, name in enumerate(WEEKDAY_FIELDS) if getattr(schedule, name)
        ],
    }


def _cell(cal, days: dict, day: dt.date, today: dt.date) -> DayCell:
    stored = days.get(day)
    if stored is not None:
        return DayCell(day, stored.kind, stored.display_name, stored.periods, day == today)
    kind = "normal" if deadlines.is_working_day(cal, day) else "rest"
    return DayCell(day, kind, today=day == today)
