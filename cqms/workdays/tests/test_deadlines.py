"""The deadline rules on the official 2026 calendar (pure functions, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from cqms.workdays import deadlines as d

from .factories import at, china_calendar

CAL = china_calendar(2026)
HALF_DAY = ((dt.time(8), dt.time(12)),)
AFTERNOON = ((dt.time(13), dt.time(17)),)


# --- The acceptance cases ----------------------------------------------------------------------


def test_three_working_days_after_national_day_eve_evening_is_the_adjusted_saturday():
    assert d.add_working_days(CAL, at(2026, 9, 30, 17), 3) == at(2026, 10, 10, 17)


def test_complaint_clocks_received_before_national_day():
    received = at(2026, 9, 30, 10)
    assert d.add_calendar_hours(received, 24) == at(2026, 10, 1, 10)
    assert d.add_working_days(CAL, received, 3) == at(2026, 10, 10, 10)


def test_a_pause_of_two_working_days_moves_the_deadline_by_two_working_days():
    received = at(2026, 9, 30, 10)
    due = d.add_working_days(CAL, received, 3)
    paused_from = at(2026, 10, 8, 10)
    resumed_at = d.add_working_days(CAL, paused_from, 2)  # Sat 10 Oct 10:00
    assert d.working_days_between(CAL, paused_from, resumed_at) == 2
    moved = d.extend_by_pause(CAL, due, paused_from, resumed_at)
    assert moved == d.add_working_days(CAL, due, 2) == at(2026, 10, 13, 10)


def test_a_pause_at_the_start_of_the_day_still_moves_by_whole_days():
    due = at(2026, 11, 23, 8)  # Monday morning
    moved = d.extend_by_pause(CAL, due, at(2026, 11, 16, 8), at(2026, 11, 18, 8))
    assert moved == at(2026, 11, 25, 8)


def test_a_pause_of_some_hours_moves_the_deadline_by_those_working_hours():
    due = at(2026, 11, 23, 16)
    moved = d.extend_by_pause(CAL, due, at(2026, 11, 20, 14), at(2026, 11, 20, 17))
    assert moved == at(2026, 11, 24, 10)


# --- Weekends, holidays and adjusted working days ----------------------------------------------


def test_friday_plus_one_working_day_is_monday():
    assert d.add_working_days(CAL, at(2026, 11, 20, 10), 1) == at(2026, 11, 23, 10)


def test_spring_festival_counts_the_adjusted_saturdays():
    received = at(2026, 2, 13, 10)  # Friday before Spring Festival
    assert d.add_working_days(CAL, received, 1) == at(2026, 2, 14, 10)  # Saturday, a working day
    assert d.add_working_days(CAL, received, 2) == at(2026, 2, 24, 10)
    assert d.add_working_days(CAL, received, 3) == at(2026, 2, 25, 10)


def test_adjusted_working_sunday_before_national_day():
    assert d.is_working_day(CAL, dt.date(2026, 9, 20))
    assert d.add_working_days(CAL, at(2026, 9, 18, 16), 1) == at(2026, 9, 20, 16)


def test_official_2026_working_weekend_days():
    weekend_working = [
        day
        for day in (dt.date(2026, 1, 1) + dt.timedelta(n) for n in range(365))
        if day.weekday() >= 5 and d.is_working_day(CAL, day)
    ]
    assert weekend_working == [
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    ]
    assert d.working_days_in(CAL, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == 248


def test_next_working_day_skips_the_national_day_week():
    assert d.next_working_day(CAL, dt.date(2026, 9, 30)) == dt.date(2026, 10, 8)


# --- Starts outside working time ---------------------------------------------------------------


def test_start_before_the_working_day_counts_from_its_start():
    assert d.next_working_moment(CAL, at(2026, 11, 23, 7, 30)) == at(2026, 11, 23, 8)
    assert d.add_working_hours(CAL, at(2026, 11, 23, 7, 30), 1) == at(2026, 11, 23, 9)
    assert d.add_working_days(CAL, at(2026, 11, 23, 7, 30), 1) == at(2026, 11, 24, 8)


def test_start_after_the_working_day_counts_from_the_next_morning():
    assert d.add_working_days(CAL, at(2026, 11, 23, 17, 30), 1) == at(2026, 11, 25, 8)
    assert d.add_working_hours(CAL, at(2026, 11, 27, 18), 2) == at(2026, 11, 30, 10)  # Fri->Mon


def test_the_end_of_the_working_day_is_still_that_day():
    assert d.is_working_time(CAL, at(2026, 11, 23, 17))
    assert not d.is_working_time(CAL, at(2026, 11, 23, 17, 0, 1))
    assert d.add_working_days(CAL, at(2026, 11, 23, 17), 1) == at(2026, 11, 24, 17)
    assert d.add_working_days(CAL, at(2026, 11, 23, 17, 0, 1), 1) == at(2026, 11, 25, 8)


def test_start_in_the_lunch_break_counts_from_the_afternoon():
    assert d.next_working_moment(CAL, at(2026, 11, 23, 12, 30)) == at(2026, 11, 23, 13)
    assert d.add_working_hours(CAL, at(2026, 11, 23, 12, 30), 1) == at(2026, 11, 23, 14)
    assert d.add_working_days(CAL, at(2026, 11, 23, 12, 30), 1) == at(2026, 11, 24, 13)


def test_start_on_a_holiday_counts_from_the_next_working_morning():
    assert d.add_working_days(CAL, at(2026, 10, 1, 10), 0) == at(2026, 10, 8, 8)
    assert d.add_working_days(CAL, at(2026, 10, 1, 10), 1) == at(2026, 10, 9, 8)
    assert d.add_working_hours(CAL, at(2026, 10, 3, 10), 8) == at(2026, 10, 8, 17)


def test_zero_returns_the_normalised_start():
    assert d.add_working_days(CAL, at(2026, 11, 23, 10), 0) == at(2026, 11, 23, 10)
    assert d.add_working_hours(CAL, at(2026, 11, 28, 10), 0) == at(2026, 11, 30, 8)


# --- Working hours -----------------------------------------------------------------------------


def test_working_hours_that_end_with_a_period_return_its_end():
    assert d.add_working_hours(CAL, at(2026, 11, 23, 8), 4) == at(2026, 11, 23, 12)
    assert d.add_working_hours(CAL, at(2026, 11, 23, 8), 8) == at(2026, 11, 23, 17)
    assert d.add_working_hours(CAL, at(2026, 11, 23, 8), 4.5) == at(2026, 11, 23, 13, 30)


def test_eight_working_hours_across_national_day():
    assert d.add_working_hours(CAL, at(2026, 9, 30, 15), 8) == at(2026, 10, 8, 15)
    assert d.add_working_hours(CAL, at(2026, 9, 30, 15), dt.timedelta(hours=2)) == at(
        2026, 9, 30, 17
    )


def test_calendar_hours_ignore_the_calendar_and_answer_in_company_time():
    start = dt.datetime(2026, 9, 30, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
    result = d.add_calendar_hours(start, dt.timedelta(hours=48), tz=at(2026, 1, 1).tzinfo)
    assert result == at(2026, 10, 2, 10)
    assert result.utcoffset() == dt.timedelta(hours=8)


def test_inputs_in_other_time_zones_are_counted_in_company_time():
    utc_evening = dt.datetime(2026, 9, 30, 9, tzinfo=dt.UTC)  # 17:00 in Shanghai
    result = d.add_working_days(CAL, utc_evening, 3)
    assert result == at(2026, 10, 10, 17)
    assert result.tzinfo == at(2026, 1, 1).tzinfo


# --- Shortened days ----------------------------------------------------------------------------


def test_a_shortened_day_ends_a_working_day_count_early():
    cal = china_calendar(2026, extra={dt.date(2026, 12, 31): HALF_DAY})
    assert d.add_working_days(cal, at(2026, 12, 29, 15), 2) == at(2026, 12, 31, 12)
    assert d.add_working_days(cal, at(2026, 12, 29, 10), 2) == at(2026, 12, 31, 10)


def test_a_shortened_afternoon_starts_the_count_at_its_start():
    cal = china_calendar(2026, extra={dt.date(2026, 12, 31): AFTERNOON})
    assert d.add_working_days(cal, at(2026, 12, 30, 9), 1) == at(2026, 12, 31, 13)


def test_working_hours_skip_the_missing_half_of_a_shortened_day():
    cal = china_calendar(2026, extra={dt.date(2026, 12, 30): HALF_DAY})
    assert d.add_working_hours(cal, at(2026, 12, 30, 10), 3) == at(2026, 12, 31, 9)
    assert d.working_time_between(cal, at(2026, 12, 30, 8), at(2026, 12, 31, 8)) == dt.timedelta(
        hours=4
    )


# --- Measuring ---------------------------------------------------------------------------------


def test_working_time_between_counts_only_working_periods():
    assert d.working_time_between(CAL, at(2026, 11, 23, 8), at(2026, 11, 24, 8)) == dt.timedelta(
        hours=8
    )
    assert d.working_time_between(CAL, at(2026, 9, 30, 10), at(2026, 10, 8, 10)) == dt.timedelta(
        hours=8
    )
    assert d.working_time_between(CAL, at(2026, 10, 8, 10), at(2026, 9, 30, 10)) == -dt.timedelta(
        hours=8
    )


def test_working_days_between_counts_whole_working_days():
    received = at(2026, 9, 30, 10)
    assert d.working_days_between(CAL, received, at(2026, 10, 10, 10)) == 3
    assert d.working_days_between(CAL, received, at(2026, 10, 10, 9, 59)) == 2
    assert d.working_days_between(CAL, received, at(2026, 9, 29, 10)) == 0


def test_provisional_when_a_deadline_reaches_an_unconfirmed_year():
    assert not d.is_provisional(CAL, at(2026, 12, 1), at(2026, 12, 4))
    assert d.is_provisional(CAL, at(2026, 12, 30), at(2027, 1, 4))


# --- Refused input -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1, -0.5, dt.timedelta(minutes=-1)])
def test_negative_amounts_are_refused(bad):
    with pytest.raises(ValueError, match="only move forward"):
        d.add_working_hours(CAL, at(2026, 11, 23, 10), bad)


def test_negative_or_fractional_days_are_refused():
    with pytest.raises(ValueError, match="only move forward"):
        d.add_working_days(CAL, at(2026, 11, 23, 10), -1)
    with pytest.raises(TypeError):
        d.add_working_days(CAL, at(2026, 11, 23, 10), 1.5)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        d.add_working_days(CAL, dt.datetime(2026, 11, 23, 10), 1)


# --- Working periods as text -------------------------------------------------------------------


def test_periods_are_parsed_sorted_and_written_back():
    periods = d.parse_periods(" 13:00-17:00，08:00～12:00".replace("～", "~"))
    assert periods == ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))
    assert d.format_periods(periods) == "08:00-12:00,13:00-17:00"
    assert d.period_length(periods) == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    "text", ["", "08:00", "8-12", "12:00-08:00", "08:00-12:00,11:00-13:00", "25:00-26:00"]
)
def test_invalid_periods_are_refused(text):
    with pytest.raises(ValueError):
        d.parse_periods(text)


@pytest.mark.parametrize("year", [2004, 2015, 2020, 2026])
def test_official_days_agree_with_the_package_public_functions(year):
    import chinese_calendar

    from cqms.workdays import official

    listed = {day.date: day for day in official.official_days(year)}
    day = dt.date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        working = chinese_calendar.is_workday(day)
        if day in listed:
            expected_kind = "working" if working else "holiday"
            assert (listed[day].kind, listed[day].name_en) == (expected_kind, name)
        else:
            assert working == (day.weekday() < 5)
            assert not (on_holiday and name)
        day += dt.timedelta(days=1)
