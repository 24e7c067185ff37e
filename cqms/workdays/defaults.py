"""The working-day calendar of a new database: every year the `chinesecalendar` package knows.

Like the standard departments and roles (`organisation/defaults.py`) it is created by a
post_migrate handler, which also runs again after the test suite's flush.
"""

from __future__ import annotations

from cqms.audit import services as audit

from . import official
from .models import CalendarYear, WorkSchedule
from .services import ensure_schedule, seed_official_years


def seed_new_database(sender=None, apps=None, verbosity=1, **kwargs) -> None:
    """post_migrate: load every year the package knows that has no `CalendarYear` row yet.

    On a new database (and after the test suite's flush) that is every year; after an upgrade
    of the package it is the newly published year; otherwise nothing."""
    if apps is not None:
        try:
            apps.get_model("workdays", "CalendarYear")
            apps.get_model("audit", "AuditEntry")
        except LookupError:
            return  # not migrated (yet)
    missing = sorted(
        set(official.known_years()) - set(CalendarYear.objects.values_list("year", flat=True))
    )
    if not missing:
        if not WorkSchedule.objects.filter(pk=1).exists():
            with audit.change_transaction():
                ensure_schedule()
        return
    result = seed_official_years(missing)
    if verbosity >= 2:
        print(
            f"Working-day calendar: loaded {result.created} official days for "
            f"{missing[0]}-{missing[-1]}."
        )
