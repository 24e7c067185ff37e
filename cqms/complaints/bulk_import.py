"""The legacy register's rows registered all at once, as `services.register_complaint` and
`spreadsheets.close_imported` register them one by one: the same complaints, numbers, repeat
links, clocks and audit entries, except that the clocks of a complaint closed in the old
register are recorded once, already stopped, not started and stopped.

What the file refers to is loaded in a few queries (`RegisterLookups`); the rows are checked in
memory and prepared before the write transaction (`plan`), which then only takes the numbers,
inserts and chains the entries. If a complaint, customer, policy or number of the file moved on
meanwhile, the rows are checked again (`RegisterLookups.stale`).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.audit import bulk
from cqms.audit import services as audit_services
from cqms.audit.models import AuditEntry
from cqms.clocks.models import Clock
from cqms.core.errors import BusinessRuleError
from cqms.customers.models import Customer
from cqms.jobs.services import start_job
from cqms.numbering.services import next_numbers, preview_numbers
from cqms.organisation import access, lookups
from cqms.workdays import calendar

from . import services
from .models import Complaint, DefectCategory, SlaPolicy, SlaRule

CHUNK = 500
ANNOUNCE_KIND = "complaints.import.announce"
# Changes to these since the rows were checked make them stale.
WATCHED = [
    "complaints.complaint",
    "customers.customer",
    "complaints.slapolicy",
    "complaints.slarule",
    "complaints.defectcategory",
    "numbering.numberingrule",
]


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class RegisterLookups:
    """What a legacy register refers to: its customers (by code, any case), defect categories,
    people, departments, SLA policies and the references already registered."""

    def __init__(self, rows: list[dict], *, actor=None):
        self.actor = actor
        self.started = timezone.now()
        self.last_entry = AuditEntry.objects.aggregate(top=Max("pk"))["top"] or 0
        codes = {lookups.key(row.get("customer")) for row in rows} - {""}
        usable = Customer.objects.exclude(status=Customer.Status.VOIDED)
        pks = [pk for pk, code in usable.values_list("pk", "code") if code.upper() in codes]
        found = []
        for chunk in _chunks(pks):
            found += usable.filter(pk__in=chunk)
        self.customers: dict[str, Customer] = {}
        for customer in sorted(found, key=lambda c: c.code):  # the model's order, as .first()
            self.customers.setdefault(customer.code.upper(), customer)
        self.customer_ids = {c.pk for c in self.customers.values()}
        self.categories = lookups.CodeNameLookup(DefectCategory.objects.filter(is_active=True))
        self.users = lookups.UserLookup()
        self.departments = lookups.DepartmentLookup()
        self.references = set()
        for chunk in _chunks(sorted(self.customer_ids)):
            registered = Complaint.objects.filter(customer_id__in=chunk, revision=0).exclude(
                customer_reference=""
            )
            self.references.update(
                (customer_id, reference.upper())
                for customer_id, reference in registered.values_list(
                    "customer_id", "customer_reference"
                )
            )
        self.visible: set[int] | None = None
        if actor is not None:
            self.visible = set()
            for chunk in _chunks(sorted(self.customer_ids)):
                scope = access.visible(actor, Customer.objects.filter(pk__in=chunk))
                self.visible.update(scope.values_list("pk", flat=True))

    def customer(self, code) -> Customer | None:
        return self.customers.get(lookups.key(code))

    def registered(self, customer, reference: str) -> bool:
        return (customer.pk, reference.strip().upper()) in self.references

    def stale(self) -> bool:
        """Something the rows were checked against changed since (every change is audited):
        a complaint or customer of the file's customers, an SLA policy or rule, a defect category
        or a numbering rule."""
        changed = AuditEntry.objects.filter(pk__gt=self.last_entry, root_type__in=WATCHED)
        complaints = set()
        for root_type, root_id in changed.values_list("root_type", "root_id"):
            if root_type == "complaints.complaint":
                complaints.add(int(root_id))
            elif root_type != "customers.customer" or int(root_id) in self.customer_ids:
                return True
        customers = Complaint.objects.filter(pk__in=sorted(complaints)[:CHUNK])
        if len(complaints) > CHUNK:
            return True  # a busy day: check again rather than look at each
        return any(
            pk in self.customer_ids for pk in customers.values_list("customer_id", flat=True)
        )


# --- Preparing the rows ------------------------------------------------------------------------


class _Policies:
    def __init__(self):
        active = list(SlaPolicy.objects.filter(is_active=True))  # the model's order
        self.own = {p.customer_id: p for p in reversed(active) if p.customer_id is not None}
        self.default = next((p for p in active if p.is_default), None)
        self.rules = defaultdict(list)
        for rule in SlaRule.objects.all():
            self.rules[rule.policy_id].append(rule)
        self._specs = {}

    def policy(self, customer) -> SlaPolicy:
        policy = self.own.get(customer.pk) or self.default
        if policy is None:
            raise BusinessRuleError(
                _("No default SLA policy is active: an administrator must set one."),
                "no_sla_policy",
            )
        return policy

    def specs(self, policy, severity, complaint_type):
        key = (policy.pk, severity, complaint_type)
        if key not in self._specs:
            rules = [
                r
                for r in self.rules[policy.pk]
                if r.severity in (severity, "") and r.complaint_type in (complaint_type, "")
            ]
            self._specs[key] = services.specs_from_rules(rules)
        return self._specs[key]


class _Earlier:
    """Complaints of the file's customers a row may repeat: those registered before and the
    file's earlier rows, found as `services.earlier_similar` finds them."""

    def __init__(self, customer_ids, since):
        self.by_part = defaultdict(list)
        fields = ("pk", "number", "customer_id", "part_number", "customer_part_number")
        fields += ("defect_category_id", "received_at")
        for chunk in _chunks(sorted(customer_ids)):
            query = Complaint.objects.filter(
                customer_id__in=chunk, revision=0, received_at__gte=since
            ).exclude(status=Complaint.Status.CANCELLED)
            for row in query.values_list(*fields):
                self.add(*row)

    def add(self, pk, number, customer_id, part, customer_part, category_id, received_at):
        item = (received_at, pk, number, category_id)
        for kind, value in (("p", part), ("c", customer_part)):
            if value:
                self.by_part[(customer_id, kind, value.upper())].append(item)

    def find(self, complaint, since) -> list[tuple]:
        found = {}
        for kind, value in (("p", complaint.part_number), ("c", complaint.customer_part_number)):
            if not value:
                continue
            for item in self.by_part.get((complaint.customer_id, kind, value.upper()), ()):
                received_at, pk, _number, category_id = item
                if not since <= received_at <= complaint.received_at:
                    continue
                if complaint.defect_category_id and category_id != complaint.defect_category_id:
                    continue
                found[pk] = item
        return sorted(found.values(), key=lambda item: item[0], reverse=True)[:20]


def plan(rows, *, actor, context: RegisterLookups) -> bulk.BulkWrite:
    """Every row as `register_complaint` (+ `close_imported`) would save it, prepared: the same
    records, and the same entries in the same order."""
    from cqms.spreadsheets.importer import RowsRefused

    from .spreadsheets import REGISTER_FIELDS

    services.require(actor.has_perm("complaints.import_complaint"))
    services.require(actor.has_perm("complaints.add_complaint"))
    refused = [
        (row.number, "", _("You are not allowed to import this row."))
        for row in rows
        if row.cleaned_data["customer"].pk not in (context.visible or ())
    ]
    if refused:
        raise RowsRefused(refused)
    policies = _Policies()
    numbers = preview_numbers("complaint", len(rows))
    quality = next(
        (d for d in context.departments.all.values() if d.code == "quality" and d.is_active),
        None,
    )
    complaints = []
    new_complaint = bulk.Builder(Complaint)
    for row, number in zip(rows, numbers, strict=True):
        values = {
            k: v
            for k, v in row.cleaned_data.items()
            if k in REGISTER_FIELDS and v not in (None, "")
        }
        complaint = new_complaint(**values)
        complaint.number = complaint.root_number = number
        if complaint.department_id is None:
            if quality is None:
                services._quality_department()  # raises the service's refusal
            complaint.department = quality
        complaint.received_by = actor
        complaint.sla_policy = policies.policy(complaint.customer)
        complaint.major = complaint.major or complaint.safety_regulatory
        complaints.append(complaint)
    if not complaints:
        return bulk.BulkWrite(actor)
    bulk.reserve_ids(Complaint, complaints)
    since = min(
        services.months_before(c.received_at, c.sla_policy.recurrence_window_months)
        for c in complaints
    )
    earlier = _Earlier(context.customer_ids, since)
    content_type = ContentType.objects.get_for_model(Complaint)
    record = Clock._meta.get_field("record")
    new_clock = bulk.Builder(Clock, content_type=content_type)
    cal = calendar.company_calendar()  # once: each deadline would read its fingerprint again
    repeats, clocks_, links = [], [], []
    for complaint in complaints:
        window = services.months_before(
            complaint.received_at, complaint.sla_policy.recurrence_window_months
        )
        found = earlier.find(complaint, window)
        complaint.is_repeat = bool(found)
        repeats.append(found)
        links += [[complaint.pk, pk] for _at, pk, _n, _c in found]
        earlier.add(
            complaint.pk,
            complaint.number,
            complaint.customer_id,
            complaint.part_number,
            complaint.customer_part_number,
            complaint.defect_category_id,
            complaint.received_at,
        )
        specs = policies.specs(complaint.sla_policy, complaint.severity, complaint.complaint_type)
        responsible = complaint.owner or complaint.department.head
        own = []
        for spec in specs:
            due = spec.due(complaint.received_at, cal)
            clock = new_clock(
                name=spec.name,
                basis=spec.basis,
                amount=spec.amount,
                object_id=complaint.pk,
                started_at=complaint.received_at,
                due_at=due,
                original_due_at=due,
                owner=responsible,
                department=complaint.department,
            )
            record.set_cached_value(clock, complaint)  # `clock.record`, without its checks
            own.append(clock)
        clocks_.append(own)
    bulk.reserve_ids(Clock, [clock for own in clocks_ for clock in own])
    write = bulk.BulkWrite(actor, stale=_stale_check(context, numbers))
    create = audit_services.CREATE
    for row, complaint, found, own in zip(rows, complaints, repeats, clocks_, strict=True):
        write.entry(complaint, create, write.creation_changes(complaint))
        if found:
            numbers_found = ", ".join(number for _at, _pk, number, _c in found)
            change = {"field": "repeat_of", "old": "", "new": numbers_found}
            write.entry(complaint, "complaints.repeat_linked", [change])
        closed_at = row.cleaned_data.get("closed_at")
        for clock in own:
            # A complaint closed in the old register gets its clocks already stopped there
            # (neither met nor missed): one entry each instead of "started" and "stopped" in
            # the same transaction (a legacy register of 50,000 rows wrote 200,000 fewer).
            clock.done_at = closed_at
            write.entry(clock, create, write.creation_changes(clock), root=complaint)
        if closed_at:
            write.change(
                complaint,
                {"status": Complaint.Status.CLOSED, "closed_at": closed_at},
                action="complaints.closed_on_import",
            )
    write.insert_rows(complaints)
    write.insert_rows([clock for own in clocks_ for clock in own])
    through = Complaint.repeat_of.through
    quote = connection.ops.quote_name
    columns = f"({quote('from_complaint_id')}, {quote('to_complaint_id')})"
    table = quote(through._meta.db_table)
    write.rows(f"INSERT INTO {table} {columns} VALUES (%s, %s)", links)  # noqa: S608
    still_open = [
        c for row, c in zip(rows, complaints, strict=True) if not row.cleaned_data.get("closed_at")
    ]
    if still_open:
        ids = [c.pk for c in still_open]
        write.after_commit.append(
            lambda: start_job(ANNOUNCE_KIND, actor=actor, params={"ids": ids})
        )
    return write


def _stale_check(context: RegisterLookups, numbers: list[str]):
    def stale() -> bool:
        if context.stale():
            return True
        return next_numbers("complaint", len(numbers)) != numbers

    return stale


def announce(job, progress):
    """The owners and department heads of the imported complaints still open are told, as
    on the page, in a job of its own after the import (a closed one needs nobody), in small
    transactions."""
    from cqms.audit.services import change_transaction

    ids = job.params.get("ids", [])
    related = ("owner", "department__head", "customer")
    for done, chunk in enumerate(_chunks(ids, 200)):
        with change_transaction():
            for complaint in Complaint.objects.filter(pk__in=chunk).select_related(*related):
                services._announce(complaint, actor=job.created_by)
        progress(min((done + 1) * 200, len(ids)), len(ids))


def check_intake(values: dict, context: RegisterLookups) -> None:
    """`services._validate_intake` with the file's lookups instead of a query per row."""
    reference = values.get("customer_reference", "")
    customer = values.get("customer")
    rest = {k: v for k, v in values.items() if k != "customer_reference"}
    services._validate_intake(rest)
    if reference and customer is not None and context.registered(customer, reference):
        raise ValidationError(
            {
                "customer_reference": _(
                    "A complaint with this reference of the customer is already registered."
                )
            }
        )
