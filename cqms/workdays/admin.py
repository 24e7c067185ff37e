"""Administrators edit the calendar here; every change is audited and seen by the next deadline
computation of every process."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cqms.audit.admin import AuditedModelAdmin
from cqms.core.errors import BusinessRuleError

from . import services
from .models import WEEKDAY_FIELDS, CalendarDay, CalendarYear, Source, WorkSchedule


@admin.register(WorkSchedule)
class WorkScheduleAdmin(AuditedModelAdmin):
    list_display = ["__str__", "periods", "working_weekdays"]
    fields = ["periods", *WEEKDAY_FIELDS]

    @admin.display(description=_("working weekdays"))
    def working_weekdays(self, obj):
        return ", ".join(
            str(obj._meta.get_field(name).verbose_name)
            for name in WEEKDAY_FIELDS
            if getattr(obj, name)
        )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not WorkSchedule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = (
            CalendarDay.objects.annotate(y=ExtractYear("date"))
            .values_list("y", flat=True)
            .distinct()
            .order_by("-y")
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


def _confirm_years(modeladmin, request, years) -> None:
    confirmed = []
    for year in sorted(set(years)):
        try:
            services.confirm_year(year, actor=request.user)
        except BusinessRuleError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
        else:
            confirmed.append(str(year))
    if confirmed:
        modeladmin.message_user(
            request,
            ngettext(
                "The calendar of %(years)s is confirmed.",
                "The calendars of %(years)s are confirmed.",
                len(confirmed),
            )
            % {"years": ", ".join(confirmed)},
            messages.SUCCESS,
        )


class ConfirmPermissionMixin:
    def has_confirm_permission(self, request):
        return request.user.has_perm("workdays.change_calendaryear")


@admin.register(CalendarDay)
class CalendarDayAdmin(ConfirmPermissionMixin, AuditedModelAdmin):
    list_display = ["date", "weekday", "kind", "display_name", "periods", "source"]
    list_filter = [YearFilter, "kind", "source"]
    search_fields = ["name", "name_en"]
    ordering = ["-date"]
    fields = ["date", "kind", "name", "name_en", "periods", "source"]
    readonly_fields = ["source"]
    actions = ["mark_year_confirmed"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        from django.utils.dates import WEEKDAYS

        return WEEKDAYS[obj.date.weekday()]

    @admin.display(description=_("name"))
    def display_name(self, obj):
        return obj.display_name

    def save_model(self, request, obj, form, change):
        # A day an administrator entered or corrected is the company's decision: loading
        # official data again keeps it.
        obj.source = Source.MANUAL
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark year as confirmed"), permissions=["confirm"])
    def mark_year_confirmed(self, request, queryset):
        _confirm_years(self, request, [day.year for day in queryset.dates("date", "year")])


class CalendarYearForm(forms.ModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "note"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        if self.instance.pk is None and not CalendarDay.objects.filter(date__year=year).exists():
            raise forms.ValidationError(
                _(
                    "Enter the holidays and adjusted working days of %(year)s before you "
                    "confirm the year."
                ),
                params={"year": year},
                code="year_empty",
            )
        return year


@admin.register(CalendarYear)
class CalendarYearAdmin(ConfirmPermissionMixin, AuditedModelAdmin):
    form = CalendarYearForm
    list_display = ["year", "source", "confirmed_by", "confirmed_at", "day_count"]
    list_filter = ["source"]
    search_fields = ["year", "note"]
    readonly_fields = ["source", "confirmed_by", "confirmed_at"]
    actions = ["mark_year_confirmed", "load_official_data"]

    def get_fields(self, request, obj=None):
        return (
            ["year", "note"]
            if obj is None
            else ["year", "source", "confirmed_by", "confirmed_at", "note"]
        )

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "year"] if obj is not None else []

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("confirmed_by")

    @admin.display(description=_("days entered"))
    def day_count(self, obj):
        return CalendarDay.objects.filter(date__year=obj.year).aggregate(n=Count("id"))["n"]

    def save_model(self, request, obj, form, change):
        if not change:
            # Adding a year is confirming it.
            obj.source = Source.MANUAL
            obj.confirmed_by = request.user
            obj.confirmed_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark year as confirmed"), permissions=["confirm"])
    def mark_year_confirmed(self, request, queryset):
        _confirm_years(self, request, queryset.values_list("year", flat=True))

    def has_load_permission(self, request):
        return request.user.has_perm("workdays.add_calendarday")

    @admin.action(description=_("Load official data again"), permissions=["load"])
    def load_official_data(self, request, queryset):
        try:
            result = services.seed_official_years(
                queryset.values_list("year", flat=True), actor=request.user
            )
        except BusinessRuleError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        except PermissionDenied:
            self.message_user(request, _("You may not load official data."), messages.ERROR)
            return
        self.message_user(
            request,
            _(
                "Official data loaded: %(created)s days added, %(updated)s updated, %(deleted)s "
                "removed, %(kept)s entered by administrators kept."
            )
            % {
                "created": result.created,
                "updated": result.updated,
                "deleted": result.deleted,
                "kept": result.kept,
            },
            messages.SUCCESS,
        )
