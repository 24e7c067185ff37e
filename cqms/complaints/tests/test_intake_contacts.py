"""The intake's contact choice follows the chosen customer and the user's data scope."""

import pytest
from django.urls import reverse

from cqms.customers import services as customers
from cqms.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts(make_user, sales, customer):
    """A contact of the salesperson's customer and one of a colleague's customer."""
    other = make_user("sales.wu", roles=["salesperson"], department="sales")
    foreign = make_customer(other, "C900", owner=other, name="西南机电有限公司")
    own = customers.add_contact(customer, {"name": "王建国", "is_primary": True}, actor=sales)
    theirs = customers.add_contact(foreign, {"name": "赵秘密", "is_primary": True}, actor=other)
    return {"own": own, "theirs": theirs, "foreign": foreign}


def test_the_intake_lists_no_contact_outside_the_users_scope(client, sales, customer, contacts):
    client.force_login(sales)
    page = client.get(reverse("complaints:create")).content.decode()
    assert "赵秘密" not in page and "西南机电" not in page
    outside = client.get(
        reverse("complaints:intake_contacts"), {"customer": contacts["foreign"].pk}
    )
    assert outside.status_code == 200 and "赵秘密" not in outside.content.decode()


def test_the_contacts_follow_the_chosen_customer(client, sales, customer, contacts):
    client.force_login(sales)
    page = client.get(reverse("complaints:create")).content.decode()
    # Before a customer is chosen there is nothing to pick; a change of customer redraws it.
    assert "王建国" not in page
    assert 'hx-trigger="change from:#id_customer"' in page and 'id="div_id_contact"' in page
    redrawn = client.get(reverse("complaints:intake_contacts"), {"customer": customer.pk})
    html = redrawn.content.decode()
    assert "王建国" in html and "赵秘密" not in html
    assert html.lstrip().startswith('<div id="div_id_contact"')
    assert f'value="{contacts["own"].pk}"' in html


def test_who_may_not_register_gets_no_contact_list(client, make_user, customer, contacts):
    client.force_login(make_user("staff1", roles=["staff"], department="sales"))
    url = reverse("complaints:intake_contacts")
    assert client.get(url, {"customer": customer.pk}).status_code == 403


def test_a_contact_of_another_customer_is_refused_by_the_form(client, sales, customer, contacts):
    client.force_login(sales)
    response = client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "contact": contacts["theirs"].pk,
            "received_at": "2026-11-20T09:30",
            "channel": "email",
            "complaint_type": "quality",
            "part_number": "P-55",
            "quantity_affected": "12",
            "defect_description": "孔径超差",
            "severity": "normal",
            "detection_point": "incoming",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "contact" in form.errors
    html = response.content.decode()
    assert "王建国" in html and "赵秘密" not in html


def test_the_api_knows_no_contact_outside_the_users_scope(sales, customer, contacts):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(sales)
    body = {
        "customer": customer.code,
        "contact": contacts["theirs"].pk,
        "received_at": "2026-09-30T10:00:00+08:00",
        "severity": "normal",
        "defect_description": "外壳表面划伤",
        "part_number": "P-1001",
        "quantity_affected": 120,
    }
    refused = api.post("/api/v1/complaints/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert "does not exist" in str(refused.json()) and "belong" not in str(refused.json())
    accepted = api.post(
        "/api/v1/complaints/", {**body, "contact": contacts["own"].pk}, format="json"
    )
    assert accepted.status_code == 201, accepted.content
