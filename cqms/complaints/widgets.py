"""Widgets of the complaint pages."""

from __future__ import annotations

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from cqms.core.widgets import SearchPicker


class CustomerPicker(SearchPicker):
    """The chosen customer of a filter ("All" when none); the others are found by code, name,
    pinyin or initials within the reader's scope."""

    search_url = reverse_lazy("complaints:statistics_customers")
    empty_label = _("All")


class CustomerChoice(CustomerPicker):
    """The customer of a new record: none until one is chosen."""

    empty_label = ""
