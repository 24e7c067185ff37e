"""The legacy register imported in bulk: the same complaints, numbers, repeat links, clocks and
audit entries as `register_complaint` and `close_imported` write row by row; a reference twice in
one file is named by the check; the open complaints' owners are told by a job of its own."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import transaction
from django.utils import translation

from cqms.audit import services as audit
from cqms.audit.models import AuditEntry
from cqms.clocks.models import Clock
from cqms.complaints import bulk_import
from cqms.complaints import spreadsheets as sheets
from cqms.complaints.models import Complaint
from cqms.core.context import change_context
from cqms.customers.tests.factories import make_customer
from cqms.jobs.models import Job
from cqms.jobs.tasks import run_job
from cqms.notifications.models import Notification
from cqms.spreadsheets import importer
from cqms.spreadsheets.importer import NEW
from cqms.spreadsheets.tests.files import xlsx

pytestmark = pytest.mark.django_db

HEADER = ["客户编码", "客户投诉编号", "收到时间", "零件号", "缺陷描述", "负责人", "结案日期"]


@pytest.fixture
def manager(make_user):
    return make_user("sun.li", roles=["sales_manager"], department="sales")


def row_by_row_spec():
    return dataclasses.replace(
        sheets.import_spec(),
        prepare=None,
        save_rows=None,
        check_rows=None,
        form_kwargs=None,
        save_row=sheets.save_row,
        classify=lambda cleaned: NEW,
    )


def outcome():
    """Complaints, clocks, links and entries, ids replaced by complaint numbers."""
    numbers = {str(c.pk): c.number for c in Complaint.objects.all()}
    skip = {"created_by", "object_id", "content_type"}
    complaints = [
        {k: v for k, v in audit.snapshot(c).items() if k not in skip}
        | {"version": c.version, "repeat_of": sorted(r.number for r in c.repeat_of.all())}
        for c in Complaint.objects.order_by("number")
    ]
    clocks = sorted(
        (numbers[str(c.object_id)], c.name, str(c.due_at), str(c.done_at), c.met)
        for c in Clock.objects.all()
    )
    entries = []
    for e in AuditEntry.objects.filter(
        record_type__in=["complaints.complaint", "clocks.clock"]
    ).order_by("id"):
        changes = [
            {**c, "new": numbers.get(c["new"], c["new"])} if c["field"] == "object_id" else c
            for c in e.changes
        ]
        entries.append(
            (e.record_type, e.record_label, e.action, e.source, numbers[e.root_id], changes)
        )
    return complaints, clocks, entries


def closed_clocks_in_one_entry(entries):
    """The row-by-row trail with each clock of a closed complaint started and stopped in one
    entry, as the bulk import records it."""
    stops = {
        (e[1], e[4]): e[5][0]["new"] for e in entries if e[0] == "clocks.clock" and e[2] == "update"
    }
    merged = []
    for e in entries:
        if e[0] == "clocks.clock" and e[2] == "update":
            continue
        if e[0] == "clocks.clock" and (e[1], e[4]) in stops:
            changes = [c for c in e[5] if c["field"] != "done_at"]
            done = {"field": "done_at", "old": None, "new": stops[(e[1], e[4])]}
            names = [c["field"] for c in e[5]]
            changes.insert(_position(names, "done_at", e[5]), done)
            e = (*e[:5], changes)
        merged.append(e)
    return merged


def _position(names, field, changes):
    from cqms.clocks.models import Clock

    order = [f.name for f in Clock._meta.concrete_fields]
    later = [i for i, c in enumerate(changes) if order.index(c["field"]) > order.index(field)]
    return later[0] if later else len(changes)


def register(customer_code="C100"):
    return [
        HEADER,
        [customer_code, "Q-1", dt.datetime(2025, 3, 3, 9, 30), "P-1", "划伤", "", None],
        [customer_code, "Q-2", dt.datetime(2025, 3, 5, 10, 0), "P-1", "划伤又一次", "sun.li", None],
        [
            customer_code,
            "",
            dt.datetime(2025, 3, 4, 8, 0),
            "p-1",
            "划伤",
            "",
            dt.datetime(2025, 3, 20, 17, 0),
        ],
        [customer_code, "Q-4", dt.datetime(2025, 6, 2, 14, 0), "P-2", "尺寸超差", "", None],
    ]


def test_bulk_import_writes_the_same_complaints_clocks_and_entries_as_row_by_row(manager):
    make_customer(manager, "C100", owner=manager)
    with translation.override("zh-hans"), change_context(source="import"):
        before = outcome()
        sid = transaction.savepoint()
        report = importer.commit(row_by_row_spec(), xlsx(register()), actor=manager)
        assert report.committed, report.errors
        expected = outcome()
        transaction.savepoint_rollback(sid)
        assert outcome() == before

        report = importer.commit(sheets.import_spec(), xlsx(register()), actor=manager)
        assert report.committed, report.errors
        complaints, clocks, entries = outcome()
    assert (complaints, clocks) == expected[:2]
    assert entries == closed_clocks_in_one_entry(expected[2])
    repeats = Complaint.objects.filter(is_repeat=True).order_by("number")
    assert [c.customer_reference for c in repeats] == ["Q-2", ""]
    assert Complaint.objects.get(customer_reference="").status == Complaint.Status.CLOSED


def test_a_reference_twice_in_one_file_is_named_by_the_check(manager):
    make_customer(manager, "C100", owner=manager)
    data = register()
    data[4][1] = "q-1"
    with translation.override("en"):
        report = importer.dry_run(sheets.import_spec(), xlsx(data), actor=manager)
    assert [(e.row, e.column) for e in report.errors] == [(5, "Customer's reference")]


def test_the_owners_of_open_imported_complaints_are_told_by_a_job(manager, make_user):
    make_customer(manager, "C100", owner=manager)
    owner = make_user("qe.wu", roles=["quality_engineer"], department="quality")
    data = register()
    data[1][5] = owner.username
    with transaction.atomic():  # the job is queued once the import's transaction commits
        report = importer.commit(sheets.import_spec(), xlsx(data), actor=manager)
    assert report.committed
    job = Job.objects.get(kind=bulk_import.ANNOUNCE_KIND)
    assert len(job.params["ids"]) == 3  # the closed one needs nobody
    run_job(job.pk)
    complaint = Complaint.objects.get(customer_reference="Q-1")
    assert Notification.objects.filter(
        recipient=owner, record_type="complaints.complaint", record_id=str(complaint.pk)
    ).exists()
