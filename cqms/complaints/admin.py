"""Administrators manage the defect catalogue and the SLA policies (the time limits of the
clocks, per customer where a customer's requirements differ). Every change is audited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cqms.audit.admin import AuditedModelAdmin

from .models import DefectCategory, SlaPolicy, SlaRule


@admin.register(DefectCategory)
class DefectCategoryAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "name_en", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]

    def has_delete_permission(self, request, obj=None):
        return False  # complaints refer to their category; switch it off instead


class SlaRuleInline(admin.TabularInline):
    model = SlaRule
    extra = 1
    fields = ["clock", "severity", "complaint_type", "basis", "amount"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedModelAdmin):
    inlines = [SlaRuleInline]
    list_display = ["name", "customer", "is_default", "is_active", "recurrence_window_months"]
    list_filter = ["is_default", "is_active"]
    search_fields = ["name", "customer__code", "customer__name"]
    autocomplete_fields = ["customer"]
    fieldsets = [
        (None, {"fields": ["name", "customer", "is_default", "is_active", "description"]}),
        (_("Repeats"), {"fields": ["recurrence_window_months"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # complaints keep the policy they were registered under
