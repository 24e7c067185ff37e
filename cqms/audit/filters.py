from __future__ import annotations

import django_filters
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cqms.core.filters import StyledFilterSet
from cqms.organisation.widgets import UserPicker

from .models import AuditEntry

OUR_APPS = ("organisation", "audit", "numbering", "workdays", "customers")


def record_type_choices():
    models = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    return sorted(
        ((m._meta.label_lower, str(m._meta.verbose_name).capitalize()) for m in models),
        key=lambda choice: choice[1],
    )


class AuditFilter(StyledFilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Record or request"),
        widget=forms.TextInput(attrs={"placeholder": _("Code, name, number or request id")}),
    )
    record_type = django_filters.ChoiceFilter(
        choices=record_type_choices, label=_("Record type"), empty_label=_("All")
    )
    actor = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.order_by("username"),
        label=_("User"),
        empty_label=_("All"),
        widget=UserPicker(),
    )
    source = django_filters.ChoiceFilter(
        choices=AuditEntry.Source.choices, label=_("Source"), empty_label=_("All")
    )
    since = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="at",
        lookup_expr="date__lte",
        label=_("Until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields = ["q", "record_type", "actor", "source", "since", "until"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(record_label__icontains=value) | queryset.filter(request_id=value)
