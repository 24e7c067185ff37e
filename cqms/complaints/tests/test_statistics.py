"""Complaint statistics against a fixed dataset whose figures were computed by hand.

The dataset (period 2025-09 … 2026-10; customer A belongs to sales.li, B to sales.wang):

    case  received (Shanghai)   customer  category     part   severity  outcome
    R1    2025-09-01 07:30      A         appearance   P-1    normal    closed 2025-09-02
    R2    2025-09-30 10:00      A         dimension    P-2    urgent    closed 2025-10-09
    R3    2025-10-15 10:00      A         appearance   P-1    normal    repeat of R1, closed 10-31
    R4    2025-12-10 10:00      B         function     P-9    normal    rejected: R4-1 2026-01-15
    R5    2026-03-10 09:00      B         appearance   P-7    normal    closed 2026-03-13
    R6    2026-04-08 10:00      A         appearance   P-1    normal    repeat of R1/R3, open
    R7    2026-04-20 10:00      B         dimension    P-8    urgent    closed the same day
    R8    2026-05-06 10:00      A         appearance   P-3    normal    open
    R9    2026-05-12 10:00      B         packaging    P-8    normal    open
    R10   2026-05-20 10:00      A         dimension    P-2    normal    repeat of R2, open
    R13   2026-05-25 10:00      A         appearance   P-5    normal    cancelled: never counted
    R11   2026-09-30 10:00      A         function     P-4    urgent    closed 2026-10-09
    R12   2026-10-12 10:00      B         appearance   P-7    normal    repeat of R5, closed 11-02
    R14   2026-10-31 22:00      B         dimension    P-10   normal    open
    R15   2026-11-01 06:00      B         appearance   P-11   normal    after the period (its UTC
                                                                        time is still 31 October)

R1 is received on 1 September in Shanghai but on 31 August in UTC: months are cut in the
company time zone.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from cqms.audit import services as audit
from cqms.clocks import services as clock_services
from cqms.complaints import services, statistics
from cqms.complaints.models import Complaint, DefectCategory
from cqms.complaints.statistics import Period
from cqms.customers.tests.factories import make_customer
from cqms.organisation import access

from .factories import at, register

pytestmark = pytest.mark.django_db

PERIOD = Period(dt.date(2025, 9, 1), dt.date(2026, 10, 1))
QUERY = {"first": "2025-09", "last": "2026-10"}


def category(code: str) -> DefectCategory:
    return DefectCategory.objects.get(code=code)


def close(complaint: Complaint, when: dt.datetime, actor) -> None:
    with audit.change_transaction():
        audit.save_changes(
            complaint, {"status": Complaint.Status.CLOSED, "closed_at": when}, actor=actor
        )


@pytest.fixture
def wang(make_user):
    return make_user("sales.wang", roles=["salesperson"], department="sales")


@pytest.fixture
def manager(make_user):
    return make_user("qm.sun", roles=["quality_manager"], department="quality")


@pytest.fixture
def dataset(sales, wang, manager):
    a = make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")
    b = make_customer(wang, "C200", owner=wang, name="江南电驱动有限公司")
    rows = [
        ("R1", at(2025, 9, 1, 7, 30), a, "appearance", "P-1", "normal"),
        ("R2", at(2025, 9, 30, 10), a, "dimension", "P-2", "urgent"),
        ("R3", at(2025, 10, 15, 10), a, "appearance", "P-1", "normal"),
        ("R4", at(2025, 12, 10, 10), b, "function", "P-9", "normal"),
        ("R5", at(2026, 3, 10, 9), b, "appearance", "P-7", "normal"),
        ("R6", at(2026, 4, 8, 10), a, "appearance", "P-1", "normal"),
        ("R7", at(2026, 4, 20, 10), b, "dimension", "P-8", "urgent"),
        ("R8", at(2026, 5, 6, 10), a, "appearance", "P-3", "normal"),
        ("R9", at(2026, 5, 12, 10), b, "packaging", "P-8", "normal"),
        ("R10", at(2026, 5, 20, 10), a, "dimension", "P-2", "normal"),
        ("R13", at(2026, 5, 25, 10), a, "appearance", "P-5", "normal"),
        ("R11", at(2026, 9, 30, 10), a, "function", "P-4", "urgent"),
        ("R12", at(2026, 10, 12, 10), b, "appearance", "P-7", "normal"),
        ("R14", at(2026, 10, 31, 22), b, "dimension", "P-10", "normal"),
        ("R15", at(2026, 11, 1, 6), b, "appearance", "P-11", "normal"),
    ]
    cases = {}
    for name, received, customer, code, part, severity in rows:
        actor = sales if customer == a else wang
        cases[name] = register(
            actor,
            customer,
            received_at=received,
            defect_category=category(code),
            part_number=part,
            severity=severity,
        )
    close(cases["R1"], at(2025, 9, 2, 16), manager)
    close(cases["R2"], at(2025, 10, 9, 16), manager)  # across National Day 2025 (1-8 Oct)
    close(cases["R3"], at(2025, 10, 31, 16), manager)
    close(cases["R5"], at(2026, 3, 13, 17), manager)
    close(cases["R7"], at(2026, 4, 20, 15), manager)
    close(cases["R11"], at(2026, 10, 9, 16), manager)  # across National Day 2026 (1-7 Oct)
    close(cases["R12"], at(2026, 11, 2, 10), manager)  # closed after the period
    services.cancel(cases["R13"], reason="客户撤回", actor=manager)
    r4 = cases["R4"]
    with audit.change_transaction():
        audit.save_changes(r4, {"status": Complaint.Status.REOPENED}, actor=manager)
        cases["R4-1"] = audit.save_new(
            Complaint(
                number=f"{r4.number}-1",
                root_number=r4.number,
                revision=1,
                parent=r4,
                customer=b,
                received_at=at(2026, 1, 15, 10),
                part_number=r4.part_number,
                defect_description=r4.defect_description,
                defect_category=r4.defect_category,
                department=r4.department,
                received_by=wang,
                sla_policy=r4.sla_policy,
                status=Complaint.Status.ACKNOWLEDGED,
            ),
            actor=manager,
        )
    return cases


def summary_for(user=None, period=PERIOD, **filters):
    complaints = (
        Complaint.objects.all() if user is None else access.visible(user, Complaint.objects.all())
    )
    return statistics.summarise(complaints.filter(**filters), period)


def test_counts_per_month_in_the_company_time_zone(dataset):
    summary = summary_for()

    assert [(f"{m.month:%Y-%m}", m.complaints, m.reopenings) for m in summary.months] == [
        ("2025-09", 2, 0),  # R1 (31 August in UTC), R2
        ("2025-10", 1, 0),
        ("2025-11", 0, 0),
        ("2025-12", 1, 0),
        ("2026-01", 0, 1),  # R4-1 is a reopening, not a complaint
        ("2026-02", 0, 0),
        ("2026-03", 1, 0),
        ("2026-04", 2, 0),
        ("2026-05", 3, 0),  # R13 is cancelled
        ("2026-06", 0, 0),
        ("2026-07", 0, 0),
        ("2026-08", 0, 0),
        ("2026-09", 1, 0),
        ("2026-10", 2, 0),  # R15 (31 October in UTC) belongs to November
    ]
    assert (summary.total, summary.reopenings) == (13, 1)
    assert [m.urgent for m in summary.months if m.urgent] == [1, 1, 1]
    # still open of those received in the period: R6, R8, R9, R10, R14 and the reopening R4-1
    assert summary.open == 6


def test_pareto_by_defect_category_with_cumulative_share(dataset):
    summary = summary_for()

    assert [(s.label, s.count, s.percent, s.cumulative_percent) for s in summary.categories] == [
        ("外观", 6, 46.2, 46.2),  # 6/13
        ("尺寸", 4, 30.8, 76.9),  # 4/13, 10/13
        ("功能", 2, 15.4, 92.3),  # 2/13, 12/13
        ("包装", 1, 7.7, 100.0),
    ]


def test_customers_and_severities(dataset):
    summary = summary_for()

    assert [(s.label, s.count, s.percent, s.cumulative_percent) for s in summary.customers] == [
        ("C100 华东汽车制造有限公司", 7, 53.8, 53.8),
        ("C200 江南电驱动有限公司", 6, 46.2, 100.0),
    ]
    assert [(s.key, s.count, s.percent) for s in summary.severities] == [
        ("urgent", 3, 23.1),
        ("normal", 10, 76.9),
    ]


def test_trend_moving_average_and_abnormal_months(dataset):
    summary = summary_for()

    assert [m.moving_average for m in summary.months] == [
        0.67,  # (0 + 0 + 2) / 3 with July and August 2025 before the period
        1.0,
        1.0,
        0.67,
        0.33,
        0.33,
        0.33,
        1.0,
        2.0,
        1.67,
        1.0,
        0.0,
        0.33,
        1.0,
    ]
    # 2025-09: 2 > 0 + 2 * 0 (twelve empty months before), but fewer than 3 complaints
    # 2026-04: previous 12 months 0,0,0,0,0,2,1,0,1,0,0,1: mean 5/12, sigma 0.6401, limit 1.70;
    #          2 is above it, but fewer than 3 complaints
    # 2026-05: previous 12 months 0,0,0,0,2,1,0,1,0,0,1,2: mean 7/12, sigma 0.7592, limit 2.10;
    #          and 0 < 1 < 2 < 3 from February: the third rise in a row
    assert [
        (f"{m.month:%Y-%m}", m.limit, m.above_limit, m.rising) for m in summary.abnormal_months
    ] == [("2026-05", 2.1, True, True)]


@pytest.mark.parametrize(
    ("counts", "abnormal"),
    [
        ([0] * 12 + [1], False),  # one complaint after a quiet year: chance, not a signal
        ([0] * 12 + [2], False),
        ([0] * 12 + [3], True),
        ([0] * 10 + [0, 1, 2], False),  # rising, but to only two
        ([0] * 9 + [0, 1, 2, 3], True),
    ],
)
def test_a_month_needs_at_least_three_complaints_to_be_abnormal(counts, abnormal):
    history = [statistics.Month(dt.date(2025, 1, 1), complaints=c) for c in counts]
    statistics._flag(history)
    assert history[-1].abnormal is abnormal


def test_seasonality_by_month_of_the_year(dataset):
    season = summary_for().seasonality

    assert season.years == [2025, 2026]
    assert season.counts[2025] == [None] * 8 + [2, 1, 0, 1]
    assert season.counts[2026] == [0, 0, 1, 2, 3, 0, 0, 0, 1, 2, None, None]
    assert season.means == [0, 0, 1, 2, 3, 0, 0, 0, 1.5, 1.5, 0, 1]


def test_repeat_rate_and_recurrent_defects(dataset):
    summary = summary_for()

    assert summary.repeats == 4  # R3, R6, R10, R12
    assert summary.repeat_rate == 30.8  # 4 / 13
    assert summary.recurrent_window == (dt.date(2025, 11, 1), dt.date(2026, 10, 1))
    # 2025-11 … 2026-10: appearance R5 R6 R8 R12; dimension R7 R10 R14 (2 until September)
    assert [(r.label, r.count, r.recurrent, r.new) for r in summary.recurrence] == [
        ("外观", 4, True, False),
        ("尺寸", 3, True, True),
        ("功能", 2, False, False),
        ("包装", 1, False, False),
    ]


def test_mean_working_days_to_close_across_holidays(dataset):
    summary = summary_for()

    # Working days after the day received up to the day closed:
    # R1 09-01 -> 09-02: 1; R2 2025-09-30 -> 10-09 (1-8 October off): 1;
    # R3 10-15 -> 10-31: 12; R5 03-10 -> 03-13: 3; R7 the same day: 0;
    # R11 2026-09-30 -> 10-09 (1-7 October off): 2. R12 closed after the period.
    assert summary.closed == 6
    assert summary.mean_days_to_close == 3.17  # 19 / 6


def test_filters_narrow_every_figure(dataset):
    urgent = summary_for(severity="urgent")
    assert (urgent.total, urgent.closed, urgent.mean_days_to_close) == (3, 3, 1.0)  # R2 R7 R11

    appearance = summary_for(defect_category=category("appearance"))
    assert (appearance.total, appearance.repeats, appearance.repeat_rate) == (6, 3, 50.0)


def test_on_time_per_clock_counts_the_clocks_due_in_the_period(sales, manager, customer):
    """July 2026 has no holiday. Due: acknowledgement 8 working hours, containment 24 hours,
    corrective action 3 working days, closure 20 working days (the default policy)."""
    c1 = register(sales, customer, received_at=at(2026, 7, 1, 9), part_number="T-1")
    c2 = register(sales, customer, received_at=at(2026, 7, 2, 9), part_number="T-2")
    c3 = register(sales, customer, received_at=at(2026, 7, 3, 9), part_number="T-3")
    c4 = register(sales, customer, received_at=at(2026, 7, 30, 9), part_number="T-4")
    with audit.change_transaction():
        stop = clock_services.stop_clock
        stop(c1, "acknowledgement", actor=manager, at=at(2026, 7, 1, 10))  # met
        stop(c1, "containment", actor=manager, at=at(2026, 7, 1, 12))  # met
        stop(c1, "corrective_action", actor=manager, at=at(2026, 7, 16, 10))  # missed
        stop(c1, "closure", actor=manager, at=at(2026, 7, 17, 10))  # met (due 29 July)
        stop(c2, "acknowledgement", actor=manager, at=at(2026, 7, 6, 9))  # missed
        # c2: containment still running past due (missed); corrective action paused (left
        # out); closure due 30 July still running (missed)
        clock_services.pause_clock(
            c2, "corrective_action", reason="等待客户样品", actor=manager, at=at(2026, 7, 3, 9)
        )
        stop(c3, "acknowledgement", actor=manager, at=at(2026, 7, 3, 10))
        stop(c4, "acknowledgement", actor=manager, at=at(2026, 7, 30, 10))  # met
        stop(c4, "containment", actor=manager, at=at(2026, 8, 2, 10))  # missed
        # c4: corrective action and closure are due in August
    services.cancel(c3, reason="重复登记", actor=manager)  # cancelled: none of its clocks count

    july = Period(dt.date(2026, 7, 1), dt.date(2026, 7, 1))
    rates = statistics.clock_rates(Complaint.objects.all(), july)

    assert [(r.name, r.due, r.on_time, r.percent) for r in rates] == [
        ("acknowledgement", 3, 2, 66.7),
        ("containment", 3, 1, 33.3),
        ("corrective_action", 1, 0, 0.0),
        ("closure", 2, 1, 50.0),
    ]


def test_a_reader_sees_only_the_figures_of_their_scope(dataset, sales, wang):
    mine = summary_for(sales)
    assert mine.total == 7  # customer A only
    assert [s.label for s in mine.customers] == ["C100 华东汽车制造有限公司"]
    assert (mine.closed, mine.mean_days_to_close) == (4, 4.0)  # R1 R2 R3 R11: (1 + 1 + 12 + 2) / 4
    theirs = summary_for(wang)
    assert (theirs.total, theirs.reopenings, theirs.open) == (6, 1, 3)  # R9, R14, R4-1


# --- Pages --------------------------------------------------------------------------------------


def kpi(html: str, key: str) -> str:
    found = re.search(rf'data-kpi="{key}">([^<]*)<', html)
    return found.group(1).strip() if found else ""


def test_statistics_page_shows_the_readers_figures_and_charts(client, dataset, sales):
    client.force_login(sales)
    response = client.get(reverse("complaints:statistics"), QUERY)

    html = response.content.decode()
    assert response.status_code == 200
    assert kpi(html, "total") == "7"
    assert kpi(html, "repeat_rate") == "42.9 %"  # R3 R6 R10 of 7
    assert 'data-chart="chart-pareto"' in html and 'id="chart-pareto"' in html
    assert "C200" not in html  # customer B is outside sales.li's scope


def test_statistics_page_defaults_to_the_last_24_months(client, sales):
    client.force_login(sales)
    html = client.get(reverse("complaints:statistics")).content.decode()
    period = Period.default()
    assert f'data-period="{period.first:%Y-%m}/{period.last:%Y-%m}"' in html
    assert statistics.months_between(period.first, period.last) == 24


def test_export_opens_and_equals_the_page(client, dataset, sales):
    import openpyxl

    client.force_login(sales)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    html = client.get(reverse("complaints:statistics"), QUERY, **english).content.decode()
    response = client.get(reverse("complaints:statistics_export"), QUERY, **english)

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('complaint-statistics-202509-202610.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    figures = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row}
    assert figures["Complaints"] == int(kpi(html, "total")) == 7
    assert figures["Repeat rate %"] == float(kpi(html, "repeat_rate").rstrip(" %")) == 42.9
    assert figures["Mean working days to close"] == float(kpi(html, "mean_days_to_close")) == 4.0
    for name in ("acknowledgement", "containment", "corrective_action", "closure"):
        shown = kpi(html, name)
        exported = [v for k, v in figures.items() if str(k).startswith("On time") and v is not None]
        assert shown == "—" or float(shown.rstrip(" %")) in exported
    months = list(book.worksheets[1].iter_rows(values_only=True))
    assert months[1][:3] == ("2025-09", 2, 0)
    assert sum(row[1] for row in months[1:]) == 7
    pareto = list(book.worksheets[2].iter_rows(values_only=True))
    assert pareto[1] == ("Appearance", 4, 57.1, 57.1)  # R1 R3 R6 R8 of 7
    assert f'data-key="{category("appearance").pk}"' in html


def test_customer_filter_offers_only_customers_in_scope(client, dataset, sales):
    client.force_login(sales)
    found = client.get(reverse("complaints:statistics_customers"), {"q": "C"}).json()
    assert [r["text"] for r in found["results"]] == ["C100 华东汽车制造有限公司"]
    mine = Complaint.objects.filter(customer__code="C100").first().customer
    html = client.get(
        reverse("complaints:statistics"), {**QUERY, "customer": mine.pk}
    ).content.decode()
    assert kpi(html, "total") == "7"
    assert f'<option value="{mine.pk}" selected>C100 华东汽车制造有限公司</option>' in html
    other = Complaint.objects.filter(customer__code="C200").first().customer
    response = client.get(reverse("complaints:statistics"), {**QUERY, "customer": other.pk})
    html = response.content.decode()
    assert "C200" not in html


def test_outsiders_are_refused_and_see_nothing(client, dataset, make_user):
    nobody = make_user("no.perm", roles=[], department="finance")
    client.force_login(nobody)
    assert client.get(reverse("complaints:statistics")).status_code == 403
    assert client.get(reverse("complaints:statistics_export")).status_code == 403
    stranger = make_user("far", roles=["staff"], department="finance")
    client.force_login(stranger)
    html = client.get(reverse("complaints:statistics"), QUERY).content.decode()
    assert kpi(html, "total") == "0"


def test_months_follow_a_time_zone_with_summer_time(sales, customer, settings):
    """Where the offset changes (Berlin: +2 in summer, +1 in winter), each moment gets the
    offset valid at that moment, also on SQLite."""
    from zoneinfo import ZoneInfo

    settings.TIME_ZONE = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    for moment in (
        dt.datetime(2026, 2, 1, 0, 30, tzinfo=berlin),  # 31 January 23:30 UTC
        dt.datetime(2026, 4, 1, 0, 30, tzinfo=berlin),  # 31 March 22:30 UTC
        dt.datetime(2026, 10, 1, 0, 30, tzinfo=berlin),  # 30 September 22:30 UTC
        dt.datetime(2026, 10, 31, 23, 30, tzinfo=berlin),  # 31 October 22:30 UTC
    ):
        register(sales, customer, received_at=moment, part_number=f"B-{moment:%m%d}")

    summary = statistics.summarise(
        Complaint.objects.all(), Period(dt.date(2026, 1, 1), dt.date(2026, 10, 1))
    )

    counts = {f"{m.month:%m}": m.complaints for m in summary.months if m.complaints}
    assert counts == {"02": 1, "04": 1, "10": 2}


def test_long_customer_names_are_cut_on_the_chart_axis_not_overlapped():
    """Every customer keeps its label, cut to one width; the full name is in the tooltip and
    in the table under the chart (the labels of ten long names overlapped and ran off the
    chart's left edge)."""
    shares = [
        statistics.Share(str(n), f"C{n:05d} 华东汽车制造有限公司", 10 - n, 10.0, 10.0 * (n + 1))
        for n in range(10)
    ]
    options = statistics.pareto_chart(shares, "客户抱怨")
    labels = options["xAxis"]["axisLabel"]
    assert options["xAxis"]["data"][0] == "C00000 华东汽车制造有限公司"
    assert labels["interval"] == 0 and labels["overflow"] == "truncate" and labels["width"] <= 80
