"""publish(): inbox entries and outbox rows in the caller's transaction, once per key, routed to
the group bots whose events, departments and customers match."""

from __future__ import annotations

import pytest
from django.db import transaction

from cqms.audit.models import AuditEntry
from cqms.customers.tests.factories import make_customer
from cqms.notifications import services
from cqms.notifications.models import Notification, OutboxMessage, Preference
from cqms.organisation.models import Department

from .factories import make_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    admin = make_user("admin.wang", roles=["administrator"], department="gm_office")
    owner = make_user("sales.zhou", roles=["salesperson"], department="sales", language="en")
    colleague = make_user("qe.liu", roles=["quality_engineer"], department="quality")
    return admin, owner, colleague


def test_inbox_email_and_bot_rows_are_written_once_per_key(people):
    admin, owner, colleague = people
    customer = make_customer(admin, "PUB1", owner=owner)
    channel = make_channel(admin, "wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=k")
    for _ in range(2):  # a retry, a double click
        with transaction.atomic():
            services.publish(
                "assigned", recipients=[owner, colleague, owner], record=customer, key="k1"
            )
    assert Notification.objects.filter(key="k1").count() == 2
    assert OutboxMessage.objects.filter(key="k1", channel__isnull=True).count() == 2
    post = OutboxMessage.objects.get(key="k1", channel=channel)
    assert post.url.endswith(customer.get_absolute_url())
    # Each person reads it in their own language.
    english = Notification.objects.get(key="k1", recipient=owner)
    assert english.title.startswith("Assigned to you")
    chinese = Notification.objects.get(key="k1", recipient=colleague)
    assert not chinese.title.startswith("Assigned to you")


def test_links_use_the_public_url(people, public_url):
    admin, owner, _ = people
    customer = make_customer(admin, "PUB2", owner=owner)
    with transaction.atomic():
        services.publish("assigned", recipients=[owner], record=customer, key="k2")
    mail = OutboxMessage.objects.get(key="k2", recipient=owner)
    assert mail.url == public_url + customer.get_absolute_url()
    assert public_url + customer.get_absolute_url() in mail.body
    assert Notification.objects.get(key="k2").url == customer.get_absolute_url()


def test_a_rolled_back_change_tells_nobody(people, platforms):
    admin, owner, _ = people
    make_channel(admin, "dingtalk", platforms.add_bot("dingtalk", "t"))

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.publish("assigned", recipients=[owner], key="rolled-back")
        raise Boom
    assert not Notification.objects.filter(key="rolled-back").exists()
    assert not OutboxMessage.objects.filter(key="rolled-back").exists()
    from cqms.notifications import delivery

    delivery.deliver()
    assert platforms.received == []


def test_email_follows_the_persons_choice_and_the_inbox_always_receives(people):
    _admin, owner, colleague = people
    services.save_preferences(owner, {"assigned": (True, False)}, actor=owner)
    with transaction.atomic():
        services.publish("assigned", recipients=[owner, colleague], key="k3")
    assert Notification.objects.filter(key="k3").count() == 2
    assert list(
        OutboxMessage.objects.filter(key="k3", channel__isnull=True).values_list(
            "recipient", flat=True
        )
    ) == [colleague.pk]
    # The choice is audited on the person's history.
    assert AuditEntry.objects.filter(
        record_type="notifications.preference", root_type="organisation.user"
    ).exists()
    assert Preference.objects.get(user=owner).email is False


def test_channels_filter_by_event_department_and_customer(people):
    admin, owner, _ = people
    sales = make_customer(admin, "SAL1", owner=owner)  # department sales
    other = make_customer(admin, "OTH1")
    quality = Department.objects.get(code="quality")
    everyone = make_channel(admin, "wecom", "http://127.0.0.1:9/a", name="all")
    sales_only = make_channel(
        admin,
        "wecom",
        "http://127.0.0.1:9/b",
        name="sales",
        departments=[Department.objects.get(code="gm_office")],  # includes sales below it
    )
    quality_only = make_channel(
        admin, "wecom", "http://127.0.0.1:9/c", name="quality", departments=[quality]
    )
    one_customer = make_channel(
        admin, "wecom", "http://127.0.0.1:9/d", name="cust", customer_codes="OTH1, X"
    )
    approvals_only = make_channel(
        admin, "wecom", "http://127.0.0.1:9/e", name="appr", events=["approval_requested"]
    )
    with transaction.atomic():
        services.publish("assigned", recipients=[owner], record=sales, key="route-1")
        services.publish("assigned", recipients=[owner], record=other, key="route-2")
    got = {
        key: set(
            OutboxMessage.objects.filter(key=key, channel__isnull=False).values_list(
                "channel__name", flat=True
            )
        )
        for key in ("route-1", "route-2")
    }
    assert got["route-1"] == {everyone.name, sales_only.name}
    assert one_customer.name in got["route-2"] and quality_only.name not in got["route-2"]
    assert approvals_only.name not in got["route-1"] | got["route-2"]


def test_secrets_stay_out_of_the_audit_trail_and_the_outbox(people):
    admin, owner, _ = people
    channel = make_channel(
        admin,
        "dingtalk",
        "http://127.0.0.1:9/robot/send?access_token=TOKEN-abcdef123456",
        secret="SECsupersecretvalue",
    )
    services.update_channel(
        channel, {}, actor=admin, secret="SECanothersecretvalue", webhook_url=""
    )
    with transaction.atomic():
        services.publish("assigned", recipients=[owner], key="k4")
    trail = " ".join(
        str(e.changes) for e in AuditEntry.objects.filter(record_type="notifications.channel")
    )
    assert "TOKEN-abcdef123456" not in trail and "supersecret" not in trail
    assert "anothersecret" not in trail
    assert "••••" in trail  # the masked hints are recorded
    assert AuditEntry.objects.filter(action="notifications.secret_replaced").exists()
    for row in OutboxMessage.objects.all():
        assert "TOKEN" not in row.url + row.body + row.subject
    channel.refresh_from_db()
    assert channel.secret == "SECanothersecretvalue"


def test_configuration_changes_are_audited(people):
    admin, _, _ = people
    channel = make_channel(admin, "feishu", "http://127.0.0.1:9/open-apis/bot/v2/hook/x")
    services.update_channel(
        channel,
        {"name": "品质群", "departments": [Department.objects.get(code="quality")]},
        actor=admin,
        expected_version=channel.version,
    )
    actions = list(
        AuditEntry.objects.filter(record_type="notifications.channel").values_list(
            "action", flat=True
        )
    )
    assert actions.count("create") == 1 and actions.count("update") == 2


def wake_ups(callbacks) -> int:
    return len([c for c in callbacks if c is services.enqueue_delivery])


def test_one_transaction_wakes_the_worker_once(people, django_capture_on_commit_callbacks):
    _admin, owner, colleague = people
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for index in range(3):
            services.publish("assigned", recipients=[owner, colleague], key=f"many-{index}")
    assert wake_ups(callbacks) == 1
    assert OutboxMessage.objects.filter(key__startswith="many-").count() == 6


def test_a_rolled_back_savepoint_does_not_swallow_the_wake_up(
    people, django_capture_on_commit_callbacks
):
    _admin, owner, _colleague = people
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                services.publish("assigned", recipients=[owner], key="in-savepoint")
                raise RuntimeError
        except RuntimeError:
            pass
        services.publish("assigned", recipients=[owner], key="after-savepoint")
    assert wake_ups(callbacks) == 1
    assert not OutboxMessage.objects.filter(key="in-savepoint").exists()
