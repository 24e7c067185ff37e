"""Named time limits on records ("containment due in 24 hours"), on the working-day calendar.

A clock starts at an event, is due at an instant computed from its basis and amount, may be
paused with a reason, and stops at another event: met if it stopped in time, missed otherwise.
Parts create clocks through `clocks.services`; the notification engine watches them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Basis(models.TextChoices):
    CALENDAR_HOURS = "calendar_hours", _("calendar hours")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class Clock(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    name = models.CharField(_("clock"), max_length=40)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    amount = models.DecimalField(_("time allowed"), max_digits=8, decimal_places=2)
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"))
    original_due_at = models.DateTimeField(_("originally due"))
    done_at = models.DateTimeField(
        pgettext_lazy("time of completion", "done"), null=True, blank=True
    )
    met = models.BooleanField(_("met"), null=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clocks",
    )
    department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clocks",
    )
    # How far the notification engine has escalated a missed clock (0: not at all).
    escalation_step = models.PositiveSmallIntegerField(_("escalation step"), default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    audit_parent = "record"

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "name"], name="clock_once_per_record"
            )
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="clock_record_idx"),
            # The sweep reads the running clocks in due order.
            models.Index(
                fields=["due_at"], name="clock_running_idx", condition=models.Q(done_at=None)
            ),
        ]

    def __str__(self):
        return f"{self.name} {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    def get_name_display(self) -> str:
        """The clock's name in the reader's language, from the record type's vocabulary."""
        labels = getattr(self.content_type.model_class(), "CLOCK_LABELS", {})
        return str(labels.get(self.name, self.name))

    @property
    def is_running(self) -> bool:
        return self.done_at is None and self.paused_at is None

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.paused_at is None and self.due_at < timezone.now()


class ClockPause(models.Model):
    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField(_("paused"))
    ended_at = models.DateTimeField(_("resumed"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    audit_parent = "clock"

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["started_at"]

    def __str__(self):
        return self.reason
