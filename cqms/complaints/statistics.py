"""Complaint statistics: the monthly complaint summary and analysis (R36) and the complaint KPIs.

Every function reads a queryset the caller has already narrowed to the reader's data scope
(`access.visible`) and to the page's filters, and a `Period` of whole months in the company
time zone (settings.TIME_ZONE). Cancelled complaints (entered in error, duplicates, withdrawn)
never count. The figures, as `docs/user/complaints-statistics.md` explains them to users:

- complaints: original cases (revision 0) received in the month; reopenings (`<number>-n`,
  revision > 0) are counted apart, by the month they were reopened;
- Pareto: complaints per defect category, largest first, with each category's share and the
  cumulative share; the same per customer (top 10 and "others");
- trend: the complaints of each month with the moving average of the last 3 months;
- seasonality: the complaints of each calendar month (January … December) per year in the
  period and their mean over the years in which that month lies in the period;
- repeat rate: complaints flagged as repeats ÷ complaints × 100;
- on-time % per clock: clocks due in the period and decided (done, or past due while running)
  that were done by their due time (met) ÷ those clocks × 100; paused and cancelled clocks are
  left out, as are clocks due later that are still running;
- mean working days to close: over the complaints closed in the period (by `closed_at`), the
  working days after the day received up to and including the day closed, on the company
  calendar (closed on the day received: 0; received on Friday, closed on Monday: 1);
- recurrent defect category: ≥ 3 complaints in the 12 months ending with the period's last
  month; occasional: 1 or 2; "new" when it was not recurrent one month earlier;
- abnormal month: at least 3 complaints, and more than the mean + 2 standard deviations
  (population) of the previous 12 months or the third rise in a row (a month of one or two
  complaints after quiet months is chance, not a signal).

All counts come from a few GROUP BY queries; nothing loops over complaints in Python. Months
and days are cut in the company time zone inside the database (see `local_day`).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, Count, DateField, F, Func, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqms.clocks.models import Clock
from cqms.core.database import custom_plans
from cqms.workdays import calendar as workdays
from cqms.workdays import deadlines

from .models import ClockName, Complaint, DefectCategory, Severity

PERIOD_MONTHS = 24  # the default period: the last 24 months, ending with this month
MAX_PERIOD_MONTHS = 120
TOP_CUSTOMERS = 10
RECURRENT_MIN = 3  # complaints of a defect category in RECURRENT_WINDOW months: recurrent
RECURRENT_WINDOW = 12
BASELINE_MONTHS = 12  # the months an abnormal month is compared with
SIGMAS = 2
RISES = 3
ABNORMAL_MIN = 3  # fewer complaints in a month are never flagged abnormal
MOVING_AVERAGE = 3
UNCATEGORISED = "none"


# --- Periods ------------------------------------------------------------------------------------


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months after (or before) `month`'s month."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """How many months first..last holds, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class Period:
    """Whole months `first`..`last` (first days of their months), in the company time zone."""

    first: dt.date
    last: dt.date

    def __post_init__(self):
        if self.first.day != 1 or self.last.day != 1:
            raise ValueError("a period runs from the first day of a month")
        if not 1 <= months_between(self.first, self.last) <= MAX_PERIOD_MONTHS:
            raise ValueError(f"a period has 1 to {MAX_PERIOD_MONTHS} months")

    @classmethod
    def ending(cls, month: dt.date, months: int = PERIOD_MONTHS) -> Period:
        last = month.replace(day=1)
        return cls(add_months(last, 1 - months), last)

    @classmethod
    def default(cls, today: dt.date | None = None) -> Period:
        """The last 24 months, ending with the current month."""
        return cls.ending(today or timezone.localdate())

    @property
    def months(self) -> list[dt.date]:
        return [add_months(self.first, n) for n in range(months_between(self.first, self.last))]

    @property
    def start(self) -> dt.datetime:
        return _midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period."""
        return _midnight(add_months(self.last, 1))

    def __str__(self):
        return f"{self.first:%Y-%m} – {self.last:%Y-%m}"


# --- Local days and months in SQL ---------------------------------------------------------------

SCAN_FROM_YEAR = 1970  # earlier moments take the zone's 1970 offset


@functools.lru_cache(maxsize=8)
def offset_changes(zone_key: str, until_year: int) -> tuple[tuple[dt.datetime | None, int], ...]:
    """The zone's UTC offset in minutes since 1970: ((None, first offset), (instant, offset from
    then on), ...), instants in UTC. Found day by day, then to the second by bisection."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_key)

    def offset(moment: dt.datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)

    day = dt.datetime(SCAN_FROM_YEAR, 1, 1, tzinfo=dt.UTC)
    current = offset(day)
    changes: list[tuple[dt.datetime | None, int]] = [(None, current)]
    days = (dt.datetime(until_year + 1, 1, 1, tzinfo=dt.UTC) - day).days
    for _step in range(days):
        following = day + dt.timedelta(days=1)
        if offset(following) != current:
            low, high = day, following  # offset(low) == current != offset(high)
            for _halving in range(20):
                if high - low <= dt.timedelta(seconds=1):
                    break
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            current = offset(high)
            changes.append((high.replace(microsecond=0), current))
        day = following
    return tuple(changes)


def local_day(field_name: str, *, month: bool = False):
    """The company-time-zone date (or first day of the month) of a datetime column, computed
    by the database. PostgreSQL converts time zones itself; SQLite has no time zones, and
    Django's Trunc would call back into Python for every row (seconds for a million rows), so
    there the UTC offset valid at the moment is added with SQLite's date(): one branch per
    offset change of the zone since 1970 (one for Asia/Shanghai), newest first."""
    zone = timezone.get_default_timezone()
    if connection.vendor != "sqlite" or not hasattr(zone, "key"):
        trunc = TruncMonth if month else TruncDate
        return trunc(field_name, tzinfo=zone, output_field=DateField())
    modifiers = [Value("start of month")] if month else []

    def shifted(minutes: int):
        return Func(
            F(field_name),
            Value(f"{minutes:+d} minutes"),
            *modifiers,
            function="DATE",
            output_field=DateField(),
        )

    changes = offset_changes(zone.key, timezone.now().year + 1)
    if len(changes) == 1:
        return shifted(changes[0][1])
    whens = [
        When(**{f"{field_name}__gte": instant}, then=shifted(minutes))
        for instant, minutes in reversed(changes[1:])
    ]
    return Case(*whens, default=shifted(changes[0][1]), output_field=DateField())


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


# --- Results ------------------------------------------------------------------------------------


def percent(part: int, whole: int) -> float | None:
    """part ÷ whole × 100, rounded to one decimal; None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Month:
    month: dt.date
    complaints: int = 0  # original cases received (revision 0)
    reopenings: int = 0
    repeats: int = 0
    open: int = 0  # received in the month (cases and reopenings) and still open
    urgent: int = 0
    moving_average: float | None = None
    above_limit: bool = False  # > mean + 2σ of the previous 12 months, and ≥ ABNORMAL_MIN
    rising: bool = False  # the third rise in a row, to ≥ ABNORMAL_MIN
    limit: float | None = None

    @property
    def abnormal(self) -> bool:
        return self.above_limit or self.rising


@dataclass
class Share:
    """One bar of a Pareto chart: a category or a customer with its share of the total."""

    key: str
    label: str
    count: int
    percent: float | None
    cumulative_percent: float | None


@dataclass
class ClockRate:
    name: str
    label: str
    due: int
    on_time: int

    @property
    def percent(self) -> float | None:
        return percent(self.on_time, self.due)


@dataclass
class Recurrence:
    key: str
    label: str
    count: int  # complaints in the 12 months ending with the period's last month
    recurrent: bool
    new: bool  # recurrent now, not in the 12 months ending one month earlier


@dataclass
class Seasonality:
    years: list[int]
    counts: dict[int, list[int | None]]  # year -> 12 counts (None: month outside the period)
    means: list[float | None]  # per calendar month, over the years in the period


@dataclass
class Summary:
    period: Period
    months: list[Month]
    categories: list[Share]
    customers: list[Share]  # top customers, then "others" when there are more
    severities: list[Share]
    clocks: list[ClockRate]
    recurrence: list[Recurrence]
    seasonality: Seasonality
    total: int
    reopenings: int
    open: int
    repeats: int
    closed: int  # closed in the period
    mean_days_to_close: float | None
    recurrent_window: tuple[dt.date, dt.date] = field(default=(dt.date.min, dt.date.min))

    @property
    def repeat_rate(self) -> float | None:
        return percent(self.repeats, self.total)

    @property
    def abnormal_months(self) -> list[Month]:
        return [month for month in self.months if month.abnormal]


# --- Queries ------------------------------------------------------------------------------------

OPEN = Q(status__in=Complaint.OPEN_STATUSES)


def counted(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The complaints statistics count: all but the cancelled ones."""
    return queryset.exclude(status=Complaint.Status.CANCELLED).order_by()


def grouped_by_month(queryset: QuerySet[Complaint], since: dt.datetime, until: dt.datetime):
    """One row per (month, defect category, severity) with conditional counts: the figures of
    the monthly table, the trend, seasonality, Pareto, severity, repeats and recurrence."""
    return (
        counted(queryset)
        .filter(received_at__gte=since, received_at__lt=until)
        .values("defect_category_id", "severity", month=local_day("received_at", month=True))
        .annotate(
            complaints=Count("pk", filter=Q(revision=0)),
            reopenings=Count("pk", filter=Q(revision__gt=0)),
            repeats=Count("pk", filter=Q(revision=0, is_repeat=True)),
            open=Count("pk", filter=OPEN),
        )
        .order_by()
    )


def top_customers(queryset, period: Period, limit: int = TOP_CUSTOMERS) -> list[tuple[int, int]]:
    rows = (
        counted(queryset)
        .filter(received_at__gte=period.start, received_at__lt=period.end, revision=0)
        .values("customer_id")
        .annotate(count=Count("pk"))
        .order_by("-count", "customer_id")[:limit]
    )
    return [(row["customer_id"], row["count"]) for row in rows]


def clock_rates(queryset, period: Period, now: dt.datetime | None = None) -> list[ClockRate]:
    now = now or timezone.now()
    complaint_type = ContentType.objects.get_for_model(Complaint)
    decided = Q(met__isnull=False) | Q(done_at__isnull=True, paused_at__isnull=True, due_at__lt=now)
    rows = (
        Clock.objects.filter(
            decided,
            content_type=complaint_type,
            due_at__gte=period.start,
            due_at__lt=period.end,
            object_id__in=counted(queryset).values("pk"),
        )
        .values("name")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=Q(met=True)))
        .order_by()
    )
    found = {row["name"]: row for row in rows}
    return [
        ClockRate(
            name,
            str(label),
            found.get(name, {}).get("due", 0),
            found.get(name, {}).get("on_time", 0),
        )
        for name, label in ClockName.choices
    ]


def days_to_close(queryset, period: Period) -> tuple[int, float | None]:
    """(complaints closed in the period, their mean working days from received to closed).

    Working days to close = working days d with (day received) < d <= (day closed). With W(d)
    the number of working days up to and including d, that is W(closed) - W(received), so the
    mean only needs how many complaints were received and closed on each day: two GROUP BYs
    by day, then the calendar once per distinct day. Exact, and no loop over complaints."""
    closed = counted(queryset).filter(
        status=Complaint.Status.CLOSED, closed_at__gte=period.start, closed_at__lt=period.end
    )
    by_closing = _per_day(closed, "closed_at")
    if not by_closing:
        return 0, None
    by_receipt = _per_day(closed, "received_at")
    first = min(min(by_receipt), min(by_closing))
    last = max(max(by_receipt), max(by_closing))
    cal = workdays.company_calendar()
    cumulative, running = {}, 0
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        running += deadlines.is_working_day(cal, day)
        cumulative[day] = running
    count = sum(by_closing.values())
    total = sum(n * cumulative[d] for d, n in by_closing.items()) - sum(
        n * cumulative[d] for d, n in by_receipt.items()
    )
    return count, round(total / count, 2)


def _per_day(queryset, field_name: str) -> dict[dt.date, int]:
    rows = queryset.values(day=local_day(field_name)).annotate(n=Count("pk")).order_by()
    return {_as_date(row["day"]): row["n"] for row in rows}


# --- The summary --------------------------------------------------------------------------------


# Planned for their parameters (ADR 0013): from a worker's sixth run on, PostgreSQL's generic
# plans of these aggregates took 1.4 to 2.3 times as long (1,000,000 complaints).
@custom_plans()
def summarise(
    queryset: QuerySet[Complaint], period: Period, *, now: dt.datetime | None = None
) -> Summary:
    """Every figure of the statistics page for `queryset` (already scoped and filtered)."""
    window_first = add_months(period.first, -BASELINE_MONTHS)
    per_month: dict[dt.date, Month] = {
        add_months(window_first, n): Month(add_months(window_first, n))
        for n in range(months_between(window_first, period.last))
    }
    per_category: dict[dt.date, dict] = defaultdict(lambda: defaultdict(int))
    categories: dict[str, int] = defaultdict(int)
    severities: dict[str, int] = defaultdict(int)
    for row in grouped_by_month(queryset, _midnight(window_first), period.end):
        month = per_month.get(_as_date(row["month"]))
        if month is None:  # cannot happen: the WHERE clause bounds the months
            continue
        month.complaints += row["complaints"]
        month.reopenings += row["reopenings"]
        month.repeats += row["repeats"]
        month.open += row["open"]
        if row["severity"] == Severity.URGENT:
            month.urgent += row["complaints"]
        key = str(row["defect_category_id"] or UNCATEGORISED)
        per_category[month.month][key] += row["complaints"]
        if month.month >= period.first:
            categories[key] += row["complaints"]
            severities[row["severity"]] += row["complaints"]

    history = [per_month[m] for m in sorted(per_month)]
    _flag(history)
    months = [m for m in history if m.month >= period.first]
    total = sum(m.complaints for m in months)
    labels = category_labels()
    closed, mean_days = days_to_close(queryset, period)
    recurrence_first = add_months(period.last, 1 - RECURRENT_WINDOW)
    return Summary(
        period=period,
        months=months,
        categories=pareto(
            sorted(
                categories.items(),
                key=lambda item: (-item[1], labels.get(item[0], ("", 9999))[1], item[0]),
            ),
            lambda key: labels.get(key, (_("Uncategorised"),))[0],
            total,
        ),
        customers=customer_shares(top_customers(queryset, period), total),
        severities=[
            Share(
                value,
                str(label),
                severities.get(value, 0),
                percent(severities.get(value, 0), total),
                None,
            )
            for value, label in Severity.choices
        ],
        clocks=clock_rates(queryset, period, now),
        recurrence=recurrence(per_category, period.last, labels),
        seasonality=seasonality(months),
        total=total,
        reopenings=sum(m.reopenings for m in months),
        open=sum(m.open for m in months),
        repeats=sum(m.repeats for m in months),
        closed=closed,
        mean_days_to_close=mean_days,
        recurrent_window=(recurrence_first, period.last),
    )


def category_labels() -> dict[str, tuple[str, int]]:
    return {
        str(category.pk): (str(category), category.position)
        for category in DefectCategory.objects.all()
    }


def pareto(items, label, total: int) -> list[Share]:
    shares, running = [], 0
    for key, count in items:
        if not count:
            continue
        running += count
        shares.append(Share(key, label(key), count, percent(count, total), percent(running, total)))
    return shares


def customer_shares(top: list[tuple[int, int]], total: int) -> list[Share]:
    from cqms.customers.models import Customer

    names = {
        customer.pk: f"{customer.code} {customer.display_name}"
        for customer in Customer.objects.filter(pk__in=[pk for pk, _n in top]).only(
            "code", "name", "name_en"
        )
    }
    shares = pareto([(str(pk), n) for pk, n in top], lambda key: names.get(int(key), key), total)
    others = total - sum(n for _pk, n in top)
    if others > 0:
        shares.append(Share("others", _("Other customers"), others, percent(others, total), 100.0))
    return shares


def _flag(history: list[Month]) -> None:
    """Moving average, and the abnormal flags of the months that have a full baseline."""
    counts = [m.complaints for m in history]
    for index, month in enumerate(history):
        if index + 1 >= MOVING_AVERAGE:
            window = counts[index + 1 - MOVING_AVERAGE : index + 1]
            month.moving_average = round(sum(window) / MOVING_AVERAGE, 2)
        if index >= BASELINE_MONTHS:
            baseline = counts[index - BASELINE_MONTHS : index]
            mean = sum(baseline) / BASELINE_MONTHS
            sigma = math.sqrt(sum((c - mean) ** 2 for c in baseline) / BASELINE_MONTHS)
            month.limit = round(mean + SIGMAS * sigma, 2)
            month.above_limit = (
                month.complaints >= ABNORMAL_MIN and month.complaints > mean + SIGMAS * sigma
            )
        if index >= RISES:
            recent = counts[index - RISES : index + 1]
            month.rising = month.complaints >= ABNORMAL_MIN and all(
                a < b for a, b in itertools.pairwise(recent)
            )


def recurrence(per_category, last: dt.date, labels) -> list[Recurrence]:
    def window(end: dt.date) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for n in range(RECURRENT_WINDOW):
            for key, count in per_category.get(add_months(end, -n), {}).items():
                totals[key] += count
        return totals

    now, before = window(last), window(add_months(last, -1))
    rows = [
        Recurrence(
            key,
            labels.get(key, (_("Uncategorised"),))[0],
            count,
            count >= RECURRENT_MIN,
            count >= RECURRENT_MIN and before.get(key, 0) < RECURRENT_MIN,
        )
        for key, count in now.items()
        if count and key != UNCATEGORISED
    ]
    return sorted(rows, key=lambda row: (-row.count, labels.get(row.key, ("", 0))[1]))


def seasonality(months: list[Month]) -> Seasonality:
    years = sorted({m.month.year for m in months})
    counts: dict[int, list[int | None]] = {year: [None] * 12 for year in years}
    for m in months:
        counts[m.month.year][m.month.month - 1] = m.complaints
    means = []
    for index in range(12):
        present = [counts[year][index] for year in years if counts[year][index] is not None]
        means.append(round(sum(present) / len(present), 2) if present else None)
    return Seasonality(years, counts, means)


# --- Charts (ECharts options, emitted with json_script) -----------------------------------------

PALETTE = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d"]


def _month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def _base_options(**extra) -> dict:
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 48, "right": 48, "top": 40, "bottom": 40, "containLabel": True},
        **extra,
    }


def trend_chart(summary: Summary) -> dict:
    """Complaints and reopenings per month with the 3-month moving average; abnormal months
    marked."""
    months = [_month_label(m.month) for m in summary.months]
    marks = [
        {"coord": [_month_label(m.month), m.complaints], "value": m.complaints}
        for m in summary.abnormal_months
    ]
    return _base_options(
        legend={"top": 0},
        xAxis={"type": "category", "data": months},
        yAxis={"type": "value", "minInterval": 1},
        series=[
            {
                "name": _("Complaints"),
                "type": "bar",
                "data": [m.complaints for m in summary.months],
                "markPoint": {"symbol": "pin", "data": marks, "itemStyle": {"color": "#dc3545"}},
            },
            {
                "name": _("Reopenings"),
                "type": "bar",
                "data": [m.reopenings for m in summary.months],
            },
            {
                "name": _("3-month moving average"),
                "type": "line",
                "smooth": True,
                "data": [m.moving_average for m in summary.months],
            },
        ],
    )


def pareto_chart(shares: list[Share], name: str) -> dict:
    return _base_options(
        legend={"top": 0},
        xAxis={
            "type": "category",
            "data": [share.label for share in shares],
            # Customers' names are long: every label shown, cut to one width (the tooltip and
            # the table below the chart give them whole), so neighbours no longer overlap.
            "axisLabel": {"interval": 0, "rotate": 40, "width": 76, "overflow": "truncate"},
        },
        yAxis=[
            {"type": "value", "minInterval": 1},
            {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value} %"}},
        ],
        series=[
            {"name": name, "type": "bar", "data": [share.count for share in shares]},
            {
                "name": _("Cumulative %"),
                "type": "line",
                "yAxisIndex": 1,
                "data": [share.cumulative_percent for share in shares],
            },
        ],
    )


def severity_chart(summary: Summary) -> dict:
    return {
        "color": ["#dc3545", "#0d6efd"],
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d} %)"},
        "legend": {"bottom": 0},
        "series": [
            {
                "name": _("Severity"),
                "type": "pie",
                "radius": ["40%", "70%"],
                "data": [{"name": s.label, "value": s.count} for s in summary.severities],
            }
        ],
    }


def seasonality_chart(summary: Summary) -> dict:
    season = summary.seasonality
    names = [date_format(dt.date(2000, n, 1), "M") for n in range(1, 13)]
    series = [
        {"name": str(year), "type": "bar", "data": season.counts[year]} for year in season.years
    ]
    series.append({"name": _("Mean"), "type": "line", "data": season.means})
    return _base_options(
        legend={"top": 0},
        xAxis={"type": "category", "data": names},
        yAxis={"type": "value", "minInterval": 1},
        series=series,
    )


def clock_chart(summary: Summary) -> dict:
    return _base_options(
        xAxis={"type": "category", "data": [rate.label for rate in summary.clocks]},
        yAxis={"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value} %"}},
        series=[
            {
                "name": _("On time"),
                "type": "bar",
                "data": [rate.percent for rate in summary.clocks],
                "label": {"show": True, "position": "top", "formatter": "{c} %"},
            }
        ],
    )


def charts(summary: Summary) -> dict[str, dict]:
    """The options of every chart on the page, by element id."""
    return {
        "chart-trend": trend_chart(summary),
        "chart-pareto": pareto_chart(summary.categories, _("Complaints")),
        "chart-customers": pareto_chart(summary.customers, _("Complaints")),
        "chart-severity": severity_chart(summary),
        "chart-seasonality": seasonality_chart(summary),
        "chart-clocks": clock_chart(summary),
    }


# --- Registrations ------------------------------------------------------------------------------

MENU_LABEL = gettext_lazy("Complaint statistics")


def register() -> None:
    """Registrations of this module (approval kinds, job kinds, menu items, events), called from
    ComplaintsConfig.ready()."""
    from cqms.core import menu

    menu.add(
        "quality",
        menu.MenuItem(
            MENU_LABEL,
            "complaints:statistics",
            "bar-chart-line",
            "complaints.view_complaint",
            active_prefixes=("/complaints/statistics/",),
        ),
    )
