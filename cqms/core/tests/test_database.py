"""Custom plans where a generic plan would guess the size of a customer (ADR 0013)."""

from __future__ import annotations

import pytest
from django.db import connection

from cqms.core.database import custom_plans


def plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_statements_are_planned_for_their_parameters_inside_the_block_only():
    if connection.vendor != "postgresql":
        with custom_plans():  # nothing to do elsewhere, and nothing breaks
            assert connection.vendor == "sqlite"
        return
    assert plan_cache_mode() == "auto"
    with custom_plans():
        assert plan_cache_mode() == "force_custom_plan"
    assert plan_cache_mode() == "auto"


@pytest.mark.django_db(transaction=True)
def test_the_complaint_lists_plan_for_their_parameters(client, make_user, monkeypatch):
    """The register, the API list and the tracking list are the lists filtered by customer."""
    from cqms.complaints import api, views
    from cqms.complaints import spreadsheets as sheets

    seen = []

    def spying(filterset_class):
        original = filterset_class.filter_queryset

        def spy(self, queryset):
            seen.append(plan_cache_mode() if connection.vendor == "postgresql" else "n/a")
            return original(self, queryset)

        monkeypatch.setattr(filterset_class, "filter_queryset", spy)

    spying(views.ComplaintFilter)
    spying(sheets.TrackingFilter)
    client.force_login(make_user("sales.li", roles=["salesperson"], department="sales"))
    assert client.get("/complaints/").status_code == 200
    assert client.get("/api/v1/complaints/").status_code == 200
    assert client.get("/complaints/tracking/").status_code == 200
    assert len(seen) == 3 and api.ComplaintFilter is views.ComplaintFilter
    assert set(seen) <= {"force_custom_plan", "n/a"}


@pytest.mark.django_db(transaction=True)
def test_complaint_statistics_plan_for_their_parameters(client, make_user, monkeypatch):
    """Generic plans of the statistics' aggregates took up to 2.3 times as long (ADR 0013); the
    page and its export both go through `summarise`."""
    from cqms.complaints import statistics

    seen = []
    original = statistics.grouped_by_month

    def spy(*args, **kwargs):
        seen.append(plan_cache_mode() if connection.vendor == "postgresql" else "n/a")
        return original(*args, **kwargs)

    monkeypatch.setattr(statistics, "grouped_by_month", spy)
    client.force_login(make_user("qm.wu", roles=["quality_manager"], department="quality"))
    assert client.get("/complaints/statistics/").status_code == 200
    assert client.get("/complaints/statistics/export/").status_code == 200
    assert len(seen) == 2
    assert set(seen) <= {"force_custom_plan", "n/a"}
