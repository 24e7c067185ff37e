"""The complaint API contract: other tools rely on exactly this shape."""

import pytest
from rest_framework.test import APIClient

from cqms.complaints.models import Complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(sales):
    client = APIClient()
    client.force_authenticate(sales)
    return client


PAYLOAD = {
    "customer": "C100",
    "received_at": "2026-09-30T10:00:00+08:00",
    "severity": "normal",
    "defect_description": "外壳表面划伤",
    "part_number": "P-1001",
    "quantity_affected": 120,
}


def test_post_registers_and_answers_number_and_clocks(api, customer):
    response = api.post("/api/v1/complaints/", PAYLOAD, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "KS2026-0001"
    clocks = {c["name"]: c for c in body["clocks"]}
    assert list(clocks) == ["acknowledgement", "containment", "corrective_action", "closure"]
    assert clocks["containment"]["due_at"] == "2026-10-01T10:00:00+08:00"
    assert clocks["corrective_action"]["due_at"] == "2026-10-10T10:00:00+08:00"
    assert clocks["containment"]["done_at"] is None and clocks["containment"]["met"] is None


def test_get_returns_the_same_shape_plus_the_8d_steps(api, customer):
    number = api.post("/api/v1/complaints/", PAYLOAD, format="json").json()["number"]
    body = api.get(f"/api/v1/complaints/{number}/").json()
    assert body["number"] == number and len(body["clocks"]) == 4
    assert [s["step"] for s in body["steps"]] == [
        "d0",
        "d1",
        "d2",
        "d3",
        "d4",
        "d5",
        "d6",
        "d7",
        "d8",
    ]
    assert body["steps"][0]["status"] == "not_started"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"customer": "NOPE"}, "customer"),
        ({"severity": "whenever"}, "severity"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"quantity_affected": -3}, "quantity_affected"),
        ({"defect_description": ""}, "defect_description"),
        ({"part_number": None}, "part_number"),
        ({"received_at": "2099-01-01T08:00:00+08:00"}, "received_at"),
    ],
)
def test_invalid_input_answers_400_with_field_errors(api, customer, change, field):
    response = api.post("/api/v1/complaints/", {**PAYLOAD, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Complaint.objects.count() == 0


def test_missing_fields_and_garbage_never_cause_500(api, customer):
    for body in ({}, {"customer": ["C100"]}, {"quantity_affected": "many"}, []):
        response = api.post("/api/v1/complaints/", body, format="json")
        assert response.status_code == 400


def test_customers_outside_the_scope_are_unknown(make_user, customer):
    outsider = make_user("out", roles=["salesperson"], department="finance")
    client = APIClient()
    client.force_authenticate(outsider)
    response = client.post("/api/v1/complaints/", PAYLOAD, format="json")
    assert response.status_code == 400 and "customer" in response.json()


def test_the_list_is_scoped_and_filtered(api, customer, make_user):
    api.post("/api/v1/complaints/", PAYLOAD, format="json")
    api.post(
        "/api/v1/complaints/", {**PAYLOAD, "severity": "urgent", "part_number": "X"}, format="json"
    )
    data = api.get("/api/v1/complaints/", {"severity": "urgent"}).json()
    assert [row["severity"] for row in data["results"]] == ["urgent"]
    stranger = make_user("far", roles=["staff"], department="finance")
    client = APIClient()
    client.force_authenticate(stranger)
    assert client.get("/api/v1/complaints/").json()["count"] == 0
