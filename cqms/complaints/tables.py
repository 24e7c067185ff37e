from __future__ import annotations

from urllib.parse import quote

import django_tables2 as tables
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cqms.core.tables import PythonRows, date_formatter, quick_html

from .models import Complaint, Severity

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

# The clock badges' two-character labels (确认, 围堵, 纠正, 结案).
SHORT = {
    "acknowledgement": pgettext_lazy("clock, short", "Ack."),
    "containment": pgettext_lazy("clock, short", "Cont."),
    "corrective_action": pgettext_lazy("clock, short", "CA"),
    "closure": pgettext_lazy("clock, short", "Close"),
}
BADGE = '<span class="badge {}" title="{}" data-clock="{}" data-state="{}">{} {}</span>'
PAUSED = (
    '<span class="badge text-bg-secondary" data-clock="{}" data-state="paused">'
    '<i class="bi bi-pause-fill" aria-hidden="true"></i> {}</span>'
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

    @cached_property
    def text(self) -> RowText:
        return RowText()

    def row_html(self, complaint: Complaint) -> SafeString:
        text = self.text
        return quick_html(
            ROW,
            OVERDUE if complaint.overdue else "",
            text.url_prefix + quote(complaint.number) + "/",
            complaint.number,
            text.flags(complaint),
            complaint.customer.code,
            complaint.customer.display_name,
            quick_html('<div class="small text-body-secondary">{}</div>', reference)
            if (reference := complaint.customer_reference)
            else "",
            text.badges.when(complaint.received_at),
            complaint.part_number,
            complaint.defect_category or "",
            Truncator(complaint.defect_description).chars(40),
            "" if complaint.quantity_affected is None else complaint.quantity_affected,
            text.severity[complaint.severity],
            text.status[complaint.status],
            text.badges(complaint.loaded_clocks),
            complaint.owner or "—",
            quick_html('<span class="badge text-bg-secondary">{}</span>', complaint.reopen_count)
            if complaint.reopen_count
            else "",
        )


class RowText:
    """What every row repeats, looked up once per page: translated labels, the time zone and
    date format (through `ClockBadges`), the address of the complaint pages."""

    def __init__(self):
        self.badges = ClockBadges()
        self.url_prefix = reverse("complaints:detail", args=["-"])[:-2]
        self.status = {value: str(label) for value, label in Complaint.Status.choices}
        self.severity = {value: str(label) for value, label in Severity.choices}
        self.severity[Severity.URGENT] = format_html(
            '<span class="badge text-bg-danger">{}</span>', self.severity[Severity.URGENT]
        )
        self.repeat = format_html(
            ' <span class="badge text-bg-warning" title="{}">{}</span>',
            gettext("Repeat"),
            gettext("repeat"),
        )
        self.major = format_html(' <span class="badge text-bg-danger">{}</span>', gettext("major"))

    def flags(self, complaint: Complaint) -> SafeString:
        # Not "+": a safe string added to a plain "" is plain again, and escaped.
        return quick_html(
            "{}{}",
            self.repeat if complaint.is_repeat else "",
            self.major if complaint.major else "",
        )


class ClockBadges:
    """The clocks of one complaint, compact: due time; met, missed, stopped, paused or overdue.

    One object draws a whole page: the labels, the time zone and the date formats are looked up
    once instead of once per badge (on the register that lookup was half of each row's time).
    """

    def __init__(self):
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.datetime = date_formatter(formats.get_format("SHORT_DATETIME_FORMAT"))
        self.due = date_formatter("m-d H:i")
        self.short = {name: str(label) for name, label in SHORT.items()}

    def when(self, moment) -> str:
        return self.datetime(moment.astimezone(self.tz))

    def __call__(self, clocks) -> str:
        badges = mark_safe("".join(self.badge(clock) for clock in clocks))  # noqa: S308 - drawn safe
        return quick_html('<div class="d-flex flex-wrap gap-1 cqms-clocks">{}</div>', badges)

    def badge(self, clock) -> str:
        short = self.short.get(clock.name, clock.name)
        if clock.done_at:
            if clock.met is None:
                return quick_html(
                    BADGE,
                    "text-bg-light border",
                    clock.get_name_display(),
                    clock.name,
                    "stopped",
                    short,
                    "—",
                )
            css, state, mark = (
                ("text-bg-success", "met", "✓") if clock.met else ("text-bg-warning", "missed", "✗")
            )
            return quick_html(BADGE, css, self.when(clock.done_at), clock.name, state, short, mark)
        if clock.paused_at:
            return quick_html(PAUSED, clock.name, short)
        css, state = (
            ("text-bg-danger", "overdue")
            if clock.due_at < self.now
            else ("text-bg-light border", "running")
        )
        due = self.due(clock.due_at.astimezone(self.tz))
        return quick_html(BADGE, css, self.when(clock.due_at), clock.name, state, short, due)
