from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Customer

# Columns a phone can do without: the code, name, classification and status stay.
WIDE_ONLY = {"th": {"class": "d-none d-lg-table-cell"}}


class CustomerTable(tables.Table):
    """Column headings, sorting and paging; each row is drawn by `row_template`."""

    row_template = "customers/customer_row.html"

    selection = tables.CheckBoxColumn(
        accessor="pk",
        attrs={"th__input": {"data-check-all": "selection", "aria-label": _("Select all")}},
        orderable=False,
    )
    code = tables.Column()
    name = tables.Column(verbose_name=_("Name"))
    short_name = tables.Column(attrs=WIDE_ONLY)
    grade = tables.Column(attrs=WIDE_ONLY)
    industry = tables.Column(attrs=WIDE_ONLY)
    country = tables.Column(attrs=WIDE_ONLY)
    owner = tables.Column(order_by=("owner__username",), attrs=WIDE_ONLY)
    department = tables.Column(order_by=("department__position",), attrs=WIDE_ONLY)

    class Meta:
        model = Customer
        fields = [
            "selection",
            "code",
            "name",
            "short_name",
            "classification",
            "grade",
            "industry",
            "country",
            "owner",
            "department",
            "status",
        ]
        attrs = {"class": "table table-hover table-sm align-middle mb-2"}
        order_by_field = "sort"
        empty_text = _("No customers match these filters.")
