"""The complaint statistics page, its Excel download and the customer search of its filter."""

from __future__ import annotations

import io

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqms.customers.models import Customer
from cqms.customers.selectors import customers_visible_to, search_q

from . import selectors, statistics
from .models import DefectCategory, Severity
from .widgets import CustomerPicker

MONTH = "%Y-%m"
CUSTOMER_SEARCH_RESULTS = 20


def month_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=[MONTH],
        widget=forms.DateInput(attrs={"type": "month"}, format=MONTH),
    )


class StatisticsFilterForm(forms.Form):
    first = month_field(gettext_lazy("From month"))
    last = month_field(gettext_lazy("To month"))
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        label=gettext_lazy("Customer"),
        widget=CustomerPicker(),
    )
    severity = forms.ChoiceField(
        choices=[("", gettext_lazy("All")), *Severity.choices],
        required=False,
        label=gettext_lazy("Severity"),
    )
    defect_category = forms.ModelChoiceField(
        queryset=DefectCategory.objects.all(),
        required=False,
        label=gettext_lazy("Defect category"),
        empty_label=gettext_lazy("All"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers_visible_to(user).order_by()
        for bound in self.fields.values():
            css = "form-select" if isinstance(bound.widget, forms.Select) else "form-control"
            bound.widget.attrs["class"] = f"{css} {css}-sm"

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        default = statistics.Period.default()
        last = last or (
            statistics.add_months(first, statistics.PERIOD_MONTHS - 1) if first else None
        )
        last = (last or default.last).replace(day=1)
        first = (first or statistics.add_months(last, 1 - statistics.PERIOD_MONTHS)).replace(day=1)
        if first > last:
            raise ValidationError(_("The first month must not be after the last month."))
        if statistics.months_between(first, last) > statistics.MAX_PERIOD_MONTHS:
            raise ValidationError(
                _("Choose at most %(months)d months.") % {"months": statistics.MAX_PERIOD_MONTHS}
            )
        data["period"] = statistics.Period(first, last)
        return data


def _filtered(request):
    """The filter form, the period and the complaints it selects within the reader's scope."""
    form = StatisticsFilterForm(request.GET or None, user=request.user)
    complaints = selectors.complaints_visible_to(request.user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        period = data["period"]
        if data.get("customer"):
            complaints = complaints.filter(customer=data["customer"])
        if data.get("severity"):
            complaints = complaints.filter(severity=data["severity"])
        if data.get("defect_category"):
            complaints = complaints.filter(defect_category=data["defect_category"])
    else:
        period = statistics.Period.default()
    return form, period, complaints


@permission_required("complaints.view_complaint", raise_exception=True)
def statistics_page(request):
    form, period, complaints = _filtered(request)
    summary = statistics.summarise(complaints, period)
    return render(
        request,
        "complaints/statistics.html",
        {
            "form": form,
            "summary": summary,
            "charts": statistics.charts(summary),
            "export_query": request.GET.urlencode(),
        },
    )


@permission_required("complaints.view_complaint", raise_exception=True)
def customer_search(request):
    """Customers of the reader's scope matching a code or name (also by pinyin), for the
    customer pickers."""
    text = request.GET.get("q", "").strip()[:100]
    customers = customers_visible_to(request.user).exclude(status=Customer.Status.VOIDED)
    if text:
        customers = customers.filter(search_q(text))
    results = [
        {"value": customer.pk, "text": str(customer)}
        for customer in customers.order_by("code")[:CUSTOMER_SEARCH_RESULTS]
    ]
    return JsonResponse({"results": results})


# --- Excel --------------------------------------------------------------------------------------


@permission_required("complaints.export_complaint", raise_exception=True)
def statistics_export(request):
    """The page's tables as a workbook: one sheet per table, with native Excel charts."""
    form, period, complaints = _filtered(request)
    summary = statistics.summarise(complaints, period)
    content = workbook(summary, filters=_filter_text(form))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"complaint-statistics-{period.first:%Y%m}-{period.last:%Y%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _filter_text(form) -> str:
    if not (form.is_bound and form.is_valid()):
        return ""
    parts = []
    for name in ("customer", "severity", "defect_category"):
        value = form.cleaned_data.get(name)
        if value:
            shown = dict(Severity.choices).get(value, value) if name == "severity" else value
            parts.append(f"{form.fields[name].label}: {shown}")
    return "; ".join(parts)


class _Sheet:
    """Writes typed cells: text as text (never a formula), numbers as numbers."""

    def __init__(self, book, title: str, formats: dict):
        self.sheet = book.add_worksheet(title[:31])
        self.formats = formats
        self.row = 0

    def write(self, *values, bold: bool = False) -> int:
        for column, value in enumerate(values):
            cell_format = self.formats["bold"] if bold else None
            if value is None:
                self.sheet.write_blank(self.row, column, None, cell_format)
            elif isinstance(value, bool):
                self.sheet.write_string(self.row, column, _("Yes") if value else _("No"))
            elif isinstance(value, int | float):
                self.sheet.write_number(self.row, column, value, cell_format)
            else:
                self.sheet.write_string(self.row, column, str(value), cell_format)
        self.row += 1
        return self.row - 1

    def header(self, *titles) -> None:
        self.write(*titles, bold=True)
        self.sheet.freeze_panes(self.row, 0)


def workbook(summary: statistics.Summary, *, filters: str = "") -> bytes:
    import xlsxwriter

    stream = io.BytesIO()
    book = xlsxwriter.Workbook(stream, {"in_memory": True})
    formats = {"bold": book.add_format({"bold": True})}

    sheet = _Sheet(book, _("Summary"), formats)
    sheet.sheet.set_column(0, 0, 36)
    sheet.sheet.set_column(1, 1, 18)
    sheet.write(_("Complaint statistics"), bold=True)
    sheet.write(_("Period"), str(summary.period))
    if filters:
        sheet.write(_("Filters"), filters)
    sheet.write(_("Written"), timezone.localtime().strftime("%Y-%m-%d %H:%M"))
    sheet.write()
    for label, value in kpis(summary):
        sheet.write(label, value)

    sheet = _Sheet(book, _("By month"), formats)
    sheet.header(
        _("Month"),
        _("Complaints"),
        _("Reopenings"),
        _("Repeats"),
        _("Urgent"),
        _("Still open"),
        _("3-month moving average"),
        _("Abnormal"),
    )
    for m in summary.months:
        sheet.write(
            f"{m.month:%Y-%m}",
            m.complaints,
            m.reopenings,
            m.repeats,
            m.urgent,
            m.open,
            m.moving_average,
            m.abnormal,
        )
    _chart(book, sheet, "column", _("Complaints per month"), len(summary.months), 1)

    for title, shares in (
        (_("By defect category"), summary.categories),
        (_("By customer"), summary.customers),
        (_("By severity"), summary.severities),
    ):
        sheet = _Sheet(book, title, formats)
        sheet.sheet.set_column(0, 0, 36)
        sheet.header(title, _("Complaints"), _("Share %"), _("Cumulative %"))
        for share in shares:
            sheet.write(share.label, share.count, share.percent, share.cumulative_percent)
        if shares is not summary.severities:
            _chart(book, sheet, "column", title, len(shares), 1, cumulative=3)

    sheet = _Sheet(book, _("Seasonality"), formats)
    months = [f"{n:02d}" for n in range(1, 13)]
    sheet.header(_("Year"), *months)
    for year in summary.seasonality.years:
        sheet.write(str(year), *summary.seasonality.counts[year])
    sheet.write(_("Mean"), *summary.seasonality.means, bold=True)

    sheet = _Sheet(book, _("On time by clock"), formats)
    sheet.sheet.set_column(0, 0, 28)
    sheet.header(_("Clock"), _("Due in the period"), _("Done on time"), _("On time %"))
    for rate in summary.clocks:
        sheet.write(rate.label, rate.due, rate.on_time, rate.percent)

    sheet = _Sheet(book, _("Recurrent defects"), formats)
    sheet.sheet.set_column(0, 0, 28)
    first, last = summary.recurrent_window
    sheet.write(
        _("12 months %(first)s – %(last)s") % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}
    )
    sheet.header(_("Defect category"), _("Complaints"), _("Recurrent"), _("Newly recurrent"))
    for row in summary.recurrence:
        sheet.write(row.label, row.count, row.recurrent, row.new)

    book.close()
    return stream.getvalue()


def _chart(book, sheet: _Sheet, kind: str, title: str, rows: int, column: int, cumulative=None):
    if not rows:
        return
    name = sheet.sheet.get_name()
    chart = book.add_chart({"type": kind})
    chart.add_series(
        {
            "name": [name, 0, column],
            "categories": [name, 1, 0, rows, 0],
            "values": [name, 1, column, rows, column],
        }
    )
    if cumulative is not None:
        line = book.add_chart({"type": "line"})
        line.add_series(
            {
                "name": [name, 0, cumulative],
                "categories": [name, 1, 0, rows, 0],
                "values": [name, 1, cumulative, rows, cumulative],
                "y2_axis": True,
            }
        )
        chart.combine(line)
    chart.set_title({"name": title})
    chart.set_legend({"position": "bottom"})
    sheet.sheet.insert_chart(1, 9 if column == 1 and cumulative is None else 5, chart)


def kpis(summary: statistics.Summary) -> list[tuple[str, object]]:
    """The figures of the page's cards, in order, as (label, value)."""
    rows = [
        (_("Complaints"), summary.total),
        (_("Reopenings"), summary.reopenings),
        (_("Still open"), summary.open),
        (_("Repeat rate %"), summary.repeat_rate),
        (_("Closed in the period"), summary.closed),
        (_("Mean working days to close"), summary.mean_days_to_close),
    ]
    for rate in summary.clocks:
        rows.append((_("On time %% — %(clock)s") % {"clock": rate.label}, rate.percent))
    return rows
