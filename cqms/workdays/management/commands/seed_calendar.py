"""Load official holidays and adjusted working days from the chinesecalendar package."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cqms.core.context import change_context
from cqms.core.errors import BusinessRuleError
from cqms.workdays import official, services


class Command(BaseCommand):
    help = (
        "Load the official holidays and adjusted working days (调休) of a year, or of every year "
        "the installed chinesecalendar package knows. Days entered by administrators are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            help="Year to load (repeat for several); default: every known year.",
        )

    def handle(self, *args, years=None, verbosity=1, **options):
        with change_context(source="command"):
            try:
                result = services.seed_official_years(years)
            except BusinessRuleError as error:
                raise CommandError(str(error.message)) from None
        if verbosity:
            known = official.known_years()
            self.stdout.write(
                f"chinesecalendar {official.PACKAGE_VERSION} knows {known[0]}-{known[-1]}. "
                f"Loaded {', '.join(map(str, result.years))}: {result.created} days added, "
                f"{result.updated} updated, {result.deleted} removed, {result.kept} entered by "
                "administrators kept."
            )
