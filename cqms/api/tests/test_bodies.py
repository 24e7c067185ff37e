"""A JSON body that is not an object answers 400 with a message in the caller's language."""

import json

import pytest
from rest_framework.test import APIClient

from cqms.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(make_user):
    manager = make_user("sun.li", roles=["sales_manager"], department="sales")
    make_customer(manager, "K1", owner=manager)
    client = APIClient()
    client.force_authenticate(manager)
    return client


@pytest.mark.parametrize("body", ["[]", '[{"name": "x"}]', "5", '"text"', "null", "true"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("patch", "/api/v1/customers/K1/"),
        ("put", "/api/v1/customers/K1/"),
        ("post", "/api/v1/customers/"),
        ("post", "/api/v1/contacts/"),
        ("post", "/api/v1/complaints/"),
        ("post", "/api/v1/customers/K1/void/"),
    ],
)
def test_a_body_that_is_not_an_object_answers_400_in_the_callers_language(api, method, path, body):
    response = getattr(api, method)(
        path, body, content_type="application/json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"detail": "请求正文必须是一个 JSON 对象。"}
    english = getattr(api, method)(
        path,
        body,
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.json() == {"detail": "The request body must be a JSON object."}


def test_a_contacts_patch_with_a_list_answers_400(api, make_user):
    created = api.post(
        "/api/v1/contacts/", {"customer": "K1", "name": "王工"}, format="json"
    ).json()
    response = api.patch(
        f"/api/v1/contacts/{created['id']}/",
        json.dumps([{"name": "x"}]),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "version", ["2147483648", "18446744073709551616", "-1", "1e400", "true", "[1]", '"1.5"']
)
def test_a_version_beyond_its_column_answers_400(api, version):
    response = api.patch(
        "/api/v1/customers/K1/",
        '{"name": "乙", "version": ' + version + "}",
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "version" in response.json()
