"""Filter forms styled for the list pages' filter bar."""

from __future__ import annotations

import django_filters
from django import forms


class StyledFilterSet(django_filters.FilterSet):
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
