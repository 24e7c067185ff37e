from __future__ import annotations

import django_tables2 as tables
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cqms.core.tables import PythonRows

from .models import Complaint, Severity
from .templatetags.complaints import clock_badges

WIDE_ONLY = {"th": {"class": "d-none d-lg-table-cell"}}
OVERDUE = mark_safe(' class="table-danger"')
ROW = (
    "<tr{}>"
    '<td class="text-nowrap fw-semibold"><a href="{}">{}</a>{}</td>'
    '<td><span class="small text-body-secondary">{}</span> {}{}</td>'
    '<td class="text-nowrap small">{}</td>'
    '<td class="d-none d-lg-table-cell">{}</td>'
    '<td class="d-none d-lg-table-cell small">{}<div class="text-body-secondary">{}</div></td>'
    '<td class="d-none d-lg-table-cell">{}</td>'
    "<td>{}</td>"
    '<td class="small">{}</td>'
    "<td>{}</td>"
    '<td class="d-none d-lg-table-cell small">{}</td>'
    '<td class="d-none d-lg-table-cell text-center">{}</td>'
    "</tr>"
)


class RegisterTable(PythonRows, tables.Table):
    """The complaint register (客户抱怨处理总表): headings, sorting and paging; each row is
    drawn by `row_html`."""

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

    def row_html(self, complaint: Complaint) -> SafeString:
        return format_html(
            ROW,
            OVERDUE if complaint.overdue else "",
            complaint.get_absolute_url(),
            complaint.number,
            _flags(complaint),
            complaint.customer.code,
            complaint.customer.display_name,
            format_html('<div class="small text-body-secondary">{}</div>', reference)
            if (reference := complaint.customer_reference)
            else "",
            formats.date_format(timezone.localtime(complaint.received_at), "SHORT_DATETIME_FORMAT"),
            complaint.part_number,
            complaint.defect_category or "",
            Truncator(complaint.defect_description).chars(40),
            "" if complaint.quantity_affected is None else complaint.quantity_affected,
            _severity(complaint),
            complaint.get_status_display(),
            clock_badges(complaint.loaded_clocks),
            complaint.owner or "—",
            format_html('<span class="badge text-bg-secondary">{}</span>', complaint.reopen_count)
            if complaint.reopen_count
            else "",
        )


def _flags(complaint: Complaint) -> SafeString | str:
    flags = ""
    if complaint.is_repeat:
        flags = format_html(
            ' <span class="badge text-bg-warning" title="{}">{}</span>',
            gettext("Repeat"),
            gettext("repeat"),
        )
    if complaint.major:
        flags = format_html(
            '{} <span class="badge text-bg-danger">{}</span>', flags, gettext("major")
        )
    return flags


def _severity(complaint: Complaint) -> SafeString | str:
    if complaint.severity == Severity.URGENT:
        return format_html(
            '<span class="badge text-bg-danger">{}</span>', complaint.get_severity_display()
        )
    return complaint.get_severity_display()
