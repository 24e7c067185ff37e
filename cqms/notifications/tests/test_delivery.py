"""Delivery through a real SMTP server and a real HTTP server playing the three platforms:
signatures, keywords, rate limits and merging, retries with back-off, and failures shown on the
channel page while the change that caused the message stays committed."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.urls import reverse

from cqms.audit import services as audit
from cqms.customers.models import Customer
from cqms.customers.tests.factories import make_customer
from cqms.notifications import delivery, services
from cqms.notifications.models import (
    ChannelState,
    DeliveryAttempt,
    NotificationSettings,
    OutboxMessage,
)

from .conftest import free_port
from .factories import make_channel

SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = OutboxMessage.Status


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def admin(make_user):
    return make_user("admin.wang", roles=["administrator"], department="gm_office")


def publish_many(recipients, count: int, *, prefix="m", event="assigned", **kwargs):
    with transaction.atomic():
        for i in range(count):
            services.publish(
                event, recipients=recipients, key=f"{prefix}:{i}", channels=True, **kwargs
            )


@pytest.mark.django_db
def test_email_arrives_as_html_and_text_in_each_recipients_language(
    smtp_server, make_user, admin, public_url
):
    chinese = make_user("li.jing", roles=["quality_manager"], email="li.jing@example.com")
    english = make_user("anna", roles=["quality_manager"], email="anna@example.com", language="en")
    customer = make_customer(admin, "MAIL1")
    with transaction.atomic():
        services.publish("assigned", recipients=[chinese, english], record=customer, key="mail:1")
    assert delivery.deliver()["email"] == 2
    link = public_url + customer.get_absolute_url()
    [zh] = smtp_server.to("li.jing@example.com")
    [en] = smtp_server.to("anna@example.com")
    assert "分配给您" in zh["Subject"] and "Assigned to you" in en["Subject"]
    for message in (zh, en):
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert link in text and f'href="{link}"' in html
        assert message["Message-ID"].endswith("@cqms>")
    assert zh["Message-ID"] != en["Message-ID"]
    # Sending again sends nothing: the rows are marked sent.
    assert delivery.deliver()["email"] == 0
    assert len(smtp_server.messages) == 2


@pytest.mark.django_db
def test_each_platform_receives_signed_messages_with_its_keyword(platforms, admin, make_user):
    owner = make_user("zhou", roles=["salesperson"], wecom_user_id="zhou", phone="13800001111")
    make_channel(admin, "wecom", platforms.add_bot("wecom", "wk"))
    make_channel(
        admin,
        "dingtalk",
        platforms.add_bot("dingtalk", "dt", secret="SECabc123", keyword="CQMS"),
        secret="SECabc123",
        keyword="CQMS",
    )
    make_channel(
        admin,
        "feishu",
        platforms.add_bot("feishu", "fs", secret="fs-secret", keyword="质量"),
        secret="fs-secret",
        keyword="质量",
    )
    publish_many([owner], 1)
    delivery.deliver()
    assert {r.kind for r in platforms.messages()} == {"wecom", "dingtalk", "feishu"}
    assert all(r.accepted for r in platforms.received), [r.answer for r in platforms.received]
    wecom = platforms.messages("wecom")[0]
    assert "<@zhou>" in wecom.payload["markdown"]["content"]
    assert platforms.messages("dingtalk")[0].payload["at"]["atMobiles"] == ["13800001111"]
    # The idempotency key travels with every post.
    assert all(r.headers.get("x-cqms-message-id") for r in platforms.received)
    assert OutboxMessage.objects.filter(status=Status.SENT, channel__isnull=False).count() == 3


@pytest.mark.django_db
def test_a_wrong_secret_is_given_up_with_the_platforms_code_on_the_channel_page(
    platforms, admin, client, make_user
):
    owner = make_user("zhou", roles=["salesperson"])
    ding = make_channel(
        admin, "dingtalk", platforms.add_bot("dingtalk", "dt", secret="SECright"), secret="SECwrong"
    )
    feishu = make_channel(
        admin, "feishu", platforms.add_bot("feishu", "fs", keyword="CQMS"), secret=""
    )
    publish_many([owner], 1)
    delivery.deliver()
    failed = {m.channel_id: m for m in OutboxMessage.objects.filter(status=Status.FAILED)}
    assert (failed[ding.pk].error_code, failed[ding.pk].error_message) == (
        "310000",
        "sign not match",
    )
    assert (failed[feishu.pk].error_code, failed[feishu.pk].error_message) == (
        "19024",
        "Key Words Not Found",
    )
    client.force_login(admin)
    page = client.get(reverse("notifications:channel_detail", args=[ding.pk])).content.decode()
    assert "310000" in page and "sign not match" in page
    assert "SECwrong" not in page and "access_token=dt" not in page


@pytest.mark.django_db
def test_above_the_limit_the_rest_is_merged_into_one_summary(platforms, admin, make_user):
    owner = make_user("zhou", roles=["salesperson"])
    make_channel(admin, "wecom", platforms.add_bot("wecom", "wk"))
    with time_machine.travel(at(2026, 10, 12, 9, 0, 1), tick=False) as clock:
        publish_many([owner], 25, prefix="burst")
        delivery.deliver()
        received = platforms.messages("wecom", accepted=False)
        assert len(received) == 20 and all(r.accepted for r in received)
        summary = OutboxMessage.objects.get(event="summary")
        assert summary.status == Status.SENT and len(summary.items) == 6
        assert OutboxMessage.objects.filter(status=Status.MERGED).count() == 6
        assert "6" in received[-1].payload["markdown"]["content"]

        # Within the same minute, ten more wait as one summary until the window frees.
        publish_many([owner], 10, prefix="later")
        delivery.deliver()
        assert len(platforms.received) == 20
        waiting = OutboxMessage.objects.get(status=Status.PENDING)
        assert len(waiting.items) == 10
        clock.shift(61)
        delivery.deliver()
    assert len(platforms.received) == 21 and platforms.received[-1].accepted
    assert not OutboxMessage.objects.filter(status__in=[Status.PENDING, Status.FAILED]).exists()


@pytest.mark.django_db
def test_dingtalks_too_fast_answer_pauses_the_channel_for_ten_minutes(platforms, admin, make_user):
    owner = make_user("zhou", roles=["salesperson"])
    channel = make_channel(admin, "dingtalk", platforms.add_bot("dingtalk", "dt"))
    with time_machine.travel(at(2026, 10, 12, 9, 0, 1), tick=False) as clock:
        # Another system already used the robot's 20 messages of this minute.
        platforms.bots[("dingtalk", "dt")].requests.extend(
            [dt.datetime.now(tz=SHANGHAI).timestamp()] * 20
        )
        publish_many([owner], 2, prefix="fast")
        delivery.deliver()
        refused = platforms.messages("dingtalk", accepted=False)
        assert len(refused) == 1 and refused[0].answer["errcode"] == 130101
        state = ChannelState.objects.get(channel=channel)
        assert state.paused_until == at(2026, 10, 12, 9, 10, 1)
        clock.shift(5 * 60)
        delivery.deliver()
        assert len(platforms.received) == 1  # still silent
        clock.shift(6 * 60)
        delivery.deliver()
    assert len(platforms.messages("dingtalk")) == 2
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db
def test_feishu_gets_at_most_five_messages_a_second(platforms, admin, make_user):
    owner = make_user("zhou", roles=["salesperson"])
    make_channel(admin, "feishu", platforms.add_bot("feishu", "fs"))
    publish_many([owner], 12, prefix="fs")
    delivery.deliver()  # real time: waits within the second when needed
    assert len(platforms.messages("feishu")) == 12
    assert all(r.accepted for r in platforms.received)


@pytest.mark.django_db
def test_an_unreachable_channel_is_retried_with_back_off_then_shown_as_failed(
    admin, make_user, client, caplog
):
    settings_row = NotificationSettings.current()
    settings_row.max_attempts = 4
    settings_row.save()
    owner = make_user("zhou", roles=["salesperson"])
    dead = make_channel(
        admin, "wecom", f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=k-9f8e7d6c5b4a"
    )
    with time_machine.travel(at(2026, 10, 12, 9, 0), tick=False) as clock:
        with audit.change_transaction():
            customer = make_customer(admin, "UNR1", owner=owner)
            services.publish("assigned", recipients=[owner], record=customer, key="unreachable")
        # The change is there whatever the channel does.
        assert Customer.objects.filter(code="UNR1").exists()
        message = OutboxMessage.objects.get(channel=dead)
        waits = []
        for _ in range(4):
            delivery.deliver()
            message.refresh_from_db()
            if message.status == Status.FAILED:
                break
            assert message.status == Status.PENDING and message.error_code == "network"
            waits.append((message.next_attempt_at - dt.datetime.now(tz=SHANGHAI)).total_seconds())
            clock.shift(waits[-1] - 1)
            delivery.deliver()  # nothing is due before the next attempt
            clock.shift(1)
    assert waits == [30, 120, 480]
    assert message.status == Status.FAILED and message.attempts == 4
    assert DeliveryAttempt.objects.filter(channel=dead, ok=False).count() == 4
    client.force_login(admin)
    page = client.get(reverse("notifications:channel_detail", args=[dead.pk])).content.decode()
    assert 'id="failed-messages"' in page and "network" in page
    # The log says what failed, never where the key is.
    assert "not delivered" in caplog.text and "9f8e7d6c5b4a" not in caplog.text + page


@pytest.mark.django_db
def test_a_message_left_sending_by_a_dead_worker_is_sent_again_with_the_same_id(
    platforms, admin, make_user
):
    owner = make_user("zhou", roles=["salesperson"])
    make_channel(admin, "wecom", platforms.add_bot("wecom", "wk"))
    with time_machine.travel(at(2026, 10, 12, 9, 0), tick=False) as clock:
        publish_many([owner], 1, prefix="crash")
        delivery.deliver()
        # The worker crashed after the platform accepted the post, before marking it sent.
        OutboxMessage.objects.update(status=Status.SENDING, sent_at=None)
        delivery.deliver()
        assert len(platforms.received) == 1  # not yet: it may still be sending
        clock.shift(11 * 60)
        delivery.deliver()
    first, again = platforms.received
    assert first.headers["x-cqms-message-id"] == again.headers["x-cqms-message-id"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_post_each_message_once(platforms, make_user, smtp_server):
    admin = make_user("admin.wang", roles=["administrator"], department="gm_office")
    people = [
        make_user(f"p{i}", roles=["salesperson"], email=f"p{i}@example.com") for i in range(3)
    ]
    make_channel(admin, "wecom", platforms.add_bot("wecom", "wk"))
    make_channel(admin, "feishu", platforms.add_bot("feishu", "fs"))
    publish_many(people, 8, prefix="race")
    errors = []

    def worker():
        try:
            delivery.deliver()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    delivery.deliver()  # whatever a lost lease left behind
    ids = [r.headers["x-cqms-message-id"] for r in platforms.received]
    assert len(ids) == len(set(ids)) == 16
    mail_ids = [m["Message-ID"] for _rcpt, m in smtp_server.messages]
    assert len(mail_ids) == len(set(mail_ids)) == 24


@pytest.mark.django_db
def test_old_delivered_messages_are_pruned_and_recent_ones_kept(platforms, admin, make_user):
    owner = make_user("zhou", roles=["salesperson"])
    make_channel(admin, "wecom", platforms.add_bot("wecom", "wk"))
    with time_machine.travel(at(2026, 6, 1, 9), tick=False):
        publish_many([owner], 1, prefix="old")
        delivery.deliver()
    with time_machine.travel(at(2026, 10, 1, 9), tick=False):
        publish_many([owner], 1, prefix="new")
        delivery.deliver()
        assert delivery.prune() == 2  # the old post and the old e-mail
    assert set(OutboxMessage.objects.values_list("key", flat=True)) == {"new:0"}
    assert DeliveryAttempt.objects.filter(at__lt=at(2026, 9, 1)).count() == 0
    assert DeliveryAttempt.objects.count() == 2
