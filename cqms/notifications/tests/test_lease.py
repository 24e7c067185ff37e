"""A sender killed while it holds a channel's lease delays the channel for at most a minute:
then the next run takes the lease over and sends everything, the interrupted post again with
the same message id."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cqms.jobs.tests.test_worker import database_url
from cqms.notifications import delivery, services
from cqms.notifications.models import ChannelState, OutboxMessage

from .factories import make_channel

WAIT_SECONDS = 60


def start_sender(channel_id: int) -> subprocess.Popen:
    """A real process sending the channel's messages, as a worker's delivery task does."""
    code = f"from cqms.notifications import delivery; delivery.deliver_channel({channel_id})"
    return subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_lease_of_a_killed_sender_is_taken_over_within_a_minute(platforms, make_user):
    admin = make_user("admin.wang", roles=["administrator"], department="gm_office")
    owner = make_user("zhou", roles=["salesperson"])
    channel = make_channel(admin, "wecom", platforms.add_bot("wecom", "wk"))
    with transaction.atomic():
        for i in range(3):
            services.publish("assigned", recipients=[owner], key=f"lease:{i}", channels=True)
    held = platforms.hold("wk")
    sender = start_sender(channel.pk)
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while not platforms.messages("wecom") and time.monotonic() < deadline:
            assert sender.poll() is None, "the sender ended before posting"
            time.sleep(0.1)
        assert len(platforms.messages("wecom")) == 1  # it waits for the platform's answer
    finally:
        os.killpg(sender.pid, signal.SIGKILL)
        sender.wait(10)
        held.set()
    state = ChannelState.objects.get(channel=channel)
    assert state.lease_token and state.lease_until > timezone.now()
    assert delivery.deliver_channel(channel.pk) == 0  # held: a live sender looks the same

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)):
        assert delivery.deliver()["channels"] == 3

    posts = platforms.messages("wecom")
    ids = [post.headers["x-cqms-message-id"] for post in posts]
    assert len(ids) == 4 and len(set(ids)) == 3  # the interrupted post again, same id
    assert ids[0] == ids[1]
    channel_messages = OutboxMessage.objects.filter(channel=channel)
    assert set(channel_messages.values_list("status", flat=True)) == {OutboxMessage.Status.SENT}
    state.refresh_from_db()
    assert not state.lease_token and state.lease_until is None
