"""What people are told and how it reaches them.

- `Notification`: one entry of a person's in-app inbox.
- `OutboxMessage`: one message to send (an e-mail to one person, or a post to one group bot),
  written in the transaction of the change that caused it and sent by the job worker.
- `Channel`: a group bot (WeCom, DingTalk, Feishu) set up by an administrator; its webhook URL
  and signing secret are write-only.
- `DeliveryAttempt`: every try to hand a message to a mail server or a platform, with the
  platform's answer (the delivery log of a channel, and its rate-limit window).
- `Preference`: a person's choice of e-mail per event and of the daily digest.
- `NotificationSettings`: the shares of the time allowed at which people are reminded.
- `EscalationLadder` / `EscalationStep`: who is told, and when, after a clock is missed.
- `ClockAlert` / `Escalation`: what the deadline sweep has already announced (once each).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cqms.core.models import VersionedModel


class Notification(models.Model):
    """One entry of a person's inbox, in the person's language, linking to the record."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("event"), max_length=60)
    # The same event about the same thing reaches a person once, however often it is published.
    key = models.CharField(_("key"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    record_type = models.CharField(_("record type"), max_length=100, blank=True)
    record_id = models.CharField(_("record id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.title


class SecretField(models.TextField):
    """A credential: never written to the audit trail, never rendered back into a form."""

    audit_exclude = True


def mask(value: str) -> str:
    """The hint shown instead of a secret: the last four characters only."""
    value = (value or "").strip()
    if not value:
        return ""
    return "••••" + (value[-4:] if len(value) >= 12 else "")


class Channel(VersionedModel):
    """A group bot in a WeCom, DingTalk or Feishu group chat."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk custom robot")
        FEISHU = "feishu", _("Feishu / Lark custom bot")

    # Messages per minute and per second each platform accepts from one bot.
    DEFAULT_LIMITS = {
        Kind.WECOM: (20, None),
        Kind.DINGTALK: (20, None),
        Kind.FEISHU: (100, 5),
    }

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("platform"), max_length=10, choices=Kind.choices)
    webhook_url = SecretField(_("webhook URL"))
    secret = SecretField(_("signing secret"), blank=True)
    # What pages and the audit trail show instead of the two secrets.
    webhook_hint = models.CharField(_("webhook URL"), max_length=20, blank=True)
    secret_hint = models.CharField(_("signing secret"), max_length=20, blank=True)
    keyword = models.CharField(
        _("keyword"),
        max_length=40,
        blank=True,
        help_text=_(
            "If the robot's security setting uses a custom keyword, enter it here: every "
            "message will contain it."
        ),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    events = models.JSONField(_("events"), default=list, blank=True)
    departments = models.ManyToManyField(
        "organisation.Department",
        verbose_name=_("only for departments"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every department. A department includes the departments below it."),
    )
    customer_codes = models.CharField(
        _("only for customers"),
        max_length=1000,
        blank=True,
        help_text=_("Customer codes separated by commas. Empty: every customer."),
    )
    mention_recipients = models.BooleanField(
        _("mention the people concerned"),
        default=True,
        help_text=_(
            "Uses the WeCom user id, DingTalk user id or mobile number, or Feishu open id "
            "stored with each user."
        ),
    )
    per_minute = models.PositiveSmallIntegerField(_("messages per minute"), default=20)
    per_second = models.PositiveSmallIntegerField(_("messages per second"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notifications:channel_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.per_minute is not None and self.per_minute < 1:
            raise ValidationError({"per_minute": _("Allow at least one message per minute.")})

    @property
    def customer_code_list(self) -> list[str]:
        return [c.strip() for c in self.customer_codes.replace("，", ",").split(",") if c.strip()]


class ChannelState(models.Model):
    """Operational state of a channel's sender: which worker holds the channel now (so the rate
    limit holds across workers) and until when the platform asked us to wait."""

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, primary_key=True, related_name="state"
    )
    lease_token = models.CharField(max_length=40, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.channel_id}"


class OutboxMessage(models.Model):
    """A message waiting to be sent, being sent, sent, given up, or merged into a digest."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        MERGED = "merged", _("Merged into a summary")

    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=200)
    event = models.CharField(_("event"), max_length=60)
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    subject = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    mentions = models.JSONField(default=list, blank=True)
    # A summary lists the messages it replaced: [{"title": ..., "url": ...}].
    items = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error_message = models.CharField(_("error"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["id"]
        constraints = [
            # One post per group bot per event key; one e-mail per person per event key.
            models.UniqueConstraint(
                fields=["channel", "key"],
                condition=Q(recipient__isnull=True),
                name="outbox_once_per_channel",
            ),
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=Q(channel__isnull=True),
                name="outbox_once_per_mail_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["channel", "-id"], name="outbox_channel_idx"),
        ]

    def __str__(self):
        return self.subject

    @property
    def message_id(self) -> str:
        """The idempotency key as the platforms and mail readers see it: stable for the key, so
        a message that is sent again after a crash carries the same id."""
        import hashlib

        digest = hashlib.sha256(f"{self.channel_id}:{self.recipient_id}:{self.key}".encode())
        return f"<{digest.hexdigest()[:40]}@cqms>"


class DeliveryAttempt(models.Model):
    """One try to hand a message over, with the answer. A channel's log and rate window."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="tries")
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="attempts"
    )
    at = models.DateTimeField(_("time"))
    ok = models.BooleanField(_("delivered"))
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error_message = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["-id"]
        indexes = [models.Index(fields=["channel", "at"], name="attempt_channel_at_idx")]

    def __str__(self):
        return f"{self.message_id} {self.at:%Y-%m-%d %H:%M:%S}"


class Preference(models.Model):
    """A person's choice for one event: e-mail on or off (the inbox always gets it). For the
    daily digest, `inbox` switches the whole digest on or off and `email` its e-mail copy."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event = models.CharField(_("event"), max_length=60)
    inbox = models.BooleanField(_("in-app"), default=True)
    email = models.BooleanField(_("e-mail"), default=True)

    audit_parent = "user"

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="preference_once_per_event")
        ]

    def __str__(self):
        return f"{self.user} · {self.event}"


class NotificationSettings(models.Model):
    """Company-wide settings of reminders (one row)."""

    approaching_thresholds = models.CharField(
        _("remind at these shares of the time allowed (%)"),
        max_length=40,
        default="50,80",
        help_text=_("Whole percentages between 1 and 99, separated by commas, e.g. 50,80."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before a message is given up"), default=6
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self._meta.verbose_name)

    def clean(self):
        super().clean()
        try:
            parse_thresholds(self.approaching_thresholds)
        except ValueError:
            raise ValidationError(
                {
                    "approaching_thresholds": _(
                        "Enter whole percentages between 1 and 99 separated by commas."
                    )
                }
            ) from None
        if self.max_attempts < 1:
            raise ValidationError({"max_attempts": _("Allow at least one attempt.")})

    @classmethod
    def current(cls) -> NotificationSettings:
        found = cls.objects.filter(pk=1).first()
        return found if found is not None else cls(pk=1)

    @property
    def thresholds(self) -> list[int]:
        try:
            return parse_thresholds(self.approaching_thresholds)
        except ValueError:
            return [50, 80]


def parse_thresholds(text: str) -> list[int]:
    values = sorted({int(part) for part in text.replace("，", ",").split(",") if part.strip()})
    if any(not 1 <= value <= 99 for value in values):
        raise ValueError(text)
    return values


class EscalationLadder(VersionedModel):
    """Who is told, step by step, after a clock of this name is missed. The ladder named "*"
    applies to every clock without a ladder of its own."""

    DEFAULT = "*"

    clock_name = models.CharField(_("clock"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation ladder")
        verbose_name_plural = _("escalation ladders")
        ordering = ["clock_name"]

    def __str__(self):
        from .escalation import clock_label

        if self.clock_name == self.DEFAULT:
            return str(_("All other clocks"))
        return str(clock_label(self.clock_name))


class EscalationStep(models.Model):
    class Target(models.TextChoices):
        OWNER = "owner", _("The person responsible")
        DEPARTMENT_HEAD = "department_head", _("The head of the responsible department")
        ROLE = "role", _("Everyone with a role")

    ladder = models.ForeignKey(
        EscalationLadder, on_delete=models.CASCADE, related_name="steps", verbose_name=_("ladder")
    )
    position = models.PositiveSmallIntegerField(_("step"))
    target = models.CharField(_("tell"), max_length=20, choices=Target.choices)
    role = models.ForeignKey(
        "organisation.Role",
        verbose_name=_("role"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    delay_hours = models.DecimalField(
        _("working hours after the due time"), max_digits=6, decimal_places=2, default=0
    )

    audit_parent = "ladder"

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["ladder_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "position"], name="escalation_step_once")
        ]

    def __str__(self):
        target = self.role if self.target == self.Target.ROLE else self.get_target_display()
        return f"{self.position}. {target} (+{self.delay_hours:g} h)"

    def clean(self):
        super().clean()
        if self.target == self.Target.ROLE and self.role_id is None:
            raise ValidationError({"role": _("Choose the role to tell.")})
        if self.delay_hours is not None and self.delay_hours < 0:
            raise ValidationError({"delay_hours": _("The delay cannot be negative.")})


class ClockAlert(models.Model):
    """A reminder the sweep has announced for a clock ("approaching:80", "missed"): once."""

    clock = models.ForeignKey("clocks.Clock", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clock", "kind"], name="clock_alert_once")]

    def __str__(self):
        return f"{self.clock_id} {self.kind}"


class Escalation(models.Model):
    """A step of the ladder taken for a missed clock: shown on the record and in its history."""

    clock = models.ForeignKey(
        "clocks.Clock",
        on_delete=models.CASCADE,
        related_name="escalations",
        verbose_name=_("clock"),
    )
    step = models.PositiveSmallIntegerField(_("step"))
    target = models.CharField(_("tell"), max_length=20, choices=EscalationStep.Target.choices)
    role = models.ForeignKey(
        "organisation.Role",
        verbose_name=_("role"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("recipients"), blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("step due"))
    at = models.DateTimeField(_("time"))

    audit_parent = "clock"

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["clock_id", "step"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "step"], name="escalation_once_per_step")
        ]

    def __str__(self):
        return f"{self.step}. {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.target == EscalationStep.Target.ROLE and self.role is not None:
            return str(self.role)
        return str(self.get_target_display())
