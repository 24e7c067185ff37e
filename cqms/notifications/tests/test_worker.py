"""Acceptance: with two real job workers, a containment clock past 80 % produces exactly one
message per channel and one inbox entry (and one e-mail) per recipient."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from cqms.audit import services as audit
from cqms.clocks import services as clocks
from cqms.clocks.models import Basis
from cqms.clocks.services import ClockSpec
from cqms.customers.tests.factories import make_customer
from cqms.jobs.tests.test_worker import database_url, stop
from cqms.notifications.models import Notification, OutboxMessage

from .factories import make_channel

WAIT_SECONDS = 90
SWEEP = "cqms.notifications.tasks.sweep_deadlines"


def start_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def finished_sweeps() -> int:
    from django_q.models import Task

    return Task.objects.filter(func=SWEEP, success=True).count()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_post_once_per_channel_and_tell_each_recipient_once(
    make_user, platforms, smtp_server
):
    from django_q.tasks import async_task

    admin = make_user("admin.wang", roles=["administrator"], department="gm_office")
    owner = make_user("qe.liu", roles=["quality_engineer"], department="quality")
    account = make_user("sales.zhou", roles=["salesperson"], department="sales", language="en")
    customer = make_customer(admin, "W80", owner=account)
    events = ["deadline_approaching"]
    make_channel(admin, "wecom", platforms.add_bot("wecom", "wk"), events=events)
    make_channel(
        admin,
        "dingtalk",
        platforms.add_bot("dingtalk", "dt", secret="SECworker", keyword="CQMS"),
        secret="SECworker",
        keyword="CQMS",
        events=events,
    )
    make_channel(
        admin,
        "feishu",
        platforms.add_bot("feishu", "fs", secret="fs-worker"),
        secret="fs-worker",
        events=events,
    )
    # Containment: 24 calendar hours, 20 of them gone (83 %).
    with audit.change_transaction():
        clocks.start_clocks(
            customer,
            [ClockSpec("containment", Basis.CALENDAR_HOURS, Decimal(24))],
            started_at=timezone.now() - dt.timedelta(hours=20),
            actor=admin,
            owner=owner,
        )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CQMS_JOB_WORKERS": "1",
        "CQMS_LOG_LEVEL": "INFO",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(settings.EMAIL_PORT),
        "EMAIL_USE_SSL": "0",
        "EMAIL_USE_TLS": "0",
    }
    with tempfile.TemporaryFile() as log:
        workers = [start_worker(env, log), start_worker(env, log)]
        try:
            # Both workers sweep at the same time (and their schedulers sweep and deliver too).
            for _ in range(2):
                async_task(SWEEP, task_name="notifications-sweep-test")
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline and all(w.poll() is None for w in workers):
                done = (
                    finished_sweeps() >= 2
                    and len(platforms.received) >= 3
                    and len(smtp_server.messages) >= 2
                    and not OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()
                )
                if done:
                    break
                time.sleep(0.25)
            time.sleep(3)  # room for a duplicate to show up, if there were one
        finally:
            for worker in workers:
                stop(worker)
            log.seek(0)
            output = log.read().decode(errors="replace")
    assert finished_sweeps() >= 2, output[-3000:]
    per_kind = {
        kind: len(platforms.messages(kind, accepted=False))
        for kind in ("wecom", "dingtalk", "feishu")
    }
    assert per_kind == {"wecom": 1, "dingtalk": 1, "feishu": 1}, output[-3000:]
    assert all(r.accepted for r in platforms.received), [r.answer for r in platforms.received]
    assert "80%" in platforms.messages("wecom")[0].payload["markdown"]["content"]
    for person in (owner, account):
        assert (
            Notification.objects.filter(recipient=person, event="deadline_approaching").count() == 1
        )
    recipients = sorted(rcpt for rcpts, _message in smtp_server.messages for rcpt in rcpts)
    assert recipients == sorted([owner.email, account.email])
