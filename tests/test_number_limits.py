"""Every number field takes exactly its column's range, on SQLite and on PostgreSQL: the limits
are accepted and stored whole, one beyond them is refused with a message (forms, API,
imports), and a number that slips past them is never stored changed."""

from __future__ import annotations

import importlib
import pkgutil
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.core import validators
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DataError, connection, models, transaction
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

import cqms
from cqms.complaints.models import Complaint
from cqms.complaints.spreadsheets import import_spec
from cqms.core import limits
from cqms.customers.tests.factories import make_customer
from cqms.jobs.models import Job
from cqms.spreadsheets import importer

pytestmark = pytest.mark.django_db

INT4_MAX = 2**31 - 1
COMPLAINT = {
    "customer": "C100",
    "received_at": "2026-09-30T10:00:00+08:00",
    "severity": "normal",
    "defect_description": "外壳表面划伤",
    "part_number": "P-1001",
    "quantity_affected": 120,
}


def edges(low, high, step=1):
    """(value, fits) for the limits and one step beyond them."""
    return [(low - step, False), (low, True), (high, True), (high + step, False)]


# --- The database: nothing slips through changed ------------------------------------------------


@pytest.mark.parametrize("value", [2**32 + 5, 3_000_000_000, 2**63, 2**64 + 5])
def test_an_integer_beyond_its_column_is_refused_by_the_database_never_stored_changed(value):
    """An ORM update bypasses validation. PostgreSQL with parameters bound on the server once
    stored 2**32 + 5 as 5 (psycopg's binary int4 dumper kept the low 32 bits). It is prepared
    from the second run (ADR 0013), so it runs three times."""
    job = Job.objects.create(kind="test", done=7)
    for _ in range(3):
        try:
            with transaction.atomic():
                Job.objects.filter(pk=job.pk).update(done=value)
        except DataError:  # as PostgreSQL refuses it
            assert connection.vendor == "postgresql"
            assert Job.objects.get(pk=job.pk).done == 7
        except OverflowError:  # Python's sqlite3 takes at most 64 bits
            assert connection.vendor == "sqlite" and value >= 2**63
            assert Job.objects.get(pk=job.pk).done == 7
        else:
            assert connection.vendor == "sqlite"  # SQLite keeps 64 bits in any column
            assert Job.objects.get(pk=job.pk).done == value


def test_integers_bound_on_the_server_arrive_whole_or_not_at_all():
    if connection.vendor != "postgresql":
        pytest.skip("binding of PostgreSQL parameters")
    from psycopg.types.numeric import Int2, Int4, Int8

    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    for wrapper, bits in ((Int2, 16), (Int4, 32), (Int8, 64)):
        high = 2 ** (bits - 1) - 1
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::text, %s::text", [wrapper(high), wrapper(-high - 1)])
            assert cursor.fetchone() == (str(high), str(-high - 1))
        for beyond in (high + 1, -high - 2, 2**bits + 5):
            with pytest.raises(DataError, match="out of range"), connection.cursor() as cursor:
                cursor.execute("SELECT %s::text", [wrapper(beyond)])


# --- Models: every number field knows its column's range ----------------------------------------


def effective_range(field, low, high):
    """The column's range, narrowed by the field's own validators (a width of at least 1)."""
    for v in field.validators:
        if isinstance(v, validators.MinValueValidator | validators.MaxValueValidator):
            limit = v.limit_value() if callable(v.limit_value) else v.limit_value
            if isinstance(v, validators.MinValueValidator):
                low = max(low, limit)
            else:
                high = min(high, limit)
    return low, high


def test_every_number_field_of_every_model_validates_its_columns_range():
    checked = 0
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            bounds = limits.field_range(field)
            if bounds is None or isinstance(field, models.AutoField):
                continue
            decimal = isinstance(field, models.DecimalField)
            step = Decimal(10) ** -field.decimal_places if decimal else 1
            for value, fits in edges(*effective_range(field, *bounds), step):
                try:
                    field.run_validators(value)
                    ok = True
                except ValidationError:
                    ok = False
                assert ok == fits, f"{model.__name__}.{field.name} = {value}"
            checked += 1
    assert checked > 40


# --- Forms: every model form of the pages -------------------------------------------------------


RANGE_CODES = {"min_value", "max_value", "max_digits", "max_whole_digits"}


def _model_forms():
    for module in pkgutil.walk_packages(cqms.__path__, "cqms."):
        if ".tests" not in module.name and ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, todo = [], [forms.ModelForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("cqms.") and getattr(sub._meta, "model", None):
                found.append(sub)
    return found


def test_every_model_form_refuses_numbers_beyond_their_columns(make_user, settings):
    settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
    checked = []
    for form_class in _model_forms():
        model = form_class._meta.model
        for name, form_field in form_class.base_fields.items():
            if not isinstance(form_field, forms.IntegerField | forms.DecimalField):
                continue
            try:
                bounds = limits.field_range(model._meta.get_field(name))
            except FieldDoesNotExist:  # a form field of its own
                continue
            if bounds is None:
                continue
            model_field = model._meta.get_field(name)
            step = Decimal(10) ** -getattr(model_field, "decimal_places", 0)
            for value, fits in edges(*effective_range(model_field, *bounds), step):
                form = form_class(data={name: str(value)})
                form.is_valid()
                limits.check_form_numbers(form)  # what the importer adds to its forms
                codes = {e.code for e in form.errors.as_data().get(name, [])}
                if fits:  # other rules may refuse it (a year needs its holidays), not the range
                    assert not codes & RANGE_CODES, (form_class, name, value, form.errors)
                else:
                    assert name in form.errors, (form_class, name, value)
            checked.append(f"{form_class.__name__}.{name}")
    assert "ComplaintIntakeForm.quantity_affected" in checked
    assert "ContainmentRowForm.quantity_checked" in checked
    assert "NodeForm.time_limit_hours" in checked


def test_the_register_page_refuses_a_quantity_beyond_its_column(client, make_user):
    from django.urls import reverse

    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    make_customer(sales, "C100", owner=sales)
    client.force_login(sales)
    customer = Complaint._meta.get_field("customer").related_model.objects.get(code="C100")
    data = {
        "customer": customer.pk,
        "received_at": "2026-09-30T10:00",
        "channel": "email",
        "complaint_type": "quality",
        "severity": "normal",
        "detection_point": "incoming",
        "defect_description": "划伤",
        "part_number": "P-1",
        "quantity_affected": str(2**32 + 5),
    }
    response = client.post(reverse("complaints:create"), data)
    assert response.status_code == 200
    assert "2147483647" in response.content.decode()
    assert not Complaint.objects.exists()


# --- API: every number in every request body ---------------------------------------------------

# A valid body for each operation whose request has numbers; a new one must be added here.
VALID_BODIES = {("post", "/api/v1/complaints/"): {**COMPLAINT, "quantity_affected": 0}}


def _number_properties(schema: dict):
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not body or "$ref" not in body["schema"]:
                continue
            component = components[body["schema"]["$ref"].rsplit("/", 1)[-1]]
            for name, prop in component.get("properties", {}).items():
                if prop.get("type") in ("integer", "number") and not prop.get("readOnly"):
                    yield method, path, name, prop


def test_every_number_of_every_api_request_has_its_columns_limits(make_user):
    make_customer(make_user("sales.li", roles=["salesperson"], department="sales"), "C100")
    sales = make_user("sales.wu", roles=["salesperson"], department="sales")
    api = APIClient()
    api.force_authenticate(sales)
    customer = make_customer(sales, "C100B", owner=sales)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    seen = []
    for method, path, name, prop in _number_properties(schema):
        seen.append((method, path, name))
        assert (method, path) in VALID_BODIES, f"add a valid body for {method} {path}"
        if "minimum" in prop or "maximum" in prop:
            cases = edges(prop["minimum"], prop["maximum"])
        else:  # the id of a related record: no such record, never a failure
            cases = [(-(2**63) - 1, False), (2**31, False), (2**64 + 5, False)]
        for value, fits in cases:
            body = {**VALID_BODIES[(method, path)], "customer": customer.code, name: value}
            before = Complaint.objects.count()
            response = getattr(api, method)(path, body, format="json")
            if fits:
                assert response.status_code == 201, (name, value, response.content)
                stored = Complaint.objects.get(number=response.json()["number"])
                assert getattr(stored, name) == value  # the limit itself, stored whole
            else:
                assert response.status_code == 400, (name, value, response.content)
                assert name in response.json() and Complaint.objects.count() == before
    assert ("post", "/api/v1/complaints/", "quantity_delivered") in seen
    assert ("post", "/api/v1/complaints/", "quantity_affected") in seen
    assert INT4_MAX in [prop.get("maximum") for *_, prop in _number_properties(schema)]


# --- Imports -----------------------------------------------------------------------------------


def test_the_complaint_import_refuses_quantities_beyond_their_column(make_user):
    """The import form leaves model validation to the service; the importer checks ranges."""
    import datetime as dt

    from cqms.spreadsheets.tests.files import xlsx

    sales = make_user("sales.li", roles=["salesperson"], department="sales")
    make_customer(sales, "C100", owner=sales)
    header = ["客户编码", "收到时间", "零件号", "缺陷描述", "交货数量", "数量"]
    received = dt.datetime(2025, 3, 1, 9, 30)
    sheet = [header]
    for value, _fits in edges(0, INT4_MAX):
        sheet.append(["C100", received, "P-1", "划伤", INT4_MAX, value])
        sheet.append(["C100", received, "P-1", "划伤", value, 0])
    sheet.append(["C100", received, "P-1", "划伤", 2**32 + 5, 0])
    report = importer.dry_run(import_spec(), xlsx(sheet))
    refused = sorted({error.row for error in report.errors})
    assert refused == [2, 3, 8, 9, 10], report.errors
    assert report.new == 4


def test_validators_are_not_in_migrations():
    field = Complaint._meta.get_field("quantity_affected")
    assert field.deconstruct()[3].get("validators") is None
    assert any(isinstance(v, validators.MaxValueValidator) for v in field.validators)
