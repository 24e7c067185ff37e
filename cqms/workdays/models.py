"""The company calendar: the normal working week and the days that differ from it.

Only exceptions are stored (holidays, adjusted working days, shortened days); every other day
follows `WorkSchedule`. `CalendarYear` says a year's exceptions are complete. Deadlines never
read these tables directly: `cqms.workdays.calendar.company_calendar()` turns them into a
`WorkCalendar` value once per change.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cqms.core.models import VersionedModel

from .deadlines import DEFAULT_PERIODS, Periods, format_periods, parse_periods

WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def validate_periods(value: str) -> None:
    try:
        parse_periods(value)
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_periods") from None


class Source(models.TextChoices):
    OFFICIAL = "official", _("Official (State Council)")
    MANUAL = "manual", _("Entered by an administrator")


class WorkSchedule(VersionedModel):
    """The company's normal week (one row): working weekdays and their working hours."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    periods = models.CharField(
        _("working hours"),
        max_length=200,
        default=format_periods(DEFAULT_PERIODS),
        validators=[validate_periods],
        help_text=_(
            "Working periods of a normal working day, for example 08:00-12:00,13:00-17:00."
        ),
    )
    monday = models.BooleanField(_("Monday"), default=True)
    tuesday = models.BooleanField(_("Tuesday"), default=True)
    wednesday = models.BooleanField(_("Wednesday"), default=True)
    thursday = models.BooleanField(_("Thursday"), default=True)
    friday = models.BooleanField(_("Friday"), default=True)
    saturday = models.BooleanField(_("Saturday"), default=False)
    sunday = models.BooleanField(_("Sunday"), default=False)

    class Meta:
        verbose_name = _("normal working week")
        verbose_name_plural = _("normal working week")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="workschedule_single_row"),
        ]

    def __str__(self):
        return str(_("Normal working week"))

    @classmethod
    def current(cls) -> WorkSchedule:
        """The single row; the default week (Monday to Friday, 08:00-12:00,13:00-17:00) until
        an administrator changes it."""
        return cls.objects.filter(pk=1).first() or cls()

    def clean(self):
        super().clean()
        if self.periods:
            with contextlib.suppress(ValueError):  # the field validator reports it
                self.periods = format_periods(parse_periods(self.periods))
        if not any(getattr(self, name) for name in WEEKDAY_FIELDS):
            raise ValidationError(_("Choose at least one working weekday."), code="no_weekday")

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(i for i, name in enumerate(WEEKDAY_FIELDS) if getattr(self, name))

    @property
    def period_tuple(self) -> Periods:
        return parse_periods(self.periods)


class CalendarDay(VersionedModel):
    """A day that differs from the normal week."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKING = "working", _("Adjusted working day")
        SHORTENED = "shortened", _("Shortened working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("For example 国庆节 or 公司年会.")
    )
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    periods = models.CharField(
        _("working hours"),
        max_length=200,
        blank=True,
        validators=[validate_periods],
        help_text=_(
            "Only for a working day with other hours than usual, for example 08:00-12:00. "
            "Leave empty to use the normal working hours."
        ),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        label = self.display_name or self.get_kind_display()
        return f"{self.date:%Y-%m-%d} {label}"

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name or self.name_en

    def clean(self):
        super().clean()
        if self.periods:
            try:
                self.periods = format_periods(parse_periods(self.periods))
            except ValueError:
                return  # the field validator reports it
        if self.kind == self.Kind.HOLIDAY and self.periods:
            raise ValidationError(
                {"periods": _("A holiday has no working hours; leave them empty.")},
                code="holiday_with_hours",
            )
        if self.kind == self.Kind.SHORTENED and not self.periods:
            raise ValidationError(
                {"periods": _("Enter the working hours of the shortened day.")},
                code="shortened_without_hours",
            )

    def working_periods(self, normal: Periods) -> Periods | None:
        """None for a day without work, else its periods (the normal ones unless it has own)."""
        if self.kind == self.Kind.HOLIDAY:
            return None
        return parse_periods(self.periods) if self.periods else normal


class CalendarYear(VersionedModel):
    """The company's calendar of this year is complete: official data was loaded, or an
    administrator entered the State Council's arrangement and confirmed it."""

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2200)]
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)
