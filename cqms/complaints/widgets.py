"""Widgets of the complaint pages."""

from __future__ import annotations

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from cqms.core.widgets import SearchPicker


class CustomerPicker(SearchPicker):
    """The chosen customer of a filter ("All" when none)."""

    search_url = reverse_lazy("complaints:statistics_customers")
    empty_label = _("All")
