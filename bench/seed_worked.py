"""Worked complaints for the benchmark: the demo's twelve cases (cqms/demo/complaints.py), run
`rounds` times over seeded customers, through the services the pages call.

The seeded complaints (bench/seed_complaints.py) carry their clocks but no 8D: a worked
complaint's page also shows the steps with their rows, the evidence, the answers sent, the
verdicts, the approvals and the signatures, and an open one draws the forms of the steps in
progress. The `complaint-detail-worked` scenario measures those pages. Worked complaints are
registered by the demo's people (usernames without the `bench_` prefix), so the counts of seeded
complaints leave them out. Each round's customers pass to the demo people who own them in the
demo (they register and answer within their own records), never from the benchmark's
salesperson whose own complaints `complaint-statistics-own` counts.
"""

from __future__ import annotations

import random
import time

ROUND_SEED = 2026


def worked_complaints():
    """The worked complaints (and their reopenings): those the seed did not write."""
    from bench import common
    from cqms.complaints.models import Complaint

    return Complaint.objects.exclude(created_by__username=common.ADMIN)


def seeded_complaints():
    from bench import common
    from cqms.complaints.models import Complaint

    return Complaint.objects.filter(created_by__username=common.ADMIN)


def seed_worked(rounds: int) -> None:
    from bench import common
    from cqms.audit import services as audit
    from cqms.core.context import change_context
    from cqms.customers.models import Customer
    from cqms.demo.complaints import create_complaints
    from cqms.demo.management.commands.demo import (
        CUSTOMERS,
        DEMO_PASSWORD,
        Command,
        quiet_job_queue,
    )

    done = worked_complaints().filter(revision=0).count()
    per_round = 12
    if done >= rounds * per_round:
        print(f"It already holds {done:,} worked complaints: nothing to work.")
        return
    # Customers with a primary contact (the answers are sent to it), a different set each round.
    candidates = list(
        Customer.objects.filter(contacts__is_primary=True)
        .exclude(owner__username=common.SALES)
        .exclude(status=Customer.Status.VOIDED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng = random.Random(ROUND_SEED)
    began = time.monotonic()
    print(f"Working {rounds - done // per_round} rounds of the demo's {per_round} complaints ...")
    with quiet_job_queue(), change_context(source="command"):
        with audit.change_transaction():
            users = Command().create_users()
        for number in range(done // per_round, rounds):
            chosen = rng.sample(candidates, len(CUSTOMERS))
            customers, owners = {}, {}
            for row, customer in zip(
                CUSTOMERS, Customer.objects.in_bulk(chosen).values(), strict=True
            ):
                customers[row[2]], owners[row[2]] = customer, users[row[-1]]
            with audit.change_transaction():
                for short, customer in customers.items():
                    owner = owners[short]
                    values = {"owner": owner, "department": owner.department}
                    audit.save_changes(customer, values, actor=None)
                create_complaints(users, customers, password=DEMO_PASSWORD)
            print(f"  round {number + 1:>3}  {time.monotonic() - began:7.1f} s", flush=True)
    print(f"Worked complaints: {worked_complaints().count():,} in {time.monotonic() - began:.1f} s")
