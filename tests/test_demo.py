"""`manage.py demo` fills every page: one user per role, customers with their records."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from cqms.audit import codes
from cqms.audit.models import AuditEntry
from cqms.customers.models import Customer
from cqms.demo.management.commands.demo import DEMO_PASSWORD, USERS
from cqms.organisation.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(capsys):
    call_command("demo", if_empty=True)
    return capsys.readouterr().out


def test_demo_prints_a_login_for_every_role(demo):
    assert DEMO_PASSWORD in demo
    assert User.objects.filter(username__in=[u[0] for u in USERS]).count() == len(USERS)
    assert set(Role.objects.filter(users__isnull=False).values_list("code", flat=True)) == set(
        Role.objects.values_list("code", flat=True)
    )
    for username, *_ in USERS:
        assert f"    {username} " in demo


def test_demo_loads_customers_once(demo, capsys):
    assert Customer.objects.count() >= 10
    assert Customer.objects.exclude(country="中国").exists()
    call_command("demo", if_empty=True)
    assert Customer.objects.count() >= 10 and Customer.objects.count() < 20


def test_every_demo_change_is_audited_with_a_known_action(demo):
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert all(codes.known(action) for action in actions), actions
    customers = AuditEntry.objects.filter(record_type="customers.customer", action="create")
    assert customers.count() == Customer.objects.count()
    users = AuditEntry.objects.filter(record_type="organisation.user", action="create")
    assert users.count() == len(USERS)
    roles = AuditEntry.objects.filter(record_type="organisation.user", action="update")
    assert all(entry.changes[0]["field"] == "roles" for entry in roles)
    assert not any("pbkdf2" in str(entry.changes) for entry in users)  # passwords stay out


@pytest.mark.parametrize("username", ["admin", "sm", "sales", "qe", "staff"])
def test_every_page_has_content_for_the_demo_users(demo, client, username):
    client.force_login(User.objects.get(username=username))
    customer = Customer.objects.filter(owner__username="sales").first()
    pages = [
        "home",
        "customers:list",
        "customers:portals",
        "organisation:chart",
        "organisation:profile",
        "workdays:calendar",
        "jobs:list",
    ]
    for name in pages:
        response = client.get(reverse(name))
        assert response.status_code in (200, 403), (name, response.status_code)
    if username in ("admin", "sm", "sales", "qe"):
        detail = client.get(reverse("customers:detail", args=[customer.pk]))
        assert customer.name in detail.content.decode()
    home = client.get(reverse("home")).content.decode()
    if username == "sales":
        assert "SRM" in home  # a supplier portal is due for the demo salesperson
