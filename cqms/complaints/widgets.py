"""Widgets of the complaint pages."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext as _


class CustomerPicker(forms.Select):
    """Renders only the chosen customer; the others are found by typing (no page lists
    thousands of customers)."""

    def __init__(self, attrs=None):
        super().__init__(
            {
                "data-searchable": "",
                "data-search-url": reverse_lazy("complaints:statistics_customers"),
                **(attrs or {}),
            }
        )

    known: dict[str, object] = {}

    def remember(self, *customers) -> None:
        """Customers the form has loaded already: drawing them as chosen needs no query."""
        self.known = {str(customer.pk): customer for customer in customers if customer}

    def optgroups(self, name, value, attrs=None):
        chosen = [str(v) for v in value if v not in ("", None)]
        options = [self.create_option(name, "", _("All"), not chosen, 0)]
        if all(pk in self.known for pk in chosen):
            customers = [self.known[pk] for pk in chosen]
        else:
            customers = self.choices.queryset.filter(pk__in=chosen)
        for index, customer in enumerate(customers, start=1):
            options.append(self.create_option(name, str(customer.pk), str(customer), True, index))
        return [(None, options, 0)]
