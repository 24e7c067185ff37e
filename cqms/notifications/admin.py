"""Administration of escalation ladders and reminder settings (audited), and read-only views of
channels (without their secrets: channels are edited in the CQMS pages) and of the outbox."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cqms.audit.admin import AuditedModelAdmin

from .escalation import clock_choices
from .models import (
    Channel,
    EscalationLadder,
    EscalationStep,
    NotificationSettings,
    OutboxMessage,
)


class LadderForm(forms.ModelForm):
    clock_name = forms.ChoiceField(label=_("clock"))

    class Meta:
        model = EscalationLadder
        fields = ["clock_name", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(clock_choices())
        current = self.instance.clock_name
        if current and current not in {value for value, _label in choices}:
            choices.append((current, current))
        self.fields["clock_name"].choices = choices


class StepInline(admin.TabularInline):
    model = EscalationStep
    extra = 1
    fields = ["position", "target", "role", "delay_hours"]
    ordering = ["position"]


@admin.register(EscalationLadder)
class EscalationLadderAdmin(AuditedModelAdmin):
    form = LadderForm
    inlines = [StepInline]
    list_display = ["__str__", "clock_name", "is_active", "steps_summary"]

    @admin.display(description=_("steps"))
    def steps_summary(self, obj):
        return " → ".join(str(step) for step in obj.steps.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps__role")


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(AuditedModelAdmin):
    list_display = ["__str__", "approaching_thresholds", "max_attempts"]

    def has_add_permission(self, request):
        return not NotificationSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Channel)
class ChannelAdmin(AuditedModelAdmin):
    """Read-only here: the webhook URL and secret are never shown, not even masked fields of a
    form; channels are set up on the channel pages."""

    list_display = ["name", "kind", "webhook_hint", "secret_hint", "is_active"]
    list_filter = ["kind", "is_active"]
    exclude = ["webhook_url", "secret"]
    readonly_fields = [
        "name",
        "kind",
        "webhook_hint",
        "secret_hint",
        "keyword",
        "language",
        "events",
        "departments",
        "customer_codes",
        "mention_recipients",
        "per_minute",
        "per_second",
        "is_active",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "event", "channel", "recipient", "status", "attempts"]
    list_filter = ["status", "event", "channel"]
    search_fields = ["key", "subject"]
    exclude = ["html", "mentions"]
    readonly_fields = [
        "channel",
        "recipient",
        "key",
        "event",
        "language",
        "subject",
        "body",
        "url",
        "items",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "error_code",
        "error_message",
        "merged_into",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
