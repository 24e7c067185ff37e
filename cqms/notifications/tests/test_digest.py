"""The daily digest: one message per person each working morning, none on holidays and
ordinary weekends, one on adjusted working Saturdays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cqms.audit import services as audit
from cqms.clocks import services as clocks
from cqms.clocks.models import Basis
from cqms.clocks.services import ClockSpec
from cqms.customers.tests.factories import make_customer
from cqms.notifications import services, sweep
from cqms.notifications.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def owner(make_user):
    admin = make_user("admin.wang", roles=["administrator"], department="gm_office")
    owner = make_user("qe.liu", roles=["quality_engineer"], department="quality")
    for code, started in (("DIG1", at(2026, 9, 28, 9)), ("DIG2", at(2026, 10, 9, 9))):
        customer = make_customer(admin, code)
        with audit.change_transaction():
            clocks.start_clocks(
                customer,
                [ClockSpec("containment", Basis.CALENDAR_HOURS, Decimal(24))],
                started_at=started,
                actor=admin,
                owner=owner,
            )
    return owner


def digest_on(moment):
    with time_machine.travel(moment, tick=False):
        return sweep.daily_digest()


def test_a_holiday_produces_no_digest(owner):
    assert digest_on(at(2026, 10, 1, 8)) == "not a working day"
    assert digest_on(at(2026, 10, 11, 8)) == "not a working day"  # an ordinary Sunday
    assert not Notification.objects.filter(event="daily_digest").exists()


def test_an_adjusted_working_saturday_produces_one_digest_per_person(owner):
    assert digest_on(at(2026, 10, 10, 8)) == "1 digests"
    assert digest_on(at(2026, 10, 10, 8, 30)) == "0 digests"  # a second run, same day
    [entry] = Notification.objects.filter(recipient=owner, event="daily_digest")
    assert entry.key == f"digest:{owner.pk}:2026-10-10"
    assert "DIG1" in entry.body and "DIG2" in entry.body  # overdue, and due today
    assert OutboxMessage.objects.filter(recipient=owner, event="daily_digest").count() == 1


def test_the_digest_can_be_switched_off(owner):
    services.save_preferences(owner, {"daily_digest": (False, False)}, actor=owner)
    digest_on(at(2026, 10, 12, 8))
    assert not Notification.objects.filter(event="daily_digest").exists()


def test_the_digest_can_stay_out_of_the_mailbox(owner):
    services.save_preferences(owner, {"daily_digest": (True, False)}, actor=owner)
    digest_on(at(2026, 10, 12, 8))
    assert Notification.objects.filter(event="daily_digest").count() == 1
    assert not OutboxMessage.objects.filter(event="daily_digest").exists()
