"""What workdays puts on "My work": a warning for calendar administrators when a year's holiday
arrangement is missing."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.core.work import WorkItem, WorkSection

from .models import CalendarYear

# The State Council publishes next year's arrangement in late October or in November; a
# warning earlier in the year could not be acted on and would teach people to ignore it.
NEXT_YEAR_WARNING_FROM_MONTH = 10


def missing_years(today=None) -> list[int]:
    """This year if it has no calendar; next year too from October on."""
    today = today or timezone.localdate()
    years = [today.year]
    if today.month >= NEXT_YEAR_WARNING_FROM_MONTH:
        years.append(today.year + 1)
    confirmed = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    return [year for year in years if year not in confirmed]


def calendar_missing(user) -> WorkSection | None:
    if not user.has_perm("workdays.change_calendarday"):
        return None
    years = missing_years()
    if not years:
        return None
    items = [
        WorkItem(
            title=_("Enter the %(year)s calendar") % {"year": year},
            url=f"{reverse('workdays:calendar')}?year={year}",
            detail=_(
                "No official calendar for %(year)s yet: the State Council publishes it each "
                "autumn. Enter the holidays and adjusted working days, then confirm the year."
            )
            % {"year": year},
        )
        for year in years
    ]
    return WorkSection(
        "workdays-calendar",
        _("Working-day calendar"),
        items,
        total=len(items),
        more_url=reverse("admin:workdays_calendarday_changelist"),
        level="warning",
    )
