"""Properties of working-day arithmetic on generated calendars (uniform working hours, random
holidays and adjusted working days) and generated starts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from cqms.workdays import deadlines as d

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST, LAST = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
EXAMPLES = settings(max_examples=200, deadline=None)


@st.composite
def periods(draw) -> d.Periods:
    """One to three ordered, non-overlapping periods on quarter hours between 06:00 and 22:00."""
    count = draw(st.integers(1, 3))
    marks = sorted(draw(st.sets(st.integers(24, 88), min_size=2 * count, max_size=2 * count)))
    times = [dt.time(mark // 4, mark % 4 * 15) for mark in marks]
    return tuple(zip(times[::2], times[1::2], strict=True))


@st.composite
def calendars(draw) -> d.WorkCalendar:
    hours = draw(periods())
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
    days = st.dates(FIRST - dt.timedelta(days=30), LAST + dt.timedelta(days=90))
    exceptions = draw(st.dictionaries(days, st.sampled_from([None, hours]), max_size=60))
    return d.WorkCalendar(weekdays=weekdays, periods=hours, exceptions=exceptions, tz=SHANGHAI)


starts = st.builds(
    lambda day, minute, zone: (
        dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI).astimezone(zone)
        + dt.timedelta(minutes=minute)
    ),
    st.dates(FIRST, LAST),
    st.integers(0, 24 * 60 - 1),
    st.sampled_from([SHANGHAI, dt.UTC]),
)
day_counts = st.integers(0, 25)
durations = st.integers(0, 60 * 60).map(lambda minutes: dt.timedelta(minutes=minutes))


@EXAMPLES
@given(calendars(), starts, day_counts)
def test_working_days_land_on_working_time_of_a_working_day(cal, start, n):
    result = d.add_working_days(cal, start, n)
    assert d.is_working_day(cal, result.date())
    assert d.is_working_time(cal, result)
    assert result >= start
    assert result.tzinfo == SHANGHAI


@EXAMPLES
@given(calendars(), starts, day_counts, day_counts)
def test_adding_n_then_m_working_days_equals_adding_n_plus_m(cal, start, n, m):
    assert d.add_working_days(cal, d.add_working_days(cal, start, n), m) == d.add_working_days(
        cal, start, n + m
    )


@EXAMPLES
@given(calendars(), starts, day_counts)
def test_whole_working_days_between_start_and_result_are_n(cal, start, n):
    assert d.working_days_between(cal, start, d.add_working_days(cal, start, n)) == n


@EXAMPLES
@given(calendars(), starts, durations)
def test_working_hours_land_inside_working_time(cal, start, hours):
    result = d.add_working_hours(cal, start, hours)
    assert d.is_working_day(cal, result.date())
    assert d.is_working_time(cal, result)
    assert result >= start


@EXAMPLES
@given(calendars(), starts, durations, durations)
def test_adding_a_then_b_working_hours_equals_adding_a_plus_b(cal, start, a, b):
    assert d.add_working_hours(cal, d.add_working_hours(cal, start, a), b) == d.add_working_hours(
        cal, start, a + b
    )


@EXAMPLES
@given(calendars(), starts, durations)
def test_working_time_between_start_and_result_is_what_was_added(cal, start, hours):
    assert d.working_time_between(cal, start, d.add_working_hours(cal, start, hours)) == hours


@EXAMPLES
@given(calendars(), starts, starts, st.integers(0, 10))
def test_a_pause_of_k_working_days_moves_the_deadline_by_k_working_days(cal, due, paused, k):
    due = d.next_working_moment(cal, due)
    resumed = d.add_working_days(cal, paused, k)
    assert d.extend_by_pause(cal, due, paused, resumed) == d.add_working_days(cal, due, k)


@EXAMPLES
@given(calendars(), starts, starts)
def test_working_time_between_is_antisymmetric_and_never_more_than_real_time(cal, a, b):
    forward = d.working_time_between(cal, a, b)
    assert forward == -d.working_time_between(cal, b, a)
    assert abs(forward) <= abs(b - a)


def walked(cal: d.WorkCalendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Working time from a to b (a <= b), day by day: what `working_time_between` computes
    without walking the whole days between."""
    first, last = (moment.astimezone(SHANGHAI).replace(tzinfo=None) for moment in (a, b))
    total, day = dt.timedelta(0), first.date()
    while day <= last.date():
        for start, end in cal.periods_on(day):
            begin = max(dt.datetime.combine(day, start), first)
            end = min(dt.datetime.combine(day, end), last)
            total += max(end - begin, dt.timedelta(0))
        day += dt.timedelta(days=1)
    return total


@st.composite
def calendars_with_short_days(draw) -> d.WorkCalendar:
    """Holidays, adjusted working days and days with hours of their own, over three years."""
    hours = draw(periods())
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
    days = st.dates(FIRST - dt.timedelta(days=800), LAST + dt.timedelta(days=90))
    kinds = st.one_of(st.none(), st.just(hours), periods())
    exceptions = draw(st.dictionaries(days, kinds, max_size=120))
    return d.WorkCalendar(weekdays=weekdays, periods=hours, exceptions=exceptions, tz=SHANGHAI)


@EXAMPLES
@given(calendars_with_short_days(), starts, st.integers(0, 3 * 365 * 24 * 60))
def test_working_time_between_is_the_sum_over_the_days(cal, end, minutes):
    start = end - dt.timedelta(minutes=minutes)
    assert d.working_time_between(cal, start, end) == walked(cal, start, end)
