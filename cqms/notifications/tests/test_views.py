"""The inbox page and badge, personal settings, the channel pages with write-only secrets, the
test-message button, the admin and the API."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cqms.customers.tests.factories import make_customer
from cqms.notifications import services
from cqms.notifications.models import Channel, Notification, OutboxMessage, Preference

from .factories import make_channel

pytestmark = pytest.mark.django_db

WEBHOOK_TOKEN = "5b2e7f3c-9a1d-4e8b-a6c2-0d4f1e3b3f2a"
SECRET = "SEC0123456789abcdef0123456789abcdef"


@pytest.fixture
def admin(make_user):
    return make_user("admin.wang", roles=["administrator"], department="gm_office", is_staff=True)


@pytest.fixture
def person(make_user):
    return make_user("sales.zhou", roles=["salesperson"], department="sales")


def tell(person, key, **kwargs):
    with transaction.atomic():
        return services.publish("assigned", recipients=[person], key=key, **kwargs)


def test_inbox_lists_unread_first_and_the_badge_counts_them(client, person, admin):
    customer = make_customer(admin, "INB1", owner=person)
    tell(person, "a", record=customer)
    tell(person, "b")
    services.mark_read(person, [Notification.objects.get(key="b").pk])
    tell(person, "c")
    client.force_login(person)
    page = client.get(reverse("notifications:inbox")).content.decode()
    order = [Notification.objects.get(key=k).pk for k in ("c", "a", "b")]
    positions = [page.index(f'data-notification="{pk}"') for pk in order]
    assert positions == sorted(positions)
    assert 'data-unread="2"' in page


def test_the_badge_costs_one_query(client, person):
    tell(person, "a")
    client.force_login(person)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("notifications:preferences"))
    unread = [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(unread) == 1


def test_opening_an_entry_marks_it_read_and_goes_to_the_record(client, person, admin):
    customer = make_customer(admin, "INB2", owner=person)
    tell(person, "open", record=customer)
    entry = Notification.objects.get(key="open")
    client.force_login(person)
    response = client.get(reverse("notifications:open", args=[entry.pk]))
    assert response["Location"] == customer.get_absolute_url()
    entry.refresh_from_db()
    assert entry.read_at is not None


def test_mark_read_and_mark_all_read(client, person):
    for key in ("x", "y", "z"):
        tell(person, key)
    client.force_login(person)
    client.post(reverse("notifications:read", args=[Notification.objects.get(key="x").pk]))
    assert services.unread_count(person) == 2
    client.post(reverse("notifications:read_all"))
    assert services.unread_count(person) == 0


def test_outsider_gets_404_for_someone_elses_notification(client, person, make_user):
    tell(person, "private")
    entry = Notification.objects.get(key="private")
    outsider = make_user("outsider", roles=["sales_manager"], department="finance")
    client.force_login(outsider)
    for name in ("notifications:open", "notifications:read"):
        assert client.post(reverse(name, args=[entry.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.read_at is None
    assert client.get(reverse("api:notification-detail", args=[entry.pk])).status_code == 404


def test_people_choose_email_per_event_and_the_digest(client, person):
    client.force_login(person)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="email_assigned"' in page and 'name="digest"' in page
    data = {"digest": "on", "email_escalated": "on"}  # everything else off
    assert client.post(reverse("notifications:preferences"), data).status_code == 302
    assert Preference.objects.get(user=person, event="assigned").email is False
    assert not Preference.objects.filter(user=person, event="escalated").exists()  # default
    digest = Preference.objects.get(user=person, event="daily_digest")
    assert (digest.inbox, digest.email) == (True, False)


def test_secrets_are_write_only_on_pages_admin_and_api(client, admin, platforms):
    webhook = platforms.add_bot("dingtalk", WEBHOOK_TOKEN, secret=SECRET)
    client.force_login(admin)
    form = client.get(reverse("notifications:channel_create")).content.decode()
    assert 'type="password" name="new_webhook_url"' in form and 'name="events"' in form
    response = client.post(
        reverse("notifications:channel_create"),
        {
            "name": "品质部钉钉群",
            "kind": "dingtalk",
            "language": "zh-hans",
            "keyword": "",
            "events": ["deadline_missed", "escalated"],
            "customer_codes": "",
            "mention_recipients": "on",
            "per_minute": "",
            "per_second": "",
            "is_active": "on",
            "new_webhook_url": webhook,
            "new_secret": SECRET,
        },
    )
    channel = Channel.objects.get()
    assert response.status_code == 302, response.content.decode()
    assert channel.webhook_url == webhook and channel.secret == SECRET
    assert channel.per_minute == 20
    pages = [
        reverse("notifications:channels"),
        reverse("notifications:channel_detail", args=[channel.pk]),
        reverse("notifications:channel_edit", args=[channel.pk]),
        reverse("admin:notifications_channel_changelist"),
        reverse("admin:notifications_channel_change", args=[channel.pk]),
        reverse("admin:audit_auditentry_changelist"),
        reverse("api:notification-list"),
        reverse("api:schema"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert WEBHOOK_TOKEN not in html and SECRET not in html, url
        assert "3f2a" not in html or "••••3f2a" in html, url
    detail = client.get(pages[1]).content.decode()
    assert "••••3f2a" in detail  # the hint of the webhook URL
    # Saving the form without new secrets keeps them.
    response = client.post(
        pages[2],
        {
            "name": "品质部",
            "kind": "dingtalk",
            "language": "zh-hans",
            "events": ["deadline_missed"],
            "per_minute": "20",
            "is_active": "on",
            "version": channel.version,
        },
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.webhook_url, channel.secret) == ("品质部", webhook, SECRET)


def test_the_test_button_posts_to_the_group_and_reports_the_answer(client, admin, platforms):
    good = make_channel(admin, "feishu", platforms.add_bot("feishu", "fs", secret="s"), secret="s")
    bad = make_channel(admin, "wecom", platforms.base + "/cgi-bin/webhook/send?key=unknown")
    client.force_login(admin)
    client.post(reverse("notifications:channel_test", args=[good.pk]))
    [sent] = OutboxMessage.objects.filter(channel=good)
    assert sent.status == OutboxMessage.Status.SENT
    assert len(platforms.messages("feishu")) == 1
    page = client.post(reverse("notifications:channel_test", args=[bad.pk]), follow=True)
    assert "93000" in page.content.decode()


def test_channel_pages_need_the_permission(client, person, admin):
    channel = make_channel(admin, "wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=k")
    client.force_login(person)
    assert client.get(reverse("notifications:channels")).status_code == 403
    assert client.get(reverse("notifications:channel_create")).status_code == 403
    for name in ("channel_detail", "channel_edit", "channel_test"):
        assert client.post(reverse(f"notifications:{name}", args=[channel.pk])).status_code == 404


def test_the_api_lists_and_marks_only_the_callers_notifications(client, person, make_user):
    other = make_user("other", roles=["salesperson"])
    tell(person, "mine")
    tell(other, "theirs")
    client.force_login(person)
    listed = client.get(reverse("api:notification-list")).json()
    assert [row["title"] for row in listed["results"]] == [
        Notification.objects.get(key="mine").title
    ]
    pk = listed["results"][0]["id"]
    assert client.post(reverse("api:notification-read", args=[pk])).json()["read_at"]
    tell(person, "second")
    assert client.post(reverse("api:notification-read-all")).json() == {"marked": 1}
    assert Notification.objects.get(key="theirs").read_at is None
