"""Numbering rules: one per record type, kept by the administrator.

The counters themselves are django-sequences rows named by `patterns.sequence_name`; their names
are also the record of which prefixes were used with which date part and reset, which is what
keeps a changed rule from producing numbers that were already issued (see `patterns`).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from sequences import get_last_value
from sequences.models import Sequence

from cqms.core.models import VersionedModel

from . import patterns, registry
from .patterns import DateFormat, Reset


class NumberingRule(VersionedModel):
    record_type = models.CharField(
        _("record type"),
        max_length=patterns.RECORD_TYPE_MAX_LENGTH,
        unique=True,
        validators=[patterns.validate_record_type],
    )
    prefix = models.CharField(
        _("prefix"),
        max_length=patterns.PREFIX_MAX_LENGTH,
        blank=True,
        validators=[patterns.validate_prefix],
        help_text=_("Letters, digits and hyphens, ending with a letter, for example KS."),
    )
    date_format = models.CharField(
        _("date part"),
        max_length=8,
        blank=True,
        choices=DateFormat.choices,
        default=DateFormat.NONE,
    )
    separator = models.CharField(
        _("separator"),
        max_length=patterns.SEPARATOR_MAX_LENGTH,
        blank=True,
        validators=[patterns.validate_separator],
        help_text=_("Placed before the sequence number, for example -. May be empty."),
    )
    width = models.PositiveSmallIntegerField(
        _("width"),
        default=4,
        validators=[MinValueValidator(patterns.WIDTH_MIN), MaxValueValidator(patterns.WIDTH_MAX)],
        help_text=_(
            "Digits of the sequence number, padded with zeros. A larger sequence number simply "
            "gets more digits."
        ),
    )
    reset = models.CharField(
        _("reset"),
        max_length=8,
        choices=Reset.choices,
        default=Reset.NEVER,
        help_text=_("When the sequence number starts again at 1."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("While inactive, no new numbers are issued for this record type."),
    )

    class Meta:
        verbose_name = _("numbering rule")
        verbose_name_plural = _("numbering rules")
        ordering = ["record_type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(width__gte=patterns.WIDTH_MIN, width__lte=patterns.WIDTH_MAX),
                name="numbering_rule_width_range",
            ),
        ]

    def __str__(self):
        return f"{self.record_type_label} ({self.example()})"

    @property
    def record_type_label(self) -> str:
        if registry.is_registered(self.record_type):
            return str(registry.get(self.record_type).label)
        return self.record_type

    # --- Numbers ------------------------------------------------------------------------------

    def format(self, value: int, day: dt.date) -> str:
        return patterns.format_number(
            prefix=self.prefix,
            date_format=self.date_format,
            separator=self.separator,
            width=self.width,
            day=day,
            value=value,
        )

    def sequence_name(self, day: dt.date) -> str:
        return patterns.sequence_name(
            self.record_type, self.prefix, self.date_format, self.reset, day
        )

    def example(self) -> str:
        """The first number of the current period, to show what the pattern looks like."""
        return self.format(1, company_date(None))

    def preview(self, at: dt.datetime | dt.date | None = None) -> str:
        """The number the next allocation would get now (or at `at`), without taking it.
        Someone else may take it first: show it as a preview, never store it."""
        day = company_date(at)
        last = get_last_value(self.sequence_name(day)) or 0
        return self.format(last + 1, day)

    # --- Validation ---------------------------------------------------------------------------

    def conflicting_shapes(self) -> set[tuple[str, str]]:
        """(date part, reset) combinations other than this rule's with which numbers carrying
        this rule's prefix were already issued. Non-empty: the rule would repeat numbers."""
        start = patterns.sequence_name_prefix(self.record_type, self.prefix)
        names = Sequence.objects.filter(name__startswith=start).values_list("name", flat=True)
        # SQLite's LIKE ignores case: compare again, "ks" and "KS" are different prefixes.
        shapes = {patterns.shape_of_sequence_name(name) for name in names if name.startswith(start)}
        shapes.discard(None)
        shapes.discard((self.date_format, self.reset))
        return shapes

    def clean(self):
        """Field validators check prefix, separator, width and the choices; this adds the rules
        that involve several fields or the numbers already issued."""
        super().clean()
        if self.record_type and not registry.is_registered(self.record_type):
            raise ValidationError(
                {
                    "record_type": ValidationError(
                        _("No installed part of CQMS numbers records of this type."),
                        code="unknown_record_type",
                    )
                }
            )
        if self.date_format not in DateFormat.values or self.reset not in Reset.values:
            return  # the field validation reports it
        patterns.validate_reset_fits_date_field(self.date_format, self.reset)
        conflicts = self.conflicting_shapes()
        if conflicts:
            used = "; ".join(
                sorted(f"{DateFormat(fmt).label}, {Reset(reset).label}" for fmt, reset in conflicts)
            )
            raise ValidationError(
                _(
                    "Numbers with the prefix “%(prefix)s” were already issued with another date "
                    "part or reset (%(used)s). Changing the date part or reset now could repeat "
                    "issued numbers: keep them, or choose another prefix."
                ),
                code="numbers_issued",
                params={"prefix": self.prefix, "used": used},
            )


def company_date(at: dt.datetime | dt.date | None) -> dt.date:
    """The calendar date of `at` (default: now) in the company time zone (settings.TIME_ZONE),
    whatever time zone the current user has activated."""
    if at is None:
        at = timezone.now()
    if isinstance(at, dt.datetime):
        if timezone.is_naive(at):
            raise ValueError("numbering needs a time-zone-aware datetime or a date")
        return at.astimezone(timezone.get_default_timezone()).date()
    return at
