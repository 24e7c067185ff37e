import pytest
from rest_framework.test import APIClient

from cqms.customers.models import Customer

from .factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user("sun.li", roles=["sales_manager"], department="sales")


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def test_list_is_filtered_scoped_and_paginated(api, manager, make_user):
    make_customer(manager, "K1", classification="key")
    make_customer(manager, "N1", classification="normal")
    stranger = make_user("x", roles=["sales_manager"], department="quality")
    make_customer(stranger, "X1", classification="key")
    data = api.get("/api/v1/customers/", {"classification": "key"}).json()
    assert [row["code"] for row in data["results"]] == ["K1"]
    assert data["count"] == 1


def test_token_authentication(manager):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=manager)
    client = APIClient()
    assert client.get("/api/v1/customers/").status_code in (401, 403)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/customers/").status_code == 200


def test_create_with_field_errors_answers_400(api):
    response = api.post("/api/v1/customers/", {"name": "", "grade": "Z"}, format="json")
    assert response.status_code == 400
    assert {"name", "grade"} <= response.json().keys()


def test_create_and_read_by_code(api):
    response = api.post("/api/v1/customers/", {"code": "API1", "name": "接口客户"}, format="json")
    assert response.status_code == 201, response.content
    detail = api.get("/api/v1/customers/API1/")
    assert detail.json()["name"] == "接口客户"
    assert detail["ETag"] == '"1"'


def test_update_needs_the_current_version(api, manager):
    make_customer(manager, "U1", name="甲")
    assert api.patch("/api/v1/customers/U1/", {"name": "乙"}, format="json").status_code == 400
    ok = api.patch("/api/v1/customers/U1/", {"name": "乙"}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.patch("/api/v1/customers/U1/", {"name": "丙"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert Customer.objects.get(code="U1").name == "乙"


def test_api_permissions_match_the_pages(make_user, manager):
    make_customer(manager, "P1")
    staff = make_user("staff1", roles=["staff"], department="sales")
    client = APIClient()
    client.force_authenticate(staff)
    assert client.get("/api/v1/customers/P1/").status_code == 200  # view within department
    assert client.post("/api/v1/customers/", {"name": "x"}, format="json").status_code == 403
    outsider = make_user("out", roles=["staff"], department="finance")
    client.force_authenticate(outsider)
    assert client.get("/api/v1/customers/P1/").status_code == 404
    nobody = make_user("nobody", roles=[], department="sales")
    client.force_authenticate(nobody)
    assert client.get("/api/v1/customers/").status_code == 403


def test_void_through_the_api(api, manager):
    make_customer(manager, "VO1")
    response = api.post(
        "/api/v1/customers/VO1/void/", {"reason": "重复", "version": 1}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "voided"


def test_contacts_filter_by_customer_code(api, manager):
    from cqms.customers import services

    a = make_customer(manager, "CA")
    b = make_customer(manager, "CB")
    services.add_contact(a, {"name": "张伟"}, actor=manager)
    services.add_contact(b, {"name": "李强"}, actor=manager)
    data = api.get("/api/v1/contacts/", {"customer": "CA"}).json()
    assert [row["name"] for row in data["results"]] == ["张伟"]
    created = api.post(
        "/api/v1/contacts/", {"customer": "CB", "name": "王静", "role": "quality"}, format="json"
    )
    assert created.status_code == 201, created.content


def test_openapi_schema_and_offline_docs(api):
    schema = api.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/customers/" in schema.content
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn.jsdelivr" not in docs.content and b"unpkg" not in docs.content
