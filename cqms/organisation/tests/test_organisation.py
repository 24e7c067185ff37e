import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError
from cqms.organisation import access, services
from cqms.organisation.models import Department, Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)


def test_departments_the_procedures_name_are_seeded_as_a_tree():
    codes = set(Department.objects.values_list("code", flat=True))
    assert {
        "sales",
        "quality",
        "engineering",
        "process",
        "production",
        "planning",
        "purchasing",
        "warehouse",
        "finance",
        "gm_office",
        "management_representative",
    } <= codes
    sales = Department.objects.get(code="sales")
    below = Department.objects.descendants(sales, include_self=True)
    assert set(below.values_list("code", flat=True)) == {"sales", "customer_service"}


def test_roles_hold_permissions_and_a_data_scope(make_user):
    salesperson = make_user("s1", roles=["salesperson"])
    assert salesperson.has_perm("customers.add_customer")
    assert not salesperson.has_perm("customers.void_customer")
    assert access.data_scope(salesperson) == Role.DataScope.OWN
    both = make_user("s2", roles=["salesperson", "department_head"])
    assert access.data_scope(both) == Role.DataScope.SUBTREE  # the widest role wins


def test_own_and_role_permissions_are_read_in_one_statement(make_user, django_assert_num_queries):
    from django.contrib.auth.models import Permission

    user = make_user("s4", roles=["salesperson"])
    user.user_permissions.add(Permission.objects.get(codename="void_customer"))
    user = type(user).objects.get(pk=user.pk)
    access.acting_for(user)  # the delegations, which the data scope reads anyway
    with django_assert_num_queries(1):
        permissions = user.get_all_permissions()
    assert {"customers.void_customer", "customers.add_customer"} <= permissions
    assert user.get_user_permissions() == {"customers.void_customer"}
    assert "customers.add_customer" in user.get_group_permissions()


def test_an_inactive_role_grants_nothing(make_user):
    user = make_user("s3", roles=["sales_manager"])
    Role.objects.filter(code="sales_manager").update(is_active=False)
    fresh = type(user).objects.get(pk=user.pk)
    assert not fresh.has_perm("customers.import_customer")
    assert access.data_scope(fresh) == Role.DataScope.OWN


def test_a_delegate_holds_the_delegators_permissions_during_the_period(make_user):
    manager = make_user("mgr", roles=["sales_manager"])
    deputy = make_user("dep", roles=["staff"])
    assert not deputy.has_perm("customers.import_customer")
    services.delegate_work(
        delegator=manager,
        delegate=deputy,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=5),
        reason="出差",
        actor=manager,
    )
    deputy = type(deputy).objects.get(pk=deputy.pk)
    assert deputy.has_perm("customers.import_customer")
    assert AuditEntry.objects.filter(record_type="organisation.delegation").count() == 1


def test_overlapping_delegations_are_refused(make_user):
    manager, a, b = make_user("m"), make_user("a"), make_user("b")
    today = timezone.localdate()
    services.delegate_work(
        delegator=manager,
        delegate=a,
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        reason="",
        actor=manager,
    )
    with pytest.raises(BusinessRuleError):
        services.delegate_work(
            delegator=manager,
            delegate=b,
            starts_on=today + dt.timedelta(days=2),
            ends_on=today + dt.timedelta(days=9),
            reason="",
            actor=manager,
        )


def test_only_the_delegator_or_an_administrator_delegates(make_user):
    manager, other = make_user("m"), make_user("o", roles=["salesperson"])
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.delegate_work(
            delegator=manager,
            delegate=other,
            starts_on=today,
            ends_on=today,
            reason="",
            actor=other,
        )


def test_delegation_page_creates_and_revokes(client, make_user):
    manager = make_user("m", roles=["sales_manager"])
    deputy = make_user("d", roles=["salesperson"])
    client.force_login(manager)
    today = timezone.localdate()
    response = client.post(
        reverse("organisation:delegations"),
        {
            "delegate": deputy.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=2)).isoformat(),
            "reason": "年假",
        },
    )
    assert response.status_code == 302
    delegation = manager.delegations_given.get()
    client.post(reverse("organisation:revoke_delegation", args=[delegation.pk]))
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    assert AuditEntry.objects.filter(
        record_type="organisation.delegation", action="update"
    ).exists()


def test_the_delegate_sees_the_work_on_my_work(client, make_user):
    manager = make_user("m", roles=["sales_manager"], first_name="丽", last_name="孙")
    deputy = make_user("d", roles=["salesperson"])
    today = timezone.localdate()
    services.delegate_work(
        delegator=manager, delegate=deputy, starts_on=today, ends_on=today, reason="", actor=manager
    )
    client.force_login(deputy)
    assert "孙丽" in client.get(reverse("home")).content.decode()


def test_role_changes_in_the_admin_are_audited(admin_client, make_user):
    user = make_user("s", roles=["salesperson"])
    role = Role.objects.get(code="quality_manager")
    response = admin_client.post(
        reverse("admin:organisation_user_change", args=[user.pk]),
        {
            "username": "s",
            "first_name": "Test",
            "last_name": "S",
            "email": "s@example.com",
            "department": user.department_id,
            "language": "zh-hans",
            "roles": [role.pk],
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(record_type="organisation.user", action="update").latest("id")
    assert any(change["field"] == "roles" for change in entry.changes)


def test_an_idle_session_ends(client, make_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 60
    client.force_login(make_user("idle"))
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["last_seen"] = int(timezone.now().timestamp()) - 120
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_profile_saves_the_language(client, make_user):
    user = make_user("p")
    client.force_login(user)
    response = client.post(
        reverse("organisation:profile"),
        {
            "save_profile": "1",
            "email": "p@example.com",
            "phone": "",
            "language": "en",
            "wecom_user_id": "",
            "dingtalk_user_id": "",
            "feishu_open_id": "",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    assert response.cookies["django_language"].value == "en"


def test_api_token_is_created_and_replaced(client, make_user):
    from rest_framework.authtoken.models import Token

    user = make_user("t")
    client.force_login(user)
    client.post(reverse("organisation:api_token"))
    first = Token.objects.get(user=user).key
    client.post(reverse("organisation:api_token"))
    assert Token.objects.get(user=user).key != first


def test_organisation_chart_lists_departments_and_people(client, make_user):
    make_user(
        "chart.person", roles=["staff"], department="quality", first_name="静", last_name="李"
    )
    client.force_login(make_user("viewer"))
    html = client.get(reverse("organisation:chart")).content.decode()
    assert "李静" in html and "品质部" in html


def test_the_language_switch_is_remembered_on_the_account(client, make_user):
    user = make_user("lang")
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    assert "My work" in client.get(reverse("home")).content.decode()


def test_user_search_finds_active_people_by_name_or_user_name(client, make_user):
    make_user("zhou.ming", first_name="明", last_name="周", department="sales")
    make_user("gone", first_name="走", last_name="李", is_active=False)
    client.force_login(make_user("viewer"))
    found = client.get(reverse("organisation:user_search"), {"q": "周"}).json()["results"]
    assert [r["text"].split(" ")[0] for r in found] == ["周明"]
    assert client.get(reverse("organisation:user_search"), {"q": "gone"}).json()["results"] == []


def test_user_picker_renders_only_the_chosen_user(make_user):
    from cqms.customers.forms import CustomerForm

    chosen = make_user("chosen", first_name="选", last_name="被")
    for i in range(5):
        make_user(f"other{i}")
    html = str(CustomerForm(initial={"owner": chosen.pk})["owner"])
    assert "被选" in html and "other0" not in html
    assert 'data-search-url="/organisation/users/search/"' in html
