"""The pages the benchmark loads. Add a scenario with `register(Scenario(...))`; run.py drives
every registered scenario (or those named with --scenario) the same way.

`url(rng, data)` returns the path of one request; `data` is what `prepare()` returned (run once,
with Django set up, before the server is loaded), for example a sample of record ids.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench import common


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    user: str  # a benchmark login (common.ADMIN, common.SALES ...)
    url: Callable[[random.Random, Any], str]
    prepare: Callable[[], Any] = field(default=lambda: None)
    # How many different URLs the raw-SQL measurement captures (1 for a fixed URL).
    sql_samples: int = 1
    # The page shows complaints: run.py seeds some when the database has none.
    needs_complaints: bool = False
    # ... worked complaints (bench/seed_worked.py): run.py works one round when there are none.
    needs_worked: bool = False


SCENARIOS: list[Scenario] = []


def register(scenario: Scenario) -> Scenario:
    if any(existing.name == scenario.name for existing in SCENARIOS):
        raise ValueError(f"scenario {scenario.name!r} is registered twice")
    SCENARIOS.append(scenario)
    return scenario


def by_name(names: list[str] | None) -> list[Scenario]:
    if not names:
        return list(SCENARIOS)
    known = {scenario.name: scenario for scenario in SCENARIOS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise common.BenchError(f"unknown scenario {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[name] for name in names]


# --- Customers ---------------------------------------------------------------------------------


def sample_customer_ids(size: int = 2000) -> list[int]:
    """Random ids of existing customers (repeatable), for detail pages."""
    from cqms.customers.models import Customer

    ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise common.BenchError("the benchmark database has no customers: run bench/seed.py")
    return random.Random(7).sample(ids, min(size, len(ids)))


register(
    Scenario(
        "customer-list",
        "customer list, first page (25 rows), administrator (scope all)",
        common.ADMIN,
        lambda rng, data: "/customers/",
    )
)
register(
    Scenario(
        "customer-list-search",
        f"customer list searched for {common.SEARCH_TERM} (~1 % of rows) and classification "
        "key, administrator",
        common.ADMIN,
        lambda rng, data: (
            "/customers/?" + urlencode({"q": common.SEARCH_TERM, "classification": "key"})
        ),
    )
)
register(
    Scenario(
        "customer-list-own",
        "customer list, first page, salesperson (scope own, ~2 % of rows)",
        common.SALES,
        lambda rng, data: "/customers/",
    )
)
register(
    Scenario(
        "customer-list-subtree",
        "customer list, first page, sales manager (scope department and below)",
        common.MANAGER,
        lambda rng, data: "/customers/",
    )
)
register(
    Scenario(
        "customer-detail",
        "customer detail page of a random customer, administrator",
        common.ADMIN,
        lambda rng, data: f"/customers/{rng.choice(data)}/",
        prepare=sample_customer_ids,
        sql_samples=10,
    )
)
register(
    Scenario(
        "api-customer-list",
        "API /api/v1/customers/?page_size=50 (JSON), administrator",
        common.ADMIN,
        lambda rng, data: "/api/v1/customers/?page_size=50",
    )
)


# --- Complaints --------------------------------------------------------------------------------


def sample_complaints(size: int = 2000) -> list[tuple[str, int]]:
    """(number, customer id) of random complaints (repeatable), for detail pages and for
    customers to filter the register by (a customer with many complaints is picked more often,
    as it is looked at more often)."""
    from django.db.models import Max

    from cqms.complaints.models import Complaint

    last = Complaint.objects.aggregate(last=Max("pk"))["last"]
    if not last:
        raise common.BenchError(
            "the benchmark database has no complaints: run bench/seed.py --complaints 1000000"
        )
    rng = random.Random(11)
    ids = {rng.randint(1, last) for _ in range(size * 2)}
    rows = list(
        Complaint.objects.filter(pk__in=ids).order_by("pk").values_list("number", "customer_id")
    )
    return rng.sample(rows, min(size, len(rows)))


def sample_worked() -> list[str]:
    """The numbers of the worked complaints (bench/seed_worked.py)."""
    from bench.seed_worked import worked_complaints

    numbers = list(worked_complaints().order_by("pk").values_list("number", flat=True))
    if not numbers:
        raise common.BenchError(
            "the benchmark database has no worked complaints: run bench/seed.py with the same "
            "--customers and --complaints and --worked 20 (20 rounds, as in the closing notes)"
        )
    return numbers


register(
    Scenario(
        "complaint-register-filtered",
        "complaint register, first page filtered by a random customer and status open, "
        "administrator",
        common.ADMIN,
        lambda rng, data: (
            "/complaints/?" + urlencode({"customer": rng.choice(data)[1], "status": "open"})
        ),
        prepare=sample_complaints,
        sql_samples=10,
        needs_complaints=True,
    )
)
register(
    Scenario(
        "complaint-detail",
        "complaint page of a random complaint, administrator",
        common.ADMIN,
        lambda rng, data: f"/complaints/{rng.choice(data)[0]}/",
        prepare=sample_complaints,
        sql_samples=10,
        needs_complaints=True,
    )
)
register(
    Scenario(
        "complaint-detail-worked",
        "complaint page of a random worked complaint (the demo's cases, in every state of the "
        "8D, with rows, evidence, answers, approvals and signatures), administrator",
        common.ADMIN,
        lambda rng, data: f"/complaints/{rng.choice(data)}/",
        prepare=sample_worked,
        sql_samples=10,
        needs_complaints=True,
        needs_worked=True,
    )
)
register(
    Scenario(
        "complaint-statistics",
        "complaint statistics, default period (last 24 months), administrator (scope all)",
        common.ADMIN,
        lambda rng, data: "/complaints/statistics/",
        needs_complaints=True,
    )
)
register(
    Scenario(
        "complaint-statistics-own",
        "complaint statistics, default period, salesperson (scope own)",
        common.SALES,
        lambda rng, data: "/complaints/statistics/",
        needs_complaints=True,
    )
)
