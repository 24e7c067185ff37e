"""Seed the benchmark database with N fictional customer complaints and their clocks.

Called by bench/seed.py (`--complaints N`). Complaints are spread over the last three years (more
on working days, fewer around Chinese New Year, slowly growing), over the seeded customers (a
long tail: a few customers complain a lot), over 20 quality engineers as owners. About 85 % are
closed, 1.5 % cancelled, 3 % were rejected by the customer and reopened as `<number>-1`, and
about 10 % repeat an earlier complaint of the same customer (same part and defect category,
linked in `repeat_of`). Each complaint has the four clocks of the default SLA policy, with due
times from the company calendar and done times that meet or miss them at realistic rates.

Everything is inserted in batches inside `audit.change_transaction()`; every complaint gets its
creation entry through `audit.record_many` (as an import writes them: the record's values as
they are), so `manage.py audit_verify` passes. The clocks are bulk-inserted without entries of
their own: four more entries per complaint would quadruple the audit table and the seeding time
without changing any page the benchmark loads.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections import Counter
from decimal import Decimal

from bench import common

BATCH = 10_000  # complaints per transaction
SEED = 2027
YEARS = 3
QUALITY_USERS = 20

# Month of the year -> relative number of complaints (Chinese New Year in February).
SEASON = [0.85, 0.6, 1.1, 1.05, 1.0, 1.0, 0.95, 0.95, 1.05, 0.9, 1.15, 1.2]
WEEKDAY = [1.0, 1.0, 1.0, 1.0, 0.95, 0.25, 0.1]
TYPES = {
    "quality": 70,
    "delivery": 10,
    "packaging": 8,
    "documentation": 4,
    "service": 4,
    "other": 4,
}
CATEGORIES = {
    "quality": {"appearance": 35, "dimension": 25, "function": 15, "performance": 10, "other": 3},
    "delivery": {"delivery": 1},
    "packaging": {"packaging": 70, "labelling": 30},
    "documentation": {"documentation": 1},
    "service": {"other": 1},
    "other": {"other": 1},
}
CHANNELS = {"email": 50, "phone": 20, "portal": 15, "oem_portal": 8, "visit": 5, "fax": 2}
DETECTION = {"incoming": 60, "line": 25, "field": 10, "end_customer": 5}
DEFECTS = [
    "外壳表面划伤，长度约 5 mm",
    "孔径超差 +0.05 mm",
    "螺纹不通规止规不合格",
    "焊点虚焊，拉力不足",
    "漆面色差，与样板不一致",
    "毛刺未去除，装配困难",
    "尺寸 A 超上限 0.1 mm",
    "功能测试失效：无输出信号",
    "来料混料，发现异品",
    "包装破损，零件磕碰",
    "标签错误，批次号与实物不符",
    "交付数量短缺",
    "出货检验报告缺失",
    "异响，台架测试不合格",
    "密封不良，气密测试泄漏",
]
# milestones reached (acknowledgement, containment, corrective action) -> open statuses
OPEN_STEPS = [
    ["registered"],
    ["acknowledged"],
    ["contained", "analysed"],
    ["actions_answered", "answered", "accepted"],
]
# (clock, basis, amount, share of clocks met)
CLOCKS = [
    ("acknowledgement", "working_hours", Decimal(8), 0.93),
    ("containment", "calendar_hours", Decimal(24), 0.86),
    ("corrective_action", "working_days", Decimal(3), 0.78),
    ("closure", "working_days", Decimal(20), 0.72),
]


class FastInsert:
    """INSERTs of many rows through the DB-API cursor's executemany, with the ids assigned here:
    Django's bulk_create spends most of its time preparing each value of each row, which for
    five million rows is most of the seeding. Only for fields whose values need no conversion
    beyond what the driver does (ids, text, numbers, booleans, decimals) and datetimes."""

    def __init__(self, model):
        from django.db import connection, models

        self.model = model
        self.fields = model._meta.concrete_fields
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        self.datetimes = [isinstance(f, models.DateTimeField) for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        self.sqlite = connection.vendor == "sqlite"
        self.defaults = {
            f.attname: f.get_default() for f in self.fields if f.has_default() or f.null
        }
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.next_id = (last or 0) + 1

    def value(self, obj, attname: str, is_datetime: bool):
        value = getattr(obj, attname)
        return self.fast_datetime(value) if is_datetime else value

    def fast_datetime(self, value):
        if value is not None and self.sqlite:
            # What Django stores in SQLite: naive UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]".
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        return value

    def insert(self, objects: list, now: dt.datetime) -> None:
        """Insert model instances (given their ids) or dicts of column values by attname
        (fields left out take their defaults)."""
        from django.db import connection

        rows = []
        for obj in objects:
            if isinstance(obj, dict):
                obj = {**self.defaults, "id": self.next_id, **obj}
                self.next_id += 1
                rows.append(
                    [
                        self.fast_datetime(obj[attname]) if is_dt else obj[attname]
                        for attname, is_dt in zip(self.attnames, self.datetimes, strict=True)
                    ]
                )
                continue
            obj.pk = self.next_id
            self.next_id += 1
            if hasattr(obj, "created_at"):
                obj.created_at = obj.created_at or now
                obj.updated_at = obj.updated_at or now
            rows.append(
                [
                    self.value(obj, attname, is_dt)
                    for attname, is_dt in zip(self.attnames, self.datetimes, strict=True)
                ]
            )
            obj._state.adding, obj._state.db = False, "default"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.executemany(self.sql, rows[start : start + 5000])

    def reset_sequence(self) -> None:
        from django.core.management.color import no_style
        from django.db import connection

        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [self.model]):
                cursor.execute(statement)


def ensure_quality_users() -> list:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from cqms.organisation.models import Department, Role

    User = get_user_model()
    quality = Department.objects.get(code="quality")
    role = Role.objects.get(code="quality_engineer")
    password = make_password(common.PASSWORD)
    users = []
    for number in range(1, QUALITY_USERS + 1):
        user, created = User.objects.get_or_create(
            username=f"bench_quality_{number:02d}",
            defaults={
                "first_name": f"工程师{number:02d}",
                "last_name": "品质",
                "email": f"bench_quality_{number:02d}@bench.cqms.example",
                "department": quality,
                "title": "品质工程师",
                "password": password,
            },
        )
        if created:
            user.roles.set([role])
        users.append(user)
    return users


def weighted(rng: random.Random, table: dict):
    return rng.choices(list(table), weights=list(table.values()))[0]


class Plan:
    """What stays the same for every complaint: calendar, users, customers, lookups."""

    def __init__(self, users: dict, quality: list, now: dt.datetime):
        from django.contrib.contenttypes.models import ContentType

        from cqms.complaints.models import Complaint, DefectCategory, SlaPolicy
        from cqms.customers.models import Customer
        from cqms.organisation.models import Department
        from cqms.workdays.calendar import company_calendar

        self.now = now
        self.cal = company_calendar()
        self.admin = users["admin"]
        self.quality = quality
        self.quality_department = Department.objects.get(code="quality")
        self.policy = SlaPolicy.objects.get(is_default=True)
        self.content_type = ContentType.objects.get_for_model(Complaint)
        self.categories = {c.code: c for c in DefectCategory.objects.all()}
        self.customers = list(
            Customer.objects.exclude(status=Customer.Status.VOIDED)
            .only("pk", "code", "name", "name_en", "owner_id", "department_id")
            .order_by("pk")
        )
        if not self.customers:
            raise common.BenchError("complaints need customers: seed customers first")
        rng = random.Random(SEED)
        tail = [1 / (rank + 1) ** 0.8 for rank in range(len(self.customers))]
        rng.shuffle(tail)
        self.customer_weights = list(itertools.accumulate(tail))  # cumulative: O(log n) picks
        self.owner_weights = list(
            itertools.accumulate(1 / (rank + 1) ** 0.5 for rank in range(len(quality)))
        )
        self.salespeople = {u.pk: u for u in users["sales"]}
        self.salespeople[users["manager"].pk] = users["manager"]


def day_counts(total: int, now: dt.datetime) -> list[tuple[dt.date, int]]:
    """How many complaints each day of the last three years receives (oldest day first)."""
    from django.utils import timezone

    today = timezone.localtime(now).date()
    first = today - dt.timedelta(days=365 * YEARS)
    days = [first + dt.timedelta(days=n) for n in range((today - first).days)]
    weights = [
        SEASON[day.month - 1] * WEEKDAY[day.weekday()] * (0.8 + 0.4 * index / len(days))
        for index, day in enumerate(days)
    ]
    counts = Counter(random.Random(SEED).choices(range(len(days)), weights=weights, k=total))
    return [(days[index], counts[index]) for index in range(len(days)) if counts[index]]


def clock_times(plan: Plan, received: dt.datetime) -> list[dt.datetime]:
    from cqms.workdays import deadlines

    return [
        deadlines.add_working_hours(plan.cal, received, 8),
        received + dt.timedelta(hours=24),
        deadlines.add_working_days(plan.cal, received, 3),
        deadlines.add_working_days(plan.cal, received, 20),
    ]


def done_time(rng, received, due, met_share, now) -> dt.datetime | None:
    """When a milestone was done: within its time (met_share of the cases) or late; None when
    that moment has not come yet."""
    allowed = due - received
    share = rng.uniform(0.15, 1.0) if rng.random() < met_share else rng.uniform(1.02, 2.5)
    done = received + allowed * share
    return done.replace(microsecond=0) if done < now else None


def build_complaint(plan: Plan, rng, received, customer, number: str, last_roots: dict):
    """One original complaint with its lifecycle (status, closing time) and clock times."""
    from cqms.complaints.models import Complaint

    complaint_type = weighted(rng, TYPES)
    code = weighted(rng, CATEGORIES[complaint_type])
    category = plan.categories.get(code) if rng.random() > 0.03 else None
    part = f"P{(customer.pk * 7 + rng.randint(0, 19)) % 9000 + 1000}"
    earlier = last_roots.get(customer.pk)
    repeat = (
        earlier is not None
        and (received - earlier.received_at).days < 365
        and rng.random() < 0.12
        and earlier.status != Complaint.Status.CANCELLED
    )
    if repeat:
        part, category, complaint_type = (
            earlier.part_number,
            earlier.defect_category,
            earlier.complaint_type,
        )
    owner = rng.choices(plan.quality, cum_weights=plan.owner_weights)[0]
    affected = rng.randint(1, 500)
    complaint = Complaint(
        number=number,
        root_number=number,
        revision=0,
        customer=customer,
        customer_reference=f"{customer.code}-{number}" if rng.random() < 0.3 else "",
        received_at=received,
        channel=weighted(rng, CHANNELS),
        complaint_type=complaint_type,
        part_number=part,
        part_name="支架总成" if rng.random() < 0.5 else "",
        lot_number=f"L{received:%y%m%d}-{rng.randint(1, 9)}",
        quantity_delivered=affected * rng.randint(5, 200),
        quantity_affected=affected,
        defect_description=rng.choice(DEFECTS),
        defect_category=category,
        severity="urgent" if rng.random() < 0.15 else "normal",
        safety_regulatory=rng.random() < 0.01,
        detection_point=weighted(rng, DETECTION),
        goods_returned=rng.random() < 0.3,
        owner=owner,
        department=plan.quality_department,
        received_by=plan.salespeople.get(customer.owner_id),
        sla_policy=plan.policy,
        is_repeat=repeat,
        created_by=plan.admin,
    )
    complaint.major = complaint.safety_regulatory
    complaint._repeat_of = earlier if repeat else None
    return complaint


def live(plan: Plan, rng, complaint, *, reopen: bool) -> list:
    """Set the complaint's status and closing time; return its clocks (not saved yet)."""
    from cqms.complaints.models import Complaint

    received, now = complaint.received_at, plan.now
    dues = clock_times(plan, received)
    age_days = (now - received).total_seconds() / 86400
    closing_share = 0.93 if age_days > 60 else max(0.0, (age_days - 5) / 60 * 0.93)
    roll = rng.random()
    done = [
        done_time(rng, received, due, clock[3], now)
        for due, clock in zip(dues, CLOCKS, strict=True)
    ]
    for index in range(1, 4):  # milestones come in order
        if done[index] is not None and (done[index - 1] is None or done[index] < done[index - 1]):
            done[index] = done[index - 1] and done[index - 1] + dt.timedelta(minutes=30)
            if done[index] is not None and done[index] >= now:
                done[index] = None
    cancelled_at = None
    if roll < 0.015:
        complaint.status = Complaint.Status.CANCELLED
        complaint.cancel_reason = "重复登记，已合并"
        cancelled_at = received + dt.timedelta(hours=rng.uniform(2, 48))
        if cancelled_at >= now:
            cancelled_at = now - dt.timedelta(minutes=1)
        done = [d if d is not None and d < cancelled_at else None for d in done]
    elif roll < 0.015 + closing_share and done[3] is not None:
        complaint.status = Complaint.Status.CLOSED
        complaint.closed_at = done[3]
        if reopen:
            complaint.status = Complaint.Status.REOPENED
            complaint.closed_at = None
            complaint.reopen_count = 1
    else:
        done[3] = None
        reached = sum(d is not None for d in done[:3])
        complaint.status = rng.choice(OPEN_STEPS[reached])
    if complaint.status == Complaint.Status.REGISTERED:
        done = [None, None, None, None]
    if done[0] is not None:
        complaint.acknowledged_at = done[0]
        complaint.acknowledged_by = complaint.owner
    clocks = []
    for (name, basis, amount, _met), due, finished in zip(CLOCKS, dues, done, strict=True):
        met = None if finished is None else finished <= due
        if finished is None and cancelled_at is not None:
            finished, met = cancelled_at, None  # cancelled: stopped, neither met nor missed
        if complaint.status == Complaint.Status.REOPENED and name == "closure":
            finished, met = done[2] + dt.timedelta(days=rng.uniform(5, 15)), None
            if finished >= now:
                finished = now - dt.timedelta(minutes=5)
        # A Clock's column values (attnames): four per complaint are too many model instances.
        clocks.append(
            {
                "content_type_id": plan.content_type.pk,
                "name": name,
                "basis": basis,
                "amount": amount,
                "started_at": received,
                "due_at": due,
                "original_due_at": due,
                "done_at": finished,
                "met": met,
                "owner_id": complaint.owner_id,
                "department_id": plan.quality_department.pk,
            }
        )
    complaint._clocks = clocks
    return clocks


def reopening(plan: Plan, rng, root):
    """The case that continues a rejected answer: `<number>-1`, received when rejected."""
    from cqms.complaints.models import Complaint

    received = (root._clocks[3]["done_at"] or root.received_at).replace(microsecond=0)
    child = Complaint(
        number=f"{root.number}-1",
        root_number=root.number,
        revision=1,
        parent=root,
        reopen_count=1,
        customer=root.customer,
        received_at=received,
        channel=root.channel,
        complaint_type=root.complaint_type,
        part_number=root.part_number,
        part_name=root.part_name,
        lot_number=root.lot_number,
        quantity_affected=root.quantity_affected,
        defect_description=root.defect_description,
        defect_category=root.defect_category,
        severity=root.severity,
        detection_point=root.detection_point,
        owner=root.owner,
        department=root.department,
        received_by=root.received_by,
        sla_policy=root.sla_policy,
        is_repeat=root.is_repeat,
        created_by=plan.admin,
    )
    live(plan, rng, child, reopen=False)
    return child


def seed_complaints(count: int, users: dict, quality: list) -> None:
    from django.utils import timezone
    from sequences.models import Sequence

    from bench.seed import Displays, creation_changes
    from cqms.audit import services as audit
    from cqms.clocks.models import Clock
    from cqms.complaints.models import Complaint
    from cqms.core.context import change_context
    from cqms.numbering.models import NumberingRule
    from cqms.numbering.services import next_number

    now = timezone.now().replace(microsecond=0)
    plan = Plan(users, quality, now)
    displays = Displays()
    for obj in [plan.admin, *quality, *plan.salespeople.values(), plan.quality_department]:
        displays.remember(obj)
    for obj in [plan.policy, *plan.categories.values(), *plan.customers]:
        displays.remember(obj)

    days = day_counts(count, now)
    rng = random.Random(SEED)
    sequence: dict[int, int] = {}
    last_roots: dict[int, object] = {}
    pending: list = []
    began = time.monotonic()
    done = 0
    print(f"Seeding {count:,} complaints over {len(plan.customers):,} customers ...", flush=True)

    with change_context(source="command"), audit.change_transaction():
        # The numbering rule and its counter for each year, as the first registration makes them.
        years = sorted({day.year for day, _n in days})
        for year in years:
            next_number("complaint", at=dt.date(year, 1, 1))
        rule = NumberingRule.objects.get(record_type="complaint")

    complaint_rows, clock_rows = FastInsert(Complaint), FastInsert(Clock)
    link_rows = FastInsert(Complaint.repeat_of.through)

    def flush() -> None:
        nonlocal pending, done
        if not pending:
            return
        roots = [c for c in pending if c.revision == 0]
        with change_context(source="command"), audit.change_transaction():
            complaint_rows.insert(roots, now)
            children = []
            for root in roots:
                if getattr(root, "_reopen", False):
                    displays.remember(root)
                    children.append(reopening(plan, rng, root))
            complaint_rows.insert(children, now)
            everything = roots + children
            clocks = []
            for complaint in everything:
                for clock in complaint._clocks:
                    clock["object_id"] = complaint.pk
                    clocks.append(clock)
            clock_rows.insert(clocks, now)
            links = [
                Complaint.repeat_of.through(from_complaint_id=c.pk, to_complaint_id=c._repeat_of.pk)
                for c in roots
                if c._repeat_of is not None
            ]
            link_rows.insert(links, now)
            audit.record_many(
                audit.Pending(c, audit.CREATE, plan.admin, creation_changes(c, displays))
                for c in everything
            )
        done += len(everything)
        for complaint in everything:  # keep only what later complaints look at
            complaint._clocks = complaint._repeat_of = None
        elapsed = time.monotonic() - began
        print(
            f"  {done:>10,} complaints  {elapsed:7.1f} s  ({done / elapsed:,.0f} complaints/s)",
            flush=True,
        )
        pending = []

    zone = timezone.get_default_timezone()
    for day, n in days:
        minutes = sorted(rng.randint(7 * 60, 20 * 60) for _ in range(n))
        for minute in minutes:
            received = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=zone)
            received = received.replace(second=rng.randint(0, 59))
            if received >= now:
                continue
            customer = rng.choices(plan.customers, cum_weights=plan.customer_weights)[0]
            sequence[day.year] = sequence.get(day.year, 0) + 1
            number = rule.format(sequence[day.year], day)
            complaint = build_complaint(plan, rng, received, customer, number, last_roots)
            reopen = (now - received).days > 45 and rng.random() < 0.03
            live(plan, rng, complaint, reopen=reopen)
            complaint._reopen = complaint.status == Complaint.Status.REOPENED
            last_roots[customer.pk] = complaint
            pending.append(complaint)
        if len(pending) >= BATCH:
            flush()
    flush()

    for rows in (complaint_rows, clock_rows, link_rows):
        rows.reset_sequence()  # PostgreSQL: the next id after the ones given here
    for year, last in sequence.items():
        Sequence.objects.filter(name=rule.sequence_name(dt.date(year, 1, 1))).update(last=last)
    print(f"Complaints seeded in {time.monotonic() - began:.1f} s.", flush=True)
