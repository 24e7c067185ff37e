"""The calendar page, the administrators' warning on "My work" and the admin pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cqms.audit.models import AuditEntry
from cqms.workdays.models import CalendarDay, CalendarYear, Source
from cqms.workdays.work import missing_years

from .factories import at

pytestmark = pytest.mark.django_db

CALENDAR = reverse("workdays:calendar")


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("li.na", roles=["staff"]))
    return client


@pytest.fixture
def admin_user(make_user):
    return make_user("calendar.admin", roles=["administrator"], is_staff=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_calendar_page_shows_the_year_to_everyone(staff_client):
    page = staff_client.get(CALENDAR, {"year": 2026}).content.decode()
    assert 'data-date="2026-10-01" data-kind="holiday"' in page
    assert 'data-date="2026-10-10" data-kind="working"' in page
    assert 'data-date="2026-10-11" data-kind="rest"' in page
    assert 'data-date="2026-10-12" data-kind="normal"' in page
    assert "国庆节" in page
    assert 'data-calendar-status="confirmed"' in page
    assert "data-calendar-legend" in page
    assert "08:00-12:00, 13:00-17:00" in page
    assert page.count('data-month="') == 12
    assert "data-calendar-edit" not in page


def test_calendar_page_shows_the_current_year_by_default(staff_client):
    with time_machine.travel(at(2026, 6, 1, 10), tick=False):
        response = staff_client.get(CALENDAR)
    assert response.context["year"] == 2026


def test_a_year_without_official_data_says_so(staff_client):
    page = staff_client.get(CALENDAR, {"year": 2027}).content.decode()
    assert 'data-calendar-status="missing"' in page
    assert "workdays/calendarday/add" not in page  # only administrators get the links


def test_administrators_get_links_to_edit_the_calendar(admin_client):
    page = admin_client.get(CALENDAR, {"year": 2027}).content.decode()
    assert "data-calendar-edit" in page
    assert reverse("admin:workdays_calendarday_add") in page
    assert f"{reverse('admin:workdays_calendaryear_add')}?year=2027" in page


@pytest.mark.parametrize("year", ["abc", "1999", "2201", "-1"])
def test_a_year_outside_the_calendar_is_not_found(staff_client, year):
    assert staff_client.get(CALENDAR, {"year": year}).status_code == 404


def test_the_calendar_page_requires_login(client):
    response = client.get(CALENDAR)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_menu_offers_the_calendar(staff_client):
    assert f'href="{CALENDAR}"' in staff_client.get(reverse("home")).content.decode()


# --- The warning on "My work" ------------------------------------------------------------------


def test_administrators_are_warned_when_next_year_has_no_calendar(admin_client):
    with time_machine.travel(at(2026, 11, 15, 9), tick=False):
        admin_page = admin_client.get(reverse("home")).content.decode()
    assert 'data-work="workdays-calendar"' in admin_page
    assert f"{CALENDAR}?year=2027" in admin_page


def test_other_users_are_not_warned(staff_client):
    with time_machine.travel(at(2026, 11, 15, 9), tick=False):
        page = staff_client.get(reverse("home")).content.decode()
    assert 'data-work="workdays-calendar"' not in page


def test_the_warning_waits_for_the_autumn_and_ends_when_the_year_is_confirmed(admin_user):
    assert missing_years(dt.date(2026, 6, 1)) == []
    assert missing_years(dt.date(2026, 10, 1)) == [2027]
    assert missing_years(dt.date(2027, 2, 1)) == [2027]
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    CalendarYear.objects.create(year=2027, confirmed_by=admin_user)
    assert missing_years(dt.date(2026, 11, 15)) == []


# --- Admin -------------------------------------------------------------------------------------


def test_admin_lists_days_by_year(admin_client):
    url = reverse("admin:workdays_calendarday_changelist")
    page = admin_client.get(url, {"year": "2026", "kind": "working"}).content.decode()
    assert "2026年10月10日" in page or "2026-10-10" in page
    assert "2025年" not in page


def test_a_day_entered_in_the_admin_is_manual_and_audited(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:workdays_calendarday_add"),
        {
            "date": "2027-01-01",
            "kind": "holiday",
            "name": "元旦",
            "name_en": "New Year's Day",
            "periods": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    day = CalendarDay.objects.get(date=dt.date(2027, 1, 1))
    assert day.source == Source.MANUAL
    assert AuditEntry.objects.filter(
        record_type="workdays.calendarday", record_id=str(day.pk), actor=admin_user
    ).exists()


def test_admin_refuses_a_shortened_day_without_hours(admin_client):
    response = admin_client.post(
        reverse("admin:workdays_calendarday_add"),
        {"date": "2027-01-04", "kind": "shortened", "name": "盘点", "periods": ""},
    )
    assert response.status_code == 200
    assert not CalendarDay.objects.filter(date=dt.date(2027, 1, 4)).exists()


def test_admin_action_marks_the_year_as_confirmed(admin_client, admin_user):
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")
    response = admin_client.post(
        reverse("admin:workdays_calendarday_changelist"),
        {
            "action": "mark_year_confirmed",
            "_selected_action": [CalendarDay.objects.get(date=dt.date(2027, 1, 1)).pk],
        },
    )
    assert response.status_code == 302
    confirmed = CalendarYear.objects.get(year=2027)
    assert (confirmed.source, confirmed.confirmed_by) == (Source.MANUAL, admin_user)


def test_a_year_cannot_be_confirmed_before_its_days_are_entered(admin_client):
    response = admin_client.post(reverse("admin:workdays_calendaryear_add"), {"year": "2027"})
    assert response.status_code == 200
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_admin_pages_render(admin_client):
    from cqms.workdays.models import WorkSchedule

    urls = [
        reverse("admin:workdays_calendarday_changelist"),
        reverse("admin:workdays_calendaryear_changelist"),
        reverse("admin:workdays_workschedule_changelist"),
        reverse("admin:workdays_workschedule_change", args=[WorkSchedule.current().pk]),
        reverse(
            "admin:workdays_calendarday_change",
            args=[CalendarDay.objects.get(date=dt.date(2026, 10, 1)).pk],
        ),
        reverse(
            "admin:workdays_calendaryear_change", args=[CalendarYear.objects.get(year=2026).pk]
        ),
        f"{reverse('admin:workdays_calendaryear_add')}?year=2027",
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url
    # One normal week only.
    assert admin_client.get(reverse("admin:workdays_workschedule_add")).status_code == 403


def test_working_hours_are_validated_and_normalised_in_the_admin(admin_client):
    from cqms.workdays.models import WorkSchedule

    url = reverse("admin:workdays_workschedule_change", args=[1])
    week = {"monday": "on", "tuesday": "on", "wednesday": "on", "thursday": "on", "friday": "on"}
    refused = admin_client.post(url, {**week, "periods": "08:00-12:00,11:00-13:00"})
    assert refused.status_code == 200
    saved = admin_client.post(
        url, {**week, "saturday": "on", "periods": "13:00-17:30, 08:30-12:00"}
    )
    assert saved.status_code == 302
    schedule = WorkSchedule.current()
    assert schedule.periods == "08:30-12:00,13:00-17:30"
    assert 5 in schedule.weekdays
