from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Complaint

WIDE_ONLY = {"th": {"class": "d-none d-lg-table-cell"}}


class RegisterTable(tables.Table):
    """The complaint register (客户抱怨处理总表): headings, sorting and paging; rows come from
    `row_template`."""

    row_template = "complaints/register_row.html"

    number = tables.Column()
    customer = tables.Column(order_by=("customer__code",))
    received_at = tables.Column()
    part_number = tables.Column(verbose_name=_("Part"), attrs=WIDE_ONLY)
    defect_category = tables.Column(verbose_name=_("Defect"), orderable=False, attrs=WIDE_ONLY)
    quantity_affected = tables.Column(verbose_name=_("Qty"), attrs=WIDE_ONLY)
    severity = tables.Column()
    clocks = tables.Column(verbose_name=_("Clocks"), empty_values=(), orderable=False)
    owner = tables.Column(order_by=("owner__username",), attrs=WIDE_ONLY)
    reopen_count = tables.Column(verbose_name=_("Reopened"), attrs=WIDE_ONLY)

    class Meta:
        model = Complaint
        fields = [
            "number",
            "customer",
            "received_at",
            "part_number",
            "defect_category",
            "quantity_affected",
            "severity",
            "status",
            "clocks",
            "owner",
            "reopen_count",
        ]
        attrs = {"class": "table table-hover table-sm align-middle mb-2"}
        order_by_field = "sort"
        empty_text = _("No complaints match these filters.")
