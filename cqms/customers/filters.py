"""The customer list's filters, shared by the page, the export and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cqms.core.filters import FilterSet, StyledFilterSet
from cqms.organisation.models import Department
from cqms.organisation.widgets import UserPicker

from .models import Contact, Customer
from .selectors import search_q


class CustomerFilter(StyledFilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("Code, name, short name or OEM group")}),
    )
    status = django_filters.ChoiceFilter(
        choices=Customer.Status.choices,
        method="filter_status",
        empty_label=_("Active and inactive"),
        label=_("Status"),
    )
    classification = django_filters.ChoiceFilter(
        choices=Customer.Classification.choices, empty_label=_("All")
    )
    grade = django_filters.ChoiceFilter(choices=Customer.Grade.choices, empty_label=_("All"))
    industry = django_filters.ChoiceFilter(choices=Customer.Industry.choices, empty_label=_("All"))
    document_language = django_filters.ChoiceFilter(
        choices=Customer.DocumentLanguage.choices, empty_label=_("All")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        label=_("Account manager"),
        empty_label=_("All"),
        widget=UserPicker(),
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.filter(is_active=True),
        label=_("Department"),
        empty_label=_("All"),
    )
    country = django_filters.CharFilter(lookup_expr="icontains", label=_("Country or region"))

    class Meta:
        model = Customer
        fields = [
            "q",
            "status",
            "classification",
            "grade",
            "industry",
            "document_language",
            "owner",
            "department",
            "country",
        ]

    @property
    def qs(self):
        queryset = super().qs
        # Voided customers are kept for the record but hidden unless asked for.
        if not getattr(self.form, "cleaned_data", {}).get("status"):
            queryset = queryset.exclude(status=Customer.Status.VOIDED)
        return queryset

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value)) if value.strip() else queryset

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value)


class ContactFilter(FilterSet):
    customer = django_filters.CharFilter(field_name="customer__code", label=_("Customer code"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Contact
        fields = ["customer", "role", "is_active", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(email__icontains=value)
