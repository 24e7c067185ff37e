"""Filter forms styled for the list pages' filter bar."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.functional import lazy
from django_filters.utils import label_for_filter

lazy_label = lazy(label_for_filter, str)


class FilterSet(django_filters.FilterSet):
    """Every filter has a label that follows the language of each request.

    django-filter derives a missing label from the model only on a filter set's own copy, and
    caches the form field on the filter: once the API schema read the class's filters (in
    whatever language that request had), every later form reused that field with no label, and
    Django fell back to the English field name ("Severity", "Grade") for every user.
    """

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        model = cls._meta.model
        for filter_ in filters.values():
            if filter_._label is None and model is not None:
                filter_.label = lazy_label(
                    model, filter_.field_name, filter_.lookup_expr, filter_.exclude
                )
        return filters


class StyledFilterSet(FilterSet):
    def filter_queryset(self, queryset):
        # Pickers draw the chosen record from the one the validation has just read.
        for name, field in self.form.fields.items():
            if hasattr(field.widget, "remember"):
                field.widget.remember(self.form.cleaned_data.get(name))
        return super().filter_queryset(queryset)

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_cqms_styled", False):
            for field in form.fields.values():
                if isinstance(field.widget, forms.Select):
                    field.widget.attrs["class"] = "form-select form-select-sm"
                else:
                    field.widget.attrs["class"] = "form-control form-control-sm"
            form._cqms_styled = True
        return form
