"""The company calendar in the database: seeding, the wrappers other apps call, caching."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import translation

from cqms.audit import services as audit
from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError
from cqms.workdays import calendar, services
from cqms.workdays.models import CalendarDay, CalendarYear, Source, WorkSchedule

from .factories import at

pytestmark = pytest.mark.django_db


def test_acceptance_three_working_days_after_national_day_eve():
    assert calendar.add_working_days(at(2026, 9, 30, 17), 3) == at(2026, 10, 10, 17)


def test_complaint_clocks_and_a_two_day_pause_through_the_company_calendar():
    received = at(2026, 9, 30, 10)
    assert calendar.add_calendar_hours(received, 24) == at(2026, 10, 1, 10)
    due = calendar.add_working_days(received, 3)
    assert due == at(2026, 10, 10, 10)
    paused_from, resumed_at = at(2026, 10, 8, 10), at(2026, 10, 10, 10)
    assert calendar.working_days_between(paused_from, resumed_at) == 2
    assert calendar.working_time_between(paused_from, resumed_at) == dt.timedelta(hours=16)
    assert calendar.extend_by_pause(due, paused_from, resumed_at) == at(2026, 10, 13, 10)


def test_new_database_has_the_official_national_day_week():
    days = {day.date: day for day in CalendarDay.objects.filter(date__month=10, date__year=2026)}
    for day in range(1, 8):
        assert days[dt.date(2026, 10, day)].kind == CalendarDay.Kind.HOLIDAY
        assert days[dt.date(2026, 10, day)].name == "国庆节"
        assert days[dt.date(2026, 10, day)].source == Source.OFFICIAL
    assert days[dt.date(2026, 10, 10)].kind == CalendarDay.Kind.WORKING
    assert CalendarYear.objects.get(year=2026).source == Source.OFFICIAL
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(range(2004, 2027))
    assert WorkSchedule.current().periods == "08:00-12:00,13:00-17:00"


def test_seeding_is_audited_and_keeps_days_entered_by_administrators(make_user):
    admin = make_user("calendar.admin", roles=["administrator"])
    national_day = CalendarDay.objects.get(date=dt.date(2026, 10, 7))
    with audit.change_transaction():
        audit.save_changes(
            national_day, {"kind": CalendarDay.Kind.WORKING, "source": Source.MANUAL}, actor=admin
        )
    CalendarDay.objects.filter(date=dt.date(2026, 10, 1)).delete()

    result = services.seed_official_year(2026, actor=admin)

    assert (result.created, result.kept) == (1, 1)
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 7)).kind == CalendarDay.Kind.WORKING
    restored = CalendarDay.objects.get(date=dt.date(2026, 10, 1))
    entry = AuditEntry.objects.get(
        record_type="workdays.calendarday", record_id=str(restored.pk), action="create", actor=admin
    )
    assert "chinesecalendar" in entry.reason


def test_a_year_the_package_does_not_know_gives_a_clear_message(make_user):
    admin = make_user("calendar.admin", roles=["administrator"])
    with (
        translation.override("en"),
        pytest.raises(BusinessRuleError, match="no official data for 2027") as error,
    ):
        services.seed_official_year(2027, actor=admin)
    assert error.value.code == "no_official_data"


def test_only_calendar_administrators_seed_or_confirm(make_user):
    staff = make_user("li.na", roles=["staff"])
    with pytest.raises(PermissionDenied):
        services.seed_official_year(2026, actor=staff)
    with pytest.raises(PermissionDenied):
        services.confirm_year(2026, actor=staff)


def test_seed_command_reports_and_refuses_unknown_years():
    out = StringIO()
    call_command("seed_calendar", "--year", "2026", stdout=out)
    assert "2026" in out.getvalue()
    with pytest.raises(CommandError, match="2027"):
        call_command("seed_calendar", "--year", "2027", stdout=StringIO())


def test_a_changed_day_is_seen_by_the_next_deadline_computation(make_user):
    admin = make_user("calendar.admin", roles=["administrator"])
    assert calendar.add_working_days(at(2026, 11, 20, 10), 1) == at(2026, 11, 23, 10)

    with audit.change_transaction():
        audit.save_new(
            CalendarDay(date=dt.date(2026, 11, 23), kind=CalendarDay.Kind.HOLIDAY, name="停电"),
            actor=admin,
        )
    assert calendar.add_working_days(at(2026, 11, 20, 10), 1) == at(2026, 11, 24, 10)

    with audit.change_transaction():
        audit.delete(CalendarDay.objects.get(date=dt.date(2026, 11, 23)), actor=admin)
    assert calendar.add_working_days(at(2026, 11, 20, 10), 1) == at(2026, 11, 23, 10)


def test_changed_working_hours_are_seen_by_the_next_computation(make_user):
    admin = make_user("calendar.admin", roles=["administrator"])
    assert calendar.add_working_hours(at(2026, 11, 23, 8), 8) == at(2026, 11, 23, 17)
    with audit.change_transaction():
        audit.save_changes(
            WorkSchedule.current(), {"periods": "08:30-12:00,13:00-17:30"}, actor=admin
        )
    assert calendar.add_working_hours(at(2026, 11, 23, 8), 8) == at(2026, 11, 23, 17, 30)


def test_the_calendar_is_reused_while_nothing_changes(django_assert_num_queries):
    first = calendar.company_calendar()
    with django_assert_num_queries(1):  # the version check only
        assert calendar.company_calendar() is first


def test_a_shortened_day_entered_in_the_database_ends_the_count_early(make_user):
    admin = make_user("calendar.admin", roles=["administrator"])
    with audit.change_transaction():
        audit.save_new(
            CalendarDay(
                date=dt.date(2026, 12, 31),
                kind=CalendarDay.Kind.SHORTENED,
                name="年终盘点",
                periods="08:00-12:00",
            ),
            actor=admin,
        )
    assert calendar.add_working_days(at(2026, 12, 29, 15), 2) == at(2026, 12, 31, 12)
    assert calendar.add_working_hours(at(2026, 12, 31, 11), 2) == at(2027, 1, 1, 9)


def test_confirming_a_year_needs_its_days_and_marks_deadlines_final(make_user):
    admin = make_user("calendar.admin", roles=["administrator"])
    assert calendar.is_provisional(at(2026, 12, 30), at(2027, 1, 4))
    with pytest.raises(BusinessRuleError) as error:
        services.confirm_year(2027, actor=admin)
    assert error.value.code == "year_empty"

    with audit.change_transaction():
        audit.save_new(
            CalendarDay(date=dt.date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦"),
            actor=admin,
        )
    confirmed = services.confirm_year(2027, actor=admin, note="国办发明电〔2026〕")
    assert (confirmed.source, confirmed.confirmed_by) == (Source.MANUAL, admin)
    assert not calendar.is_provisional(at(2026, 12, 30), at(2027, 1, 4))
    assert calendar.next_working_day(dt.date(2026, 12, 31)) == dt.date(2027, 1, 4)
    assert not calendar.is_working_day(dt.date(2027, 1, 1))


def test_wrappers_for_moments():
    assert calendar.is_working_time(at(2026, 10, 10, 9))
    assert calendar.next_working_moment(at(2026, 10, 1, 9)) == at(2026, 10, 8, 8)


@pytest.mark.django_db(transaction=True)
def test_the_calendar_comes_back_after_the_test_suite_flushes_the_database():
    call_command("flush", interactive=False, verbosity=0)
    assert CalendarDay.objects.filter(date=dt.date(2026, 10, 1)).exists()
    assert CalendarYear.objects.filter(year=2026).exists()
    assert calendar.add_working_days(at(2026, 9, 30, 17), 3) == at(2026, 10, 10, 17)
