"""The customer import in bulk: the same customers and audit entries as the services write row by
row, all or nothing, a constant number of statements whatever the rows, rows checked again when a
customer of the file changed meanwhile, and other people's saves never locked out."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from django.db import connection, transaction
from django.db.models import Q

from cqms.audit import services as audit
from cqms.audit.models import AuditEntry
from cqms.core.context import change_context
from cqms.customers import services
from cqms.customers import spreadsheets as sheets
from cqms.customers.models import Customer
from cqms.spreadsheets import importer
from cqms.spreadsheets.importer import NEW, UNCHANGED, UPDATED
from cqms.spreadsheets.tests.files import xlsx

from .factories import make_customer

pytestmark = pytest.mark.django_db

HEADER = ["客户编码", "客户名称", "英文名称", "等级", "电话", "客户经理", "负责部门"]


@pytest.fixture
def manager(make_user):
    return make_user("sun.li", roles=["sales_manager"], department="sales")


def save_row(cleaned: dict, *, actor) -> str:
    """The row-by-row import as it was: one service call per row."""
    customer = Customer.objects.filter(code__iexact=cleaned["code"]).first()
    if customer is None:
        services.create_customer(sheets._values(cleaned, None), actor=actor)
        return NEW
    values = sheets._values(cleaned, customer)
    if not values:
        return UNCHANGED
    services.update_customer(customer, values, actor=actor, expected_version=customer.version)
    return UPDATED


def row_by_row_spec():
    return dataclasses.replace(
        sheets.import_spec(),
        prepare=None,
        save_rows=None,
        save_row=save_row,
        classify=lambda cleaned: NEW,
        form_kwargs=lambda data: {
            "instance": Customer.objects.filter(code__iexact=data.get("code")).first() or Customer()
        },
    )


def outcome():
    """The customers and their entries, without ids and times."""
    customers = [
        {k: v for k, v in audit.snapshot(c).items() if k not in ("created_by",)}
        | {"version": c.version}
        for c in Customer.objects.order_by("code")
    ]
    entries = [
        (e.record_type, e.record_label, e.action, e.source, e.actor_name, e.changes)
        for e in AuditEntry.objects.filter(record_type="customers.customer").order_by("id")
    ]
    return customers, entries


def file(sales_user):
    return [
        HEADER,
        ["N001", "新客户一", "New One", "A", "+86 1", sales_user.username, ""],
        ["c100", "测试客户C100", "", "B", "+86 2", "", ""],  # an update, code in another case
        ["N002", "新客户二", "", "", "", "", "营业部"],
        ["C101", "测试客户C101", "Test Customer C101", "", "", "", ""],  # unchanged
    ]


def test_bulk_import_writes_the_same_customers_and_entries_as_the_services(manager):
    make_customer(manager, "C100", owner=manager)
    make_customer(manager, "C101", owner=manager)
    with change_context(source="import"):
        before = outcome()
    sid = transaction.savepoint()
    report = importer.commit(row_by_row_spec(), xlsx(file(manager)), actor=manager)
    assert report.committed, report.errors
    expected = outcome()
    transaction.savepoint_rollback(sid)
    assert outcome() == before

    report = importer.commit(sheets.import_spec(), xlsx(file(manager)), actor=manager)
    assert report.committed, report.errors
    assert (report.new, report.updated, report.unchanged) == (2, 1, 1)
    assert outcome() == expected
    assert Customer.objects.get(code="C100").version == 2


def test_a_row_outside_the_importers_scope_writes_nothing_and_is_named(make_user, manager):
    salesperson = make_user("li.na", roles=["salesperson"], department="sales")
    make_customer(manager, "C100", owner=manager)
    entries = AuditEntry.objects.count()
    upload = xlsx(
        [HEADER, ["N001", "新客户一", "", "", "", "", ""], ["C100", "改名", "", "", "", "", ""]]
    )
    report = importer.commit(sheets.import_spec(), upload, actor=salesperson)
    assert not report.committed
    assert [e.row for e in report.errors] == [3]
    assert not Customer.objects.filter(code="N001").exists()
    assert AuditEntry.objects.count() == entries


def statements(spec, upload, actor) -> tuple[int, int]:
    """(all statements, statements inside the write transaction) of one commit."""
    seen = []

    def record(execute, sql, params, many, context):
        seen.append(connection.in_atomic_block)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        report = importer.commit(spec, upload, actor=actor)
    assert report.committed, report.errors
    return len(seen), sum(seen)


def rows(start: int, count: int, owner) -> list:
    data = [HEADER]
    data += [
        [f"N{i:04d}", f"客户{i}", "", "A", "", owner.username, ""] for i in range(start, count)
    ]
    return data


@pytest.mark.django_db(transaction=True)
def test_the_number_of_statements_does_not_grow_with_the_rows(make_user):
    manager = make_user("sun.li", roles=["sales_manager"], department="sales")
    spec = sheets.import_spec()
    statements(spec, xlsx(rows(0, 5, manager)), manager)  # first use: caches, chain head
    small = statements(spec, xlsx(rows(5, 25, manager)), manager)
    large = statements(spec, xlsx(rows(25, 85, manager)), manager)
    assert small == large
    assert Customer.objects.count() == 85


def test_a_customer_changed_between_check_and_write_is_checked_again(manager):
    customer = make_customer(manager, "C100", owner=manager, phone="+86 0")
    real = sheets.import_spec()
    calls = []

    def save_rows_meanwhile(rows, **kwargs):
        plan = real.save_rows(rows, **kwargs)
        if not calls:  # someone saves the customer while the import prepares
            fresh = Customer.objects.get(pk=customer.pk)
            services.update_customer(
                fresh, {"name_en": "Changed Meanwhile"}, actor=manager, expected_version=1
            )
        calls.append(len(rows))
        return plan

    spec = dataclasses.replace(real, save_rows=save_rows_meanwhile)
    upload = xlsx([HEADER, ["C100", "测试客户C100", "", "B", "+86 9", "", ""]])
    report = importer.commit(spec, upload, actor=manager)
    assert report.committed, report.errors
    assert calls == [1, 1]  # prepared twice: the first plan was stale
    customer.refresh_from_db()
    assert (customer.name_en, customer.phone, customer.grade) == ("Changed Meanwhile", "+86 9", "B")
    assert customer.version == 3


@pytest.mark.django_db(transaction=True)
def test_other_peoples_saves_during_an_import_all_succeed(make_user):
    manager = make_user("sun.li", roles=["sales_manager"], department="sales")
    other = make_customer(manager, "Z999", owner=manager)
    done = threading.Event()
    results = []

    def save_meanwhile():
        try:
            while not done.is_set():
                fresh = Customer.objects.get(pk=other.pk)
                try:
                    services.update_customer(
                        fresh,
                        {"phone": f"+86 {len(results)}"},
                        actor=manager,
                        expected_version=fresh.version,
                    )
                    results.append("saved")
                except Exception as error:  # the outcome under test
                    results.append(repr(error))
        finally:
            connection.close()

    thread = threading.Thread(target=save_meanwhile)
    thread.start()
    try:
        report = importer.commit(sheets.import_spec(), xlsx(rows(0, 400, manager)), actor=manager)
    finally:
        done.set()
        thread.join()
    assert report.committed, report.errors
    assert results and set(results) == {"saved"}
    assert Customer.objects.filter(Q(code__startswith="N")).count() == 400
    assert Customer.objects.get(pk=other.pk).version == len(results) + 1
