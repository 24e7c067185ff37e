"""Clocks on the working-day calendar: due, met or missed, paused and resumed."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cqms.audit import services as audit
from cqms.audit.models import AuditEntry
from cqms.clocks import services
from cqms.clocks.models import Basis
from cqms.clocks.services import ClockSpec
from cqms.core.errors import BusinessRuleError
from cqms.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
SPECS = [
    ClockSpec("containment", Basis.CALENDAR_HOURS, Decimal(24)),
    ClockSpec("corrective_action", Basis.WORKING_DAYS, Decimal(3)),
    ClockSpec("acknowledgement", Basis.WORKING_HOURS, Decimal(8)),
]


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def record(make_user):
    user = make_user("qe", roles=["sales_manager"])
    return make_customer(user, "CLK1"), user


def start(record, user, when):
    with audit.change_transaction():
        return {
            c.name: c for c in services.start_clocks(record, SPECS, started_at=when, actor=user)
        }


def test_clocks_across_the_national_day_holiday(record):
    customer, user = record
    clocks = start(customer, user, at(2026, 9, 30, 10))
    assert clocks["containment"].due_at == at(2026, 10, 1, 10)
    assert clocks["corrective_action"].due_at == at(2026, 10, 10, 10)
    # 8 working hours from Wed 10:00: 6 that day, then 2 on Thu 8 Oct after the holidays.
    assert clocks["acknowledgement"].due_at == at(2026, 10, 8, 10)


def test_stopping_in_time_is_met_and_late_is_missed(record):
    customer, user = record
    start(customer, user, at(2026, 9, 30, 10))
    with audit.change_transaction():
        services.stop_clock(customer, "containment", actor=user, at=at(2026, 10, 1, 9))
        services.stop_clock(customer, "corrective_action", actor=user, at=at(2026, 10, 12, 9))
    assert services.get_clock(customer, "containment").met is True
    assert services.get_clock(customer, "corrective_action").met is False


def test_a_pause_of_two_working_days_moves_the_deadline_by_two_working_days(record):
    customer, user = record
    start(customer, user, at(2026, 9, 30, 10))
    with audit.change_transaction():
        services.pause_clock(
            customer,
            "corrective_action",
            reason="等待客户寄回样品",
            actor=user,
            at=at(2026, 10, 8, 10),
        )
        services.resume_clock(customer, "corrective_action", actor=user, at=at(2026, 10, 10, 10))
    # Thu 8 Oct 10:00 to the adjusted working Saturday 10 Oct 10:00 is two working days, so
    # the deadline moves from Sat 10 Oct 10:00 to Tue 13 Oct 10:00 (Sunday and holidays skipped).
    assert services.get_clock(customer, "corrective_action").due_at == at(2026, 10, 13, 10)
    changes = AuditEntry.objects.filter(record_type="clocks.clockpause")
    assert changes.filter(action="create", reason="等待客户寄回样品").exists()
    assert all(entry.root_type == "customers.customer" for entry in changes)


def test_a_pause_needs_a_reason(record):
    customer, user = record
    start(customer, user, at(2026, 9, 30, 10))
    with pytest.raises(BusinessRuleError), audit.change_transaction():
        services.pause_clock(customer, "containment", reason=" ", actor=user)


def test_share_elapsed_counts_working_time_only(record):
    customer, user = record
    clocks = start(customer, user, at(2026, 9, 30, 10))
    corrective = clocks["corrective_action"]
    # Three working days = 24 working hours; by Thu 8 Oct 17:00 six + eight hours are used.
    assert services.share_elapsed(corrective, at(2026, 10, 8, 17)) == pytest.approx(14 / 24)
    containment = clocks["containment"]
    assert services.share_elapsed(containment, at(2026, 9, 30, 22)) == pytest.approx(0.5)


def test_a_clock_the_policy_does_not_have_is_missing_unless_allowed(record):
    from cqms.clocks.models import Clock

    customer, user = record
    start(customer, user, at(2026, 9, 30, 10))
    with pytest.raises(Clock.DoesNotExist):
        services.stop_clock(customer, "no_such_clock", actor=user)
    assert services.stop_clock(customer, "no_such_clock", actor=user, missing_ok=True) is None
    assert services.get_clock(customer, "containment").done_at is None
