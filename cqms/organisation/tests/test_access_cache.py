"""Permissions, roles and delegators kept between requests: never after access changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, update_last_login
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cqms.audit import services as audit
from cqms.organisation import access, access_cache, services
from cqms.organisation.models import Role, User

pytestmark = pytest.mark.django_db

ACCESS_TABLES = ("organisation_user_roles", "auth_permission", "organisation_delegation")


@pytest.fixture(autouse=True)
def shared_cache(settings):
    settings.ACCESS_CACHE = True  # one process here: the local cache is shared by all it runs
    cache.clear()
    yield
    cache.clear()


def fresh(user) -> User:
    """The user as the next request loads them."""
    return User.objects.get(pk=user.pk)


def access_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if any(t in q["sql"] for t in ACCESS_TABLES)]


def test_the_next_request_reads_no_access_rows(client, make_user, monkeypatch):
    client.force_login(make_user("qe.cache", roles=["quality_engineer"], department="quality"))
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse("complaints:register")).status_code == 200
    asked = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a: asked.append(key) or real_get(key, *a))
    with CaptureQueriesContext(connection) as second:
        assert client.get(reverse("complaints:register")).status_code == 200
    assert len(access_queries(first)) == 3  # permissions, roles, delegations
    assert access_queries(second) == []
    # The stamp and the user's answers, once for the request (request.user is a lazy proxy).
    assert len([key for key in asked if key.startswith("cqms:access")]) == 2


def test_without_a_shared_cache_every_request_reads_them(settings, make_user):
    settings.ACCESS_CACHE = False
    user = make_user("qe.local", roles=["quality_engineer"])
    assert fresh(user).has_perm("complaints.view_complaint")
    with CaptureQueriesContext(connection) as again:
        assert fresh(user).has_perm("complaints.view_complaint")
    assert len(access_queries(again)) == 2  # permissions and the delegations they include


def test_a_role_taken_away_counts_from_the_next_request(client, make_user):
    user = make_user("qe.removed", roles=["quality_engineer"], department="quality")
    client.force_login(user)
    assert client.get(reverse("complaints:register")).status_code == 200
    user.roles.remove(Role.objects.get(code="quality_engineer"))
    assert client.get(reverse("complaints:register")).status_code == 403


def test_a_permission_taken_from_a_role_counts_at_once(make_user):
    user = make_user("qe.perm", roles=["quality_engineer"])
    assert fresh(user).has_perm("complaints.view_complaint")
    Role.objects.get(code="quality_engineer").permissions.remove(
        Permission.objects.get(codename="view_complaint", content_type__app_label="complaints")
    )
    assert not fresh(user).has_perm("complaints.view_complaint")


def test_a_deactivated_role_counts_at_once(make_user):
    user = make_user("s.role", roles=["sales_manager"], department="sales")
    assert fresh(user).has_perm("customers.import_customer")
    assert access.active_roles(fresh(user)) == {"sales_manager": Role.DataScope.SUBTREE}
    role = Role.objects.get(code="sales_manager")
    role.is_active = False
    role.save()
    assert not fresh(user).has_perm("customers.import_customer")
    assert access.active_roles(fresh(user)) == {}


def test_a_delegation_its_delegator_leaving_and_its_revocation_count_at_once(make_user):
    manager = make_user("mgr.cache", roles=["sales_manager"])
    deputy = make_user("dep.cache", roles=["staff"])
    assert not fresh(deputy).has_perm("customers.import_customer")
    delegation = services.delegate_work(
        delegator=manager,
        delegate=deputy,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=5),
        reason="出差",
        actor=manager,
    )
    assert fresh(deputy).has_perm("customers.import_customer")
    assert [person.pk for person in access.acting_for(fresh(deputy))] == [deputy.pk, manager.pk]
    # audit.save_changes writes with an UPDATE of its own, which post_save does not see.
    audit.save_changes(fresh(manager), {"is_active": False}, actor=manager)
    assert not fresh(deputy).has_perm("customers.import_customer")
    audit.save_changes(fresh(manager), {"is_active": True}, actor=manager)
    assert fresh(deputy).has_perm("customers.import_customer")
    services.revoke_delegation(delegation, actor=manager)  # audit.save_changes
    assert not fresh(deputy).has_perm("customers.import_customer")
    assert access.acting_for(fresh(deputy)) == [deputy]


def test_a_login_keeps_the_answers_and_a_change_replaces_them_again_after_commit(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user("qe.login", roles=["quality_engineer"])
    fresh(user).has_perm("complaints.view_complaint")
    stamp = cache.get(access_cache.STAMP)
    update_last_login(None, fresh(user))
    audit.save_changes(fresh(user), {"phone": "0755-1234"}, actor=user)
    assert cache.get(access_cache.STAMP) == stamp

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user.roles.clear()
    assert cache.get(access_cache.STAMP) not in (None, stamp)
    before_commit = cache.get(access_cache.STAMP)
    for callback in callbacks:
        callback()
    # A request that read the old roles before the commit stored them under the first new
    # stamp: the commit's stamp leaves them behind.
    assert cache.get(access_cache.STAMP) not in (stamp, before_commit)
