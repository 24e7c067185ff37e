"""Administrators manage the defect catalogue, the SLA policies (the time limits of the clocks,
per customer where a customer's requirements differ) and the customers' own 8D forms. Every
change is audited."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cqms.audit.admin import AuditedModelAdmin

from . import customer_forms
from .models import CustomerReportForm, DefectCategory, ReportFormCell, SlaPolicy, SlaRule


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


class ReportFormCellFormSet(forms.BaseInlineFormSet):
    """Every mapped cell must point into the uploaded form."""

    def clean(self):
        super().clean()
        upload = self.instance.file
        if not upload or any(self.errors):
            return
        try:
            upload.open("rb")
            upload.seek(0)
            workbook = customer_forms.open_template(upload.read())
            upload.seek(0)
        except Exception:  # the file's own validator names the problem
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("target"):
                continue
            try:
                customer_forms.locate(workbook, data.get("sheet", ""), data["target"])
            except ValueError as error:
                form.add_error("target", str(error))


class ReportFormCellInline(admin.TabularInline):
    model = ReportFormCell
    formset = ReportFormCellFormSet
    extra = 3
    fields = ["field", "sheet", "target", "rows"]


@admin.register(CustomerReportForm)
class CustomerReportFormAdmin(AuditedModelAdmin):
    """A customer's own 8D form and where the 8D's fields go in it."""

    inlines = [ReportFormCellInline]
    list_display = ["customer", "name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["customer__code", "customer__name", "name"]
    autocomplete_fields = ["customer"]

    def has_delete_permission(self, request, obj=None):
        return False  # switch a form off instead: answers produced in it name it
