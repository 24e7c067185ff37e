"""Schema-driven fuzzing of the API: every operation of the OpenAPI schema gets valid and
invalid requests (Schemathesis generates them from the schema: boundary numbers, wrong types,
missing fields, bodies of any JSON shape), on real records as well as unknown ones. None may
answer 5xx. Bounded in examples (about 2,800 requests, ADR 0015)."""

from __future__ import annotations

import zlib

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from cqms.complaints import services as complaints
from cqms.customers import services as customers
from cqms.customers.tests.factories import make_customer

EXAMPLES = 10  # random requests per operation, beside the coverage phase's boundary cases
# The coverage phase writes hundreds of cases for a body of twenty fields. These scenarios are
# always sent (numbers at and beyond their limits, wrong types, bodies of another JSON shape,
# broken requests); of the others (string lengths, formats, patterns, enums) one in SAMPLE.
ALWAYS = {
    "minimum_value",
    "maximum_value",
    "near_boundary_number",
    "value_above_maximum",
    "value_below_minimum",
    "incorrect_type",
    "object_missing_required_property",
    "unspecified_http_method",
    "malformed_content_type",
    "unsupported_content_type",
}
SAMPLE = 4


@pytest.fixture
def connection_kept():
    """Requests go straight to the WSGI handler: keep it from closing the test's database
    connection when a request starts or ends (what Django's test client does too)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def records(db, make_user, connection_kept):
    """A manager who may do everything in the API, and records the paths can name."""
    manager = make_user(
        "fuzz.manager", roles=["sales_manager", "quality_manager"], department="sales"
    )
    customer = make_customer(manager, "K1", owner=manager)
    contact = customers.add_contact(customer, {"name": "王工"}, actor=manager)
    complaint = complaints.register_complaint(
        {
            "customer": customer,
            "received_at": customer.created_at,
            "defect_description": "划伤",
            "part_number": "P-1",
            "quantity_affected": 3,
        },
        actor=manager,
    )
    token = Token.objects.create(user=manager)
    known = {"code": "K1", "id": contact.pk, "number": complaint.number, "step": "d2"}
    return {"user": manager, "token": token.key, "known": known}


def api_schema():
    """The schema as drf-spectacular builds it (no database needed), called in-process."""
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = get_wsgi_application()
    loaded.config.generation.update(max_examples=EXAMPLES, deterministic=True)
    return loaded


schema = api_schema()  # at import: Schemathesis' fixture loader does not run on pytest 9


def chosen(case) -> bool:
    phase = case.meta.phase if case.meta else None
    if phase is None or phase.name != "coverage" or phase.data.scenario in ALWAYS:
        return True
    key = repr((case.method, case.formatted_path, case.query, case.headers, case.body))
    return zlib.crc32(key.encode()) % SAMPLE == 0  # the same cases on every run


def answer(case, records):
    cache.delete(f"throttle_user_{records['user'].pk}")  # thousands of requests a minute
    response = case.call(headers={"Authorization": f"Token {records['token']}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} {case.query} {case.headers} {case.body!r} -> "
        f"{response.status_code} {response.text[:300]}"
    )


@pytest.mark.django_db
@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_api_never_answers_a_server_error(case, records):
    if not chosen(case):
        return
    answer(case, records)
    if case.path_parameters:
        # Again on real records, so that bodies reach the code that reads and saves them.
        for name, value in records["known"].items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
        answer(case, records)
