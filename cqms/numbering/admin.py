from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cqms.audit.admin import AuditedModelAdmin

from . import registry
from .models import NumberingRule

PLACEHOLDER_HELP = format_lazy(
    "<p>{}</p><p>{}</p><p>{}</p>",
    _(
        "A number consists of the prefix, the date part, the separator and the sequence number "
        "padded with zeros to the width. For example, prefix KS, date part yyyy, separator - "
        "and width 4 with a yearly reset give KS2026-0001, KS2026-0002 and so on, and "
        "KS2027-0001 in the following year."
    ),
    _(
        "In the date part, yyyy is the year with four digits, yy its last two digits, mm the "
        "month and dd the day, all taken in the company time zone when the number is issued."
    ),
    _(
        "Numbers are never reused: records are voided, not deleted. Once numbers have been "
        "issued with a prefix, the date part and the reset of that prefix stay fixed; to change "
        "them, choose another prefix as well. The separator and the width can be changed at any "
        "time, and the sequence continues."
    ),
)


class NumberingRuleForm(forms.ModelForm):
    # Choices from the registry when the form is built: no database choice constraint.
    record_type = forms.ChoiceField(label=_("record type"), choices=registry.choices)

    class Meta:
        model = NumberingRule
        fields = [
            "record_type",
            "prefix",
            "date_format",
            "separator",
            "width",
            "reset",
            "is_active",
        ]


@admin.register(NumberingRule)
class NumberingRuleAdmin(AuditedModelAdmin):
    form = NumberingRuleForm
    list_display = ["record_type_display", "next_number_preview", "reset", "is_active"]
    list_filter = ["is_active", "reset"]
    search_fields = ["record_type", "prefix"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "record_type",
                    "prefix",
                    "date_format",
                    "separator",
                    "width",
                    "reset",
                    "is_active",
                    "next_number_preview",
                ],
                "description": PLACEHOLDER_HELP,
            },
        )
    ]

    def get_readonly_fields(self, request, obj=None):
        # A rule stays with its record type: its counters are named after it.
        if obj is not None and obj.pk:
            return ["record_type", "next_number_preview"]
        return ["next_number_preview"]

    def has_delete_permission(self, request, obj=None):
        # Deleting a rule would bring back the registered defaults; switch it off instead.
        return False

    @admin.display(description=_("record type"), ordering="record_type")
    def record_type_display(self, obj):
        return obj.record_type_label

    @admin.display(description=_("next number (preview)"))
    def next_number_preview(self, obj):
        if obj is None or not obj.pk:
            return "—"
        return obj.preview()
