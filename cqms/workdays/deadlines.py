"""Deadline arithmetic on a working-day calendar: the only place in CQMS where dates are added.

Pure functions: no database, no clock. They work on a `WorkCalendar` value (the company's
normal week plus its exceptions); `cqms.workdays.calendar` builds that value from the database
and offers the same functions without the calendar argument, which is what other apps call.

Every datetime going in must be timezone-aware; every datetime coming out is aware, in the
company time zone (the calendar's `tz`, else `settings.TIME_ZONE`). Working periods are wall
clock times of that zone; a period always lies within one day.

THE RULE (also in docs/user/calendar.md)
----------------------------------------
1. Working time is the union of the working periods of working days. A period includes its
   end: on a day that ends at 17:00, 17:00 is still working time of that day.
2. A start outside working time counts from the next working moment:
   - before the day's first period: that period's start (07:30 -> 08:00);
   - inside a break: the start of the next period (12:30 -> 13:00);
   - after the day's last period, or on a non-working day: the first period start of the
     next working day (17:05 Friday -> 08:00 Monday, or the adjusted working Saturday).
3. `add_working_days(start, n)` lands on the n-th working day after the (normalised) start's
   day, at the same time of day. If that day's working time does not contain that time (a
   shortened day), the result is the last working moment of that day before that time (the
   day's end when it ends earlier), or the day's first start when its work begins later.
   So 2026-09-30 17:00 + 3 working days = 2026-10-10 17:00 (1-7 Oct are holidays, Thu 8,
   Fri 9 and the adjusted working Saturday 10 Oct count).
4. `add_working_hours(start, h)` consumes working time period by period from the normalised
   start. When it runs out exactly at a period's end, the result is that end (12:00 or
   17:00), not the start of the next period.
5. n = 0 (or zero hours) returns the normalised start. Negative amounts raise ValueError:
   deadlines only move forward.
6. `add_calendar_hours(start, h)` ignores the calendar: start + h real hours.
7. `working_time_between(a, b)` is the working time inside [a, b] (negative if b < a);
   `working_days_between(a, b)` is the number of whole working days from a to b: the largest
   n with `add_working_days(a, n) <= b`.
8. A pause moves a deadline by what it lasted: first by the whole working days of the pause
   (`add_working_days`), then by the working time left over (`add_working_hours`). A pause of
   two working days therefore moves the deadline by exactly two working days; a pause of three
   working hours by three working hours. Several pauses are applied one after the other.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.utils.translation import gettext as _

Period = tuple[dt.time, dt.time]
Periods = tuple[Period, ...]

DEFAULT_PERIODS: Periods = ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))
MONDAY_TO_FRIDAY = frozenset(range(5))  # date.weekday(): Monday is 0
# No calendar has a gap of ten years without a working day; beyond that the data is wrong.
MAX_SEARCH_DAYS = 3660
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """The company's working time: the normal week plus exception days.

    `exceptions` maps a date to its working periods, or to None (or an empty tuple) for a
    day without work. `confirmed_years` lists the years whose calendar an administrator (or
    the official data) declared complete; results in other years are provisional.
    """

    weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    periods: Periods = DEFAULT_PERIODS
    exceptions: Mapping[dt.date, Periods | None] = field(default_factory=dict)
    confirmed_years: frozenset[int] = frozenset()
    tz: dt.tzinfo | None = None

    def __post_init__(self):
        if not self.periods:
            raise ValueError("A calendar needs at least one working period per normal day.")
        object.__setattr__(self, "exceptions", MappingProxyType(dict(self.exceptions)))

    def periods_on(self, day: dt.date) -> Periods:
        """The working periods of a day; empty for a day without work."""
        if day in self.exceptions:
            return self.exceptions[day] or ()
        return self.periods if day.weekday() in self.weekdays else ()

    def time_on_days(self, first: dt.date, last: dt.date) -> dt.timedelta:
        """The working time of the whole days first..last, without walking them: a running
        clock of a complaint open for two years walked 700 days on every view of its page."""
        if last < first:
            return dt.timedelta(0)
        weeks, rest = divmod((last - first).days + 1, 7)
        normal_days = weeks * len(self.weekdays) + sum(
            (first.weekday() + offset) % 7 in self.weekdays for offset in range(rest)
        )
        normal_day = _length(self.periods)
        total = normal_day * normal_days
        dates = self._exception_dates
        for day in dates[bisect.bisect_left(dates, first) : bisect.bisect_right(dates, last)]:
            normal = normal_day if day.weekday() in self.weekdays else dt.timedelta(0)
            total += _length(self.exceptions[day] or ()) - normal
        return total

    @functools.cached_property
    def _exception_dates(self) -> list[dt.date]:
        return sorted(self.exceptions)

    @functools.cached_property
    def _working_days_after(self) -> dict[tuple[dt.date, int], dt.date]:
        return {}

    def is_confirmed(self, day: dt.date) -> bool:
        return day.year in self.confirmed_years

    @property
    def zone(self) -> dt.tzinfo:
        return self.tz or company_zone()


_UTC_CALENDAR = WorkCalendar(tz=dt.UTC)


def _length(periods: Periods) -> dt.timedelta:
    """The wall-clock length of a day's periods."""
    return sum(
        (_at(dt.date.min, end) - _at(dt.date.min, start) for start, end in periods),
        dt.timedelta(0),
    )


def company_zone() -> dt.tzinfo:
    """settings.TIME_ZONE, read when needed (never at import: tests change settings)."""
    from django.utils import timezone

    return timezone.get_default_timezone()


# --- Days ---------------------------------------------------------------------------------------


def is_working_day(cal: WorkCalendar, day: dt.date) -> bool:
    return bool(cal.periods_on(day))


def next_working_day(cal: WorkCalendar, day: dt.date) -> dt.date:
    """The first working day strictly after `day`."""
    candidate = day
    for _step in range(MAX_SEARCH_DAYS):
        candidate += dt.timedelta(days=1)
        if cal.periods_on(candidate):
            return candidate
    raise ValueError(f"No working day within {MAX_SEARCH_DAYS} days after {day}.")


def working_days_in(cal: WorkCalendar, first: dt.date, last: dt.date) -> int:
    """How many working days lie in the closed range first..last."""
    count, day = 0, first
    while day <= last:
        count += bool(cal.periods_on(day))
        day += dt.timedelta(days=1)
    return count


# --- Moments ------------------------------------------------------------------------------------


def _wall(cal: WorkCalendar, moment: dt.datetime) -> dt.datetime:
    """Local wall-clock time without tzinfo: working periods are wall-clock times."""
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"Expected a datetime, got {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Deadline arithmetic needs timezone-aware datetimes.")
    return moment.astimezone(cal.zone).replace(tzinfo=None)


def _aware(cal: WorkCalendar, wall: dt.datetime) -> dt.datetime:
    return wall.replace(tzinfo=cal.zone)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time)


def _normalise(cal: WorkCalendar, wall: dt.datetime) -> dt.datetime:
    day, time = wall.date(), wall.time()
    for start, end in cal.periods_on(day):
        if time < start:
            return _at(day, start)
        if time <= end:
            return wall
    following = next_working_day(cal, day)
    return _at(following, cal.periods_on(following)[0][0])


def is_working_time(cal: WorkCalendar, moment: dt.datetime) -> bool:
    wall = _wall(cal, moment)
    return any(start <= wall.time() <= end for start, end in cal.periods_on(wall.date()))


def next_working_moment(cal: WorkCalendar, moment: dt.datetime) -> dt.datetime:
    """`moment` itself if it is working time, else the start of the next working period."""
    return _aware(cal, _normalise(cal, _wall(cal, moment)))


def _same_time_on(cal: WorkCalendar, day: dt.date, time: dt.time) -> dt.datetime:
    """`time` on a working day, or the nearest earlier working moment of that day."""
    periods = cal.periods_on(day)
    if time < periods[0][0]:
        return _at(day, periods[0][0])
    latest = periods[0][0]
    for start, end in periods:
        if start <= time <= end:
            return _at(day, time)
        if end < time:
            latest = end
    return _at(day, latest)


def _whole_days(n) -> int:
    if isinstance(n, bool):
        raise TypeError("A number of working days must be an integer.")
    n = operator.index(n)
    if n < 0:
        raise ValueError("Deadlines only move forward: the number of days must not be negative.")
    return n


def _duration(amount) -> dt.timedelta:
    if isinstance(amount, dt.timedelta):
        duration = amount
    elif isinstance(amount, int | float) and not isinstance(amount, bool):
        duration = dt.timedelta(hours=amount)
    else:
        raise TypeError("Hours must be a number or a timedelta.")
    if duration < dt.timedelta(0):
        raise ValueError("Deadlines only move forward: the duration must not be negative.")
    return duration


def add_working_days(cal: WorkCalendar, start: dt.datetime, n: int) -> dt.datetime:
    wall = _normalise(cal, _wall(cal, start))
    n = _whole_days(n)
    if n == 0:
        return _aware(cal, wall)
    return _aware(cal, _same_time_on(cal, _nth_working_day(cal, wall.date(), n), wall.time()))


def _nth_working_day(cal: WorkCalendar, day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day`, remembered by the calendar (an import of 50,000
    complaints asks for the same few hundred days again and again)."""
    known = cal._working_days_after
    found = known.get((day, n))
    if found is None:
        if len(known) > 100_000:  # a long-lived calendar stays small
            known.clear()
        found = day
        for _step in range(n):
            found = next_working_day(cal, found)
        known[(day, n)] = found
    return found


def add_working_hours(cal: WorkCalendar, start: dt.datetime, hours) -> dt.datetime:
    """`hours`: a number of hours (int or float) or a timedelta."""
    remaining = _duration(hours)
    cursor = _normalise(cal, _wall(cal, start))
    if not remaining:
        return _aware(cal, cursor)
    day = cursor.date()
    while True:
        for start_time, end_time in cal.periods_on(day):
            begin, end = max(_at(day, start_time), cursor), _at(day, end_time)
            if begin >= end:
                continue
            if remaining <= end - begin:
                return _aware(cal, begin + remaining)
            remaining -= end - begin
        day = next_working_day(cal, day)
        cursor = _at(day, dt.time.min)


def add_calendar_hours(start: dt.datetime, hours, tz: dt.tzinfo | None = None) -> dt.datetime:
    """start + hours of real time (through UTC, so daylight-saving changes count correctly)."""
    _wall(_UTC_CALENDAR, start)  # the same checks as the other functions
    return (start.astimezone(dt.UTC) + _duration(hours)).astimezone(tz or company_zone())


def working_time_between(cal: WorkCalendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Working time inside [a, b]; negative when b is before a."""
    first, last = _wall(cal, a), _wall(cal, b)
    if last < first:
        return -working_time_between(cal, b, a)
    if first.date() == last.date():
        return _inside(cal, first.date(), first, last)
    day_after, day_before = first.date() + ONE_DAY, last.date() - ONE_DAY
    return (
        _inside(cal, first.date(), first, _at(day_after, dt.time()))
        + cal.time_on_days(day_after, day_before)
        + _inside(cal, last.date(), _at(last.date(), dt.time()), last)
    )


def _inside(cal: WorkCalendar, day: dt.date, low: dt.datetime, high: dt.datetime) -> dt.timedelta:
    """The working time of `day` between two wall-clock moments."""
    total = dt.timedelta(0)
    for start_time, end_time in cal.periods_on(day):
        begin, end = max(_at(day, start_time), low), min(_at(day, end_time), high)
        if end > begin:
            total += end - begin
    return total


def working_days_between(cal: WorkCalendar, a: dt.datetime, b: dt.datetime) -> int:
    """Whole working days from a to b: the largest n with add_working_days(a, n) <= b."""
    start = _normalise(cal, _wall(cal, a))
    end = _wall(cal, b)
    count, day = 0, start.date()
    while True:
        day = next_working_day(cal, day)
        if day > end.date() or _same_time_on(cal, day, start.time()) > end:
            return count
        count += 1


def extend_by_pause(
    cal: WorkCalendar, due: dt.datetime, paused_from: dt.datetime, resumed_at: dt.datetime
) -> dt.datetime:
    """The due time of a clock that was paused from `paused_from` until `resumed_at`."""
    if resumed_at < paused_from:
        raise ValueError("A pause must end after it starts.")
    days = working_days_between(cal, paused_from, resumed_at)
    rest = working_time_between(cal, add_working_days(cal, paused_from, days), resumed_at)
    return add_working_hours(cal, add_working_days(cal, due, days), max(rest, dt.timedelta(0)))


def is_provisional(cal: WorkCalendar, *moments: dt.datetime) -> bool:
    """True when a computation spans a year whose calendar is not confirmed yet: its result
    may change when an administrator enters that year's holidays."""
    years = [_wall(cal, moment).year for moment in moments]
    if not years:
        return False
    return any(year not in cal.confirmed_years for year in range(min(years), max(years) + 1))


# --- Working periods as text ("08:00-12:00,13:00-17:00") ----------------------------------------


def parse_periods(text: str) -> Periods:
    """Parse and check working periods, returned sorted; raises ValueError with a translated
    message for text that is not a list of periods or for overlapping periods."""
    cleaned = text.replace("，", ",").replace("；", ",").replace(";", ",").replace("：", ":")
    periods = []
    for part in filter(None, (p.strip() for p in cleaned.split(","))):
        bounds = [b.strip() for b in part.replace("–", "-").replace("~", "-").split("-")]
        if len(bounds) != 2:
            raise ValueError(_not_a_period(part))
        start, end = (_parse_time(b, part) for b in bounds)
        if end <= start:
            raise ValueError(_("The period “%(period)s” ends before it starts.") % {"period": part})
        periods.append((start, end))
    periods.sort()
    for (_start, earlier_end), (later_start, _end) in itertools.pairwise(periods):
        if later_start < earlier_end:
            raise ValueError(_("Working periods must not overlap."))
    if not periods:
        raise ValueError(_("Enter at least one working period, for example 08:00-12:00."))
    return tuple(periods)


def _parse_time(text: str, part: str) -> dt.time:
    try:
        hours, minutes = text.split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(_not_a_period(part)) from None


def _not_a_period(part: str) -> str:
    return _("“%(period)s” is not a working period such as 08:00-12:00.") % {"period": part}


def format_periods(periods: Periods) -> str:
    return ",".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in periods)


def period_length(periods: Periods) -> dt.timedelta:
    return sum(
        (_at(dt.date.min, end) - _at(dt.date.min, start) for start, end in periods), dt.timedelta(0)
    )
