"""A database still locked after its busy timeout (SQLite: another writer holds the lock) is
"busy, try again" (503 with Retry-After, in the person's language), never a 500; scheduled tasks
try again."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from cqms.core.database import is_busy, retry_when_busy
from cqms.customers.models import Customer
from cqms.jobs.tasks import readable_error

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single write lock")

CUSTOMER = {
    "code": "NEW1",
    "name": "新客户有限公司",
    "classification": "key",
    "grade": "A",
    "industry": "automotive",
    "document_language": "zh",
    "country": "中国",
    "status": "active",
}


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_save_on_a_locked_database_is_a_translated_503_page(client, make_user):
    manager = make_user("sun.li", roles=["sales_manager"], department="sales")
    client.force_login(manager)
    client.get(reverse("customers:list"))  # the session is written before the lock
    request = _locked(
        client.post, reverse("customers:create"), CUSTOMER, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert request.status_code == 503
    assert request["Retry-After"] == "5"
    assert "数据库正忙" in request.content.decode()
    assert not Customer.objects.filter(code="NEW1").exists()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_an_api_save_on_a_locked_database_is_503_busy(make_user):
    manager = make_user("sun.li", roles=["sales_manager"], department="sales")
    api = APIClient()
    api.force_authenticate(manager)
    response = _locked(
        api.post,
        "/api/v1/customers/",
        {"code": "API1", "name": "接口客户"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 503
    assert response.json()["code"] == "busy"
    assert "busy" in response.json()["detail"]


def _locked(send, *args, **kwargs):
    """Send while another process holds SQLite's write lock on the same file, with a short busy
    timeout here (the setting's 20 s would only make the test slow)."""
    options = connection.settings_dict["OPTIONS"]
    timeout = options["timeout"]
    options["timeout"] = 0.2
    connection.close()
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        return send(*args, **kwargs)
    finally:
        other.execute("ROLLBACK")
        other.close()
        options["timeout"] = timeout
        connection.close()


def test_busy_errors_are_told_apart_from_other_database_errors():
    assert is_busy(OperationalError("database is locked"))
    assert not is_busy(OperationalError("no such table: x"))
    assert not is_busy(ValueError("database is locked"))
    with translation.override("en"):
        assert "busy" in readable_error(OperationalError("database is locked"))


def test_scheduled_work_is_tried_again_when_the_database_was_busy():
    calls = []

    @retry_when_busy(attempts=3, wait=0)
    def task():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("database is locked")
        return "done"

    assert task() == "done" and len(calls) == 3

    @retry_when_busy(attempts=3, wait=0)
    def broken():
        calls.append(1)
        raise OperationalError("no such table: x")

    calls.clear()
    with pytest.raises(OperationalError):
        broken()
    assert len(calls) == 1
