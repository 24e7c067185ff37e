"""The deadline sweep: reminders at shares of the time allowed, the missed deadline, and the
escalation ladder on the working-day calendar; each once, also with two sweeps at a time."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.utils import translation

from cqms.audit import services as audit
from cqms.audit.models import AuditEntry
from cqms.clocks import services as clocks
from cqms.clocks.models import Basis
from cqms.clocks.services import ClockSpec
from cqms.customers.tests.factories import make_customer
from cqms.notifications import escalation, sweep
from cqms.notifications.models import (
    ClockAlert,
    Escalation,
    Notification,
    NotificationSettings,
    OutboxMessage,
)
from cqms.organisation.models import Department

from .factories import make_channel

SHANGHAI = ZoneInfo("Asia/Shanghai")
CONTAINMENT = ClockSpec("containment", Basis.CALENDAR_HOURS, Decimal(24))


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def cast(make_user):
    return make_cast(make_user)


def make_cast(make_user):
    """The people of a complaint: the owner in quality, its head, the MR and the GM."""
    admin = make_user("admin.wang", roles=["administrator"], department="gm_office")
    owner = make_user("qe.liu", roles=["quality_engineer"], department="quality")
    head = make_user("qm.li", roles=["quality_manager"], department="quality")
    quality = Department.objects.get(code="quality")
    quality.head = head
    quality.save()
    mr = make_user("mr.zhao", roles=["management_representative"], department="gm_office")
    gm = make_user("gm.chen", roles=["general_manager"], department="gm_office")
    account = make_user("sales.zhou", roles=["salesperson"], department="sales")
    customer = make_customer(admin, "SLA1", owner=account)
    return {
        "admin": admin,
        "owner": owner,
        "head": head,
        "mr": mr,
        "gm": gm,
        "account": account,
        "customer": customer,
        "quality": quality,
    }


def start_containment(cast, started):
    with audit.change_transaction():
        [clock] = clocks.start_clocks(
            cast["customer"],
            [CONTAINMENT],
            started_at=started,
            actor=cast["admin"],
            owner=cast["owner"],
            department=cast["quality"],
        )
    return clock


def inbox(person, event=None):
    entries = Notification.objects.filter(recipient=person)
    if event:
        entries = entries.filter(event=event)
    return list(entries.order_by("id"))


def run_sweep(moment):
    with time_machine.travel(moment, tick=False):
        return sweep.sweep()


@pytest.mark.django_db
def test_reminders_at_half_and_eighty_percent_then_the_missed_deadline(cast):
    clock = start_containment(cast, at(2026, 10, 12, 8))
    assert run_sweep(at(2026, 10, 12, 19)) == {"approaching": 0, "missed": 0, "escalated": 0}
    assert run_sweep(at(2026, 10, 12, 21))["approaching"] == 1  # 54 %
    assert run_sweep(at(2026, 10, 12, 22))["approaching"] == 0  # said already
    assert run_sweep(at(2026, 10, 13, 4, 0))["approaching"] == 1  # 83 %
    for person in (cast["owner"], cast["account"]):  # the clock's and the record's owner
        titles = [n.title for n in inbox(person, "deadline_approaching")]
        assert len(titles) == 2 and "80%" in titles[-1] and "50%" in titles[0]
    assert run_sweep(at(2026, 10, 13, 8, 1))["missed"] == 1
    assert len(inbox(cast["owner"], "deadline_missed")) == 1
    assert set(ClockAlert.objects.filter(clock=clock).values_list("kind", flat=True)) == {
        "approaching:50",
        "approaching:80",
        "missed",
    }


@pytest.mark.django_db
def test_a_clock_first_seen_at_eighty_three_percent_gets_only_the_eighty_percent_reminder(cast):
    start_containment(cast, at(2026, 10, 12, 8))
    run_sweep(at(2026, 10, 13, 4))
    entries = inbox(cast["owner"], "deadline_approaching")
    assert len(entries) == 1 and "80%" in entries[0].title


@pytest.mark.django_db
def test_thresholds_are_configurable(cast):
    NotificationSettings.objects.filter(pk=1).update(approaching_thresholds="25,90")
    start_containment(cast, at(2026, 10, 12, 8))
    run_sweep(at(2026, 10, 12, 15))  # 29 %
    run_sweep(at(2026, 10, 13, 5))  # 88 %
    run_sweep(at(2026, 10, 13, 6))  # 92 %
    titles = [n.title for n in inbox(cast["owner"], "deadline_approaching")]
    assert len(titles) == 2 and "25%" in titles[0] and "90%" in titles[1]


@pytest.mark.django_db
def test_the_ladder_climbs_on_the_working_day_calendar_across_the_national_day(cast):
    # Due Wed 30 Sep 10:00. Head +4 working hours: 15:00 that day. MR +8: 6 h that day, then
    # the holiday week, then 2 h on Thu 8 Oct: 10:00. GM +16: Fri 9 Oct 10:00.
    clock = start_containment(cast, at(2026, 9, 29, 10))
    plan = escalation.plan(clock, escalation.ladder_for("containment"))
    assert [p.due_at for p in plan] == [
        at(2026, 9, 30, 10),
        at(2026, 9, 30, 15),
        at(2026, 10, 8, 10),
        at(2026, 10, 9, 10),
    ]
    assert run_sweep(at(2026, 9, 30, 10, 5)) == {"approaching": 0, "missed": 1, "escalated": 1}
    assert len(inbox(cast["owner"], "deadline_missed")) == 1  # the owner step is this message
    assert run_sweep(at(2026, 9, 30, 15, 1))["escalated"] == 1
    assert [n.event for n in inbox(cast["head"])] == ["escalated"]
    assert run_sweep(at(2026, 10, 5, 12))["escalated"] == 0  # holidays
    assert run_sweep(at(2026, 10, 8, 10, 1))["escalated"] == 1
    assert [n.event for n in inbox(cast["mr"])] == ["escalated"]
    assert inbox(cast["gm"]) == []
    assert run_sweep(at(2026, 10, 9, 10, 1))["escalated"] == 1
    assert run_sweep(at(2026, 10, 9, 11))["escalated"] == 0
    clock.refresh_from_db()
    assert clock.escalation_step == 4
    steps = list(Escalation.objects.filter(clock=clock).order_by("step"))
    assert [(e.step, e.target) for e in steps] == [
        (1, "owner"),
        (2, "department_head"),
        (3, "role"),
        (4, "role"),
    ]
    assert list(steps[2].recipients.all()) == [cast["mr"]]
    # The owner hears of every step; escalations are on the customer's history page.
    assert len(inbox(cast["owner"], "escalated")) == 3
    history = AuditEntry.objects.filter(
        root_type="customers.customer", root_id=str(cast["customer"].pk)
    )
    assert history.filter(record_type="notifications.escalation").count() == 4
    # The record page shows them.
    with translation.override("en"):
        html = Template("{% load notifications %}{% escalations_for record %}").render(
            Context({"record": cast["customer"]})
        )
    assert "Containment" in html and str(cast["mr"]) in html and "step 4" in html


@pytest.mark.django_db
def test_a_ladder_per_clock_name_replaces_the_default(cast):
    from cqms.notifications.models import EscalationLadder, EscalationStep

    ladder = EscalationLadder.objects.create(clock_name="containment")
    EscalationStep.objects.create(
        ladder=ladder, position=1, target="department_head", delay_hours=Decimal(1)
    )
    start_containment(cast, at(2026, 10, 12, 8))
    run_sweep(at(2026, 10, 13, 9, 30))  # due 08:00, head +1 working hour = 09:00
    assert [n.event for n in inbox(cast["head"])] == ["escalated"]
    assert inbox(cast["mr"]) == []


@pytest.mark.django_db
def test_group_bots_subscribed_to_reminders_get_one_post_each(cast, platforms):
    from cqms.notifications import delivery

    make_channel(cast["admin"], "wecom", platforms.add_bot("wecom", "wk"))
    start_containment(cast, at(2026, 10, 12, 8))
    for moment in (at(2026, 10, 13, 4), at(2026, 10, 13, 4, 5)):
        run_sweep(moment)
        with time_machine.travel(moment, tick=False):
            delivery.deliver()
    [post] = platforms.messages("wecom")
    assert "SLA1" in post.payload["markdown"]["content"]
    assert OutboxMessage.objects.filter(channel__isnull=False).count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_announce_and_escalate_once(make_user):
    cast_ = make_cast(make_user)
    clock = start_containment(cast_, at(2026, 9, 29, 10))
    moment = at(2026, 10, 9, 10, 1)  # every step is due
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(10)
            sweep.sweep()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(moment, tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        sweep.sweep()  # and once more in a row
    assert not errors
    clock.refresh_from_db()
    assert clock.escalation_step == 4
    assert Escalation.objects.filter(clock=clock).count() == 4
    assert len(inbox(cast_["owner"], "deadline_missed")) == 1
    assert len(inbox(cast_["head"], "escalated")) == 1
    assert len(inbox(cast_["gm"], "escalated")) == 1
    step_changes = AuditEntry.objects.filter(
        record_type="clocks.clock", record_id=str(clock.pk), action="update"
    )
    assert [
        change["new"]
        for entry in step_changes.order_by("id")
        for change in entry.changes
        if change["field"] == "escalation_step"
    ] == ["1", "2", "3", "4"]
