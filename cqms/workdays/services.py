"""Changes to the company calendar. Administrators edit single days in the admin pages (audited
by `AuditedModelAdmin`); these services load official years and confirm years."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.audit import services as audit
from cqms.core.errors import BusinessRuleError

from . import official
from .models import CalendarDay, CalendarYear, Source, WorkSchedule


@dataclass
class SeedResult:
    years: list[int] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept: int = 0  # days an administrator entered or changed: never overwritten


def seed_official_year(year: int, *, actor=None) -> SeedResult:
    """Load one year's holidays and adjusted working days from `chinesecalendar`.

    Raises BusinessRuleError (code "no_official_data") when the installed package does not
    know the year: the administrator then enters the days by hand and confirms the year.
    """
    return seed_official_years([year], actor=actor)


@audit.change_transaction()
def seed_official_years(years: Iterable[int] | None = None, *, actor=None) -> SeedResult:
    """Load official data for several years (default: every year the package knows) in one
    transaction. Days entered or changed by an administrator are kept; official days that
    the data no longer lists are deleted; a year gets its `CalendarYear` row unless it has
    one already. `actor` None means the system (a new database)."""
    if actor is not None and not actor.has_perm("workdays.add_calendarday"):
        raise PermissionDenied
    years = sorted(set(official.known_years() if years is None else years))
    data = {}
    for year in years:
        try:
            data[year] = official.official_days(year)
        except official.NoOfficialData:
            raise BusinessRuleError(
                _(
                    "The installed chinesecalendar package (version %(version)s) has no "
                    "official data for %(year)s yet. Enter the holidays and adjusted working "
                    "days of %(year)s by hand, then confirm the year."
                )
                % {"version": official.PACKAGE_VERSION, "year": year},
                code="no_official_data",
            ) from None
    reason = _("Official holiday arrangement from chinesecalendar %(version)s") % {
        "version": official.PACKAGE_VERSION
    }
    ensure_schedule()
    result = SeedResult(years=years)
    existing = {day.date: day for day in CalendarDay.objects.filter(date__year__in=years)}
    created_by = actor if getattr(actor, "pk", None) else None
    new_days = []
    for year in years:
        listed = set()
        for item in data[year]:
            listed.add(item.date)
            values = {"kind": item.kind, "name": item.name, "name_en": item.name_en, "periods": ""}
            day = existing.get(item.date)
            if day is None:
                new_days.append(
                    CalendarDay(
                        date=item.date, source=Source.OFFICIAL, created_by=created_by, **values
                    )
                )
            elif day.source != Source.OFFICIAL:
                result.kept += 1
            elif audit.save_changes(day, values, actor=actor, reason=reason):
                result.updated += 1
        for date, day in existing.items():
            if date.year == year and date not in listed and day.source == Source.OFFICIAL:
                audit.delete(day, actor=actor, reason=reason)
                result.deleted += 1
    created = CalendarDay.objects.bulk_create(new_days, batch_size=500)
    result.created = len(created)
    pending = [audit.Pending(day, audit.CREATE, actor, _initial(day), reason) for day in created]
    now = timezone.now()
    for year in set(years) - set(
        CalendarYear.objects.filter(year__in=years).values_list("year", flat=True)
    ):
        calendar_year = CalendarYear(
            year=year, source=Source.OFFICIAL, confirmed_at=now, created_by=created_by
        )
        calendar_year.save(force_insert=True)
        pending.append(
            audit.Pending(calendar_year, audit.CREATE, actor, _initial(calendar_year), reason)
        )
    audit.record_many(pending)
    return result


def _initial(obj) -> list[dict]:
    values = audit.snapshot(obj)
    return audit.diff(obj, dict.fromkeys(values), values)


def ensure_schedule() -> WorkSchedule:
    """The normal week's row, created with the defaults when missing (call inside a change
    transaction)."""
    schedule = WorkSchedule.objects.filter(pk=1).first()
    if schedule is None:
        schedule = audit.save_new(WorkSchedule(), actor=None)
    return schedule


@audit.change_transaction()
def confirm_year(year: int, *, actor, note: str = "") -> CalendarYear:
    """An administrator declares a year's calendar complete (after entering the State
    Council's arrangement), or confirms it again after changes."""
    if not actor.has_perm("workdays.change_calendaryear"):
        raise PermissionDenied
    if not CalendarDay.objects.filter(date__year=year).exists():
        raise BusinessRuleError(
            _(
                "Enter the holidays and adjusted working days of %(year)s before you confirm "
                "the year."
            )
            % {"year": year},
            code="year_empty",
        )
    calendar_year = CalendarYear.objects.filter(year=year).first()
    now = timezone.now()
    if calendar_year is None:
        calendar_year = audit.save_new(
            CalendarYear(
                year=year, source=Source.MANUAL, confirmed_by=actor, confirmed_at=now, note=note
            ),
            actor=actor,
        )
    else:
        values = {"confirmed_by": actor, "confirmed_at": now}
        if note:
            values["note"] = note
        audit.save_changes(calendar_year, values, actor=actor)
    return calendar_year
