"""Data scope: own / department / department and below / all, plus delegation."""

import datetime as dt

import pytest
from django.utils import timezone

from cqms.customers import selectors
from cqms.organisation.models import Delegation

from .factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    admin = make_user("root", roles=["administrator"], department="gm_office")
    sales = make_user("sales1", roles=["salesperson"], department="sales")
    sales2 = make_user("sales2", roles=["salesperson"], department="sales")
    service = make_user("cs1", roles=["customer_service"], department="customer_service")
    make_customer(admin, "OWN1", owner=sales)
    make_customer(admin, "OWN2", owner=sales2)
    make_customer(admin, "CS1", owner=service)
    make_customer(admin, "Q1", owner=make_user("q1", roles=["staff"], department="quality"))
    return {"admin": admin, "sales": sales, "sales2": sales2, "service": service}


def codes(user):
    return sorted(selectors.customers_visible_to(user).values_list("code", flat=True))


def test_own_scope_sees_only_own_customers(world):
    assert codes(world["sales"]) == ["OWN1"]


def test_department_scope_sees_the_department(world):
    assert codes(world["service"]) == ["CS1"]


def test_subtree_scope_sees_department_and_below(world, make_user):
    manager = make_user("mgr", roles=["sales_manager"], department="sales")
    # customer_service sits below sales in the seeded department tree
    assert codes(manager) == ["CS1", "OWN1", "OWN2"]


def test_all_scope_sees_everything(world):
    assert codes(world["admin"]) == ["CS1", "OWN1", "OWN2", "Q1"]


def test_delegate_sees_the_delegators_records_while_the_delegation_runs(world):
    today = timezone.localdate()
    delegation = Delegation.objects.create(
        delegator=world["sales2"],
        delegate=world["sales"],
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=3),
    )
    assert codes(world["sales"]) == ["OWN1", "OWN2"]
    delegation.ends_on = today - dt.timedelta(days=1)
    delegation.starts_on = today - dt.timedelta(days=2)
    delegation.save()
    sales = type(world["sales"]).objects.get(pk=world["sales"].pk)  # fresh: no cached scope
    assert codes(sales) == ["OWN1"]


def test_a_user_without_roles_sees_only_own_records(make_user, world):
    nobody = make_user("nobody", roles=[], department="sales")
    assert codes(nobody) == []
