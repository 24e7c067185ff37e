"""Two people saving the same 8D step at the same moment: one save wins, the other gets the
conflict, and nothing is overwritten."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cqms.audit.models import AuditEntry
from cqms.complaints import eightd
from cqms.complaints.models import EightDStep
from cqms.core.errors import ConcurrentEditError

from .factories import register

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("saved")
        except ConcurrentEditError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.parametrize("version", [0, 1])
def test_two_saves_of_one_step_at_once_keep_exactly_one(
    sales, customer, quality, make_user, version
):
    colleague = make_user("qe.li", roles=["quality_engineer"], department="quality")
    complaint = register(sales, customer, owner=quality)
    if version:
        eightd.save_step(complaint, "d2", {"what": "划伤"}, actor=quality, expected_version=0)

    def save(user, text):
        return lambda: eightd.save_step(
            register_copy(complaint), "d2", {"what": text}, actor=user, expected_version=version
        )

    outcomes = at_once([save(quality, "赵的描述"), save(colleague, "李的描述")])
    assert outcomes == ["conflict", "saved"]
    step = EightDStep.objects.get(complaint=complaint, step="d2")
    assert step.version == version + 1
    assert step.data["what"] in ("赵的描述", "李的描述")
    entries = AuditEntry.objects.filter(record_type="complaints.eightdstep", record_id=str(step.pk))
    assert entries.count() == version + 1  # one entry per stored version, none for the loser


def register_copy(complaint):
    """Each person's own copy of the complaint, as each request loads it."""
    return type(complaint).objects.get(pk=complaint.pk)
