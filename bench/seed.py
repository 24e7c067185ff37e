"""Seed the benchmark database with N fictional customers, their contacts and addresses, and the
creation entries of the audit trail (complete and chained, as the pages and imports write them).

    .venv/bin/python bench/seed.py --customers 100000          # SQLite in bench/data/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cqms_bench .venv/bin/python bench/seed.py

The benchmark database never is the developer's: SQLite lives in bench/data/ (git-ignored), and a
DATABASE_URL must name a database whose name contains "bench". Running it again with the same N
does nothing; a smaller database is topped up; `--reset` drops everything and starts again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

BATCH = 5_000  # customers per transaction
SEED = 2026

# Chinese name, pinyin, province
PLACES = [
    ("上海", "Shanghai", "上海市"),
    ("苏州", "Suzhou", "江苏省"),
    ("无锡", "Wuxi", "江苏省"),
    ("常州", "Changzhou", "江苏省"),
    ("南京", "Nanjing", "江苏省"),
    ("昆山", "Kunshan", "江苏省"),
    ("宁波", "Ningbo", "浙江省"),
    ("杭州", "Hangzhou", "浙江省"),
    ("台州", "Taizhou", "浙江省"),
    ("温州", "Wenzhou", "浙江省"),
    ("合肥", "Hefei", "安徽省"),
    ("芜湖", "Wuhu", "安徽省"),
    ("武汉", "Wuhan", "湖北省"),
    ("十堰", "Shiyan", "湖北省"),
    ("襄阳", "Xiangyang", "湖北省"),
    ("长沙", "Changsha", "湖南省"),
    ("重庆", "Chongqing", "重庆市"),
    ("成都", "Chengdu", "四川省"),
    ("西安", "Xi'an", "陕西省"),
    ("郑州", "Zhengzhou", "河南省"),
    ("济南", "Jinan", "山东省"),
    ("青岛", "Qingdao", "山东省"),
    ("天津", "Tianjin", "天津市"),
    ("北京", "Beijing", "北京市"),
    ("保定", "Baoding", "河北省"),
    ("沈阳", "Shenyang", "辽宁省"),
    ("大连", "Dalian", "辽宁省"),
    ("长春", "Changchun", "吉林省"),
    ("哈尔滨", "Harbin", "黑龙江省"),
    ("广州", "Guangzhou", "广东省"),
    ("深圳", "Shenzhen", "广东省"),
    ("佛山", "Foshan", "广东省"),
    ("东莞", "Dongguan", "广东省"),
    ("柳州", "Liuzhou", "广西壮族自治区"),
    ("厦门", "Xiamen", "福建省"),
    ("福州", "Fuzhou", "福建省"),
]
# 10 x 10 brand words: each is in about 1 % of the domestic customers' names.
BRAND_FIRST = [
    ("恒", "Heng"),
    ("宏", "Hong"),
    ("鑫", "Xin"),
    ("华", "Hua"),
    ("金", "Jin"),
    ("盛", "Sheng"),
    ("瑞", "Rui"),
    ("永", "Yong"),
    ("德", "De"),
    ("嘉", "Jia"),
]
BRAND_SECOND = [
    ("达", "da"),
    ("泰", "tai"),
    ("丰", "feng"),
    ("通", "tong"),
    ("源", "yuan"),
    ("兴", "xing"),
    ("利", "li"),
    ("昌", "chang"),
    ("隆", "long"),
    ("安", "an"),
]
TRADES = {
    "automotive": [
        ("汽车零部件", "Auto Parts"),
        ("汽车部件", "Automotive Components"),
        ("车身系统", "Body Systems"),
        ("汽车电子", "Automotive Electronics"),
        ("底盘系统", "Chassis Systems"),
    ],
    "motorcycle": [("摩托车", "Motorcycle"), ("摩托车配件", "Motorcycle Parts")],
    "new_energy": [
        ("新能源科技", "New Energy Technology"),
        ("动力电池", "Power Battery"),
        ("电驱动系统", "E-Drive Systems"),
    ],
    "electronics": [
        ("电子科技", "Electronics Technology"),
        ("电气", "Electric"),
        ("精密电子", "Precision Electronics"),
    ],
    "appliances": [("电器", "Electric Appliance"), ("家电部件", "Appliance Components")],
    "machinery": [("机械", "Machinery"), ("重工", "Heavy Industry"), ("精密机械", "Precision")],
    "medical": [("医疗器械", "Medical Devices"), ("医疗科技", "Medical Technology")],
    "other": [("实业", "Industrial"), ("工贸", "Industry and Trade")],
}
INDUSTRY_WEIGHTS = {
    "automotive": 35,
    "new_energy": 15,
    "motorcycle": 5,
    "electronics": 15,
    "appliances": 10,
    "machinery": 10,
    "medical": 5,
    "other": 5,
}
LEGAL_FORMS = [
    ("有限公司", "Co., Ltd.", 70),
    ("股份有限公司", "Co., Ltd.", 20),
    ("集团有限公司", "Group Co., Ltd.", 10),
]
# country, legal form, weight
FOREIGN_COUNTRIES = [
    ("德国", "GmbH", 25),
    ("美国", "Inc.", 20),
    ("日本", "K.K.", 15),
    ("韩国", "Co., Ltd.", 10),
    ("瑞典", "AB", 5),
    ("意大利", "S.p.A.", 8),
    ("法国", "S.A.S.", 7),
    ("墨西哥", "S.A. de C.V.", 5),
    ("泰国", "Co., Ltd.", 5),
]
FOREIGN_PREFIXES = [
    ("Rheinland", "莱茵"),
    ("Nordic", "北欧"),
    ("Alpine", "阿尔卑斯"),
    ("Lakeshore", "湖岸"),
    ("Sakura", "樱花"),
    ("Hanse", "汉萨"),
    ("Baltic", "波罗的"),
    ("Pacific", "太平洋"),
    ("Atlas", "阿特拉斯"),
    ("Orion", "猎户"),
    ("Danube", "多瑙"),
    ("Sierra", "塞拉"),
    ("Bavaria", "巴伐利亚"),
    ("Lombardia", "伦巴第"),
    ("Siam", "暹罗"),
]
FOREIGN_CORES = [
    ("Automotive", "汽车"),
    ("Drive Systems", "驱动系统"),
    ("Precision Parts", "精密部件"),
    ("Components", "零部件"),
    ("Electronics", "电子"),
    ("Mobility", "移动出行"),
    ("Motors", "汽车"),
]
OEM_GROUPS = [
    "华东汽车集团",
    "江南控股",
    "长风汽车集团",
    "东岳汽车集团",
    "北方重工集团",
    "Lakeshore Holdings",
    "Rheinland Gruppe",
    "Sakura Group",
]
FAMILY_NAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
)
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟"]
GIVEN_NAMES += ["涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "晓东", "海燕"]
FOREIGN_PEOPLE = [
    "Anna Keller",
    "Thomas Berger",
    "Emily Carter",
    "Michael Brown",
    "Lars Nilsson",
    "Haruto Sato",
    "Yui Tanaka",
    "Marco Rossi",
    "Giulia Bianchi",
    "Sarah Miller",
    "Jonas Weber",
    "Camille Martin",
    "Min-jun Kim",
]
CONTACT_ROLES = [
    ("quality", "供应商质量工程师"),
    ("purchasing", "采购经理"),
    ("logistics", "物流计划员"),
    ("engineering", "项目工程师"),
    ("management", "质量总监"),
]
STREETS = [
    "工业大道",
    "星湖街",
    "科技路",
    "创业路",
    "汽车城大道",
    "经济开发区纬二路",
    "高新区长江路",
]

# code, Chinese name, English name (children of the standard department "sales")
SALES_DEPARTMENTS = [
    ("bench_sales_east", "华东销售部", "Sales East"),
    ("bench_sales_south", "华南销售部", "Sales South"),
    ("bench_sales_north", "华北销售部", "Sales North"),
    ("bench_sales_west", "西部销售部", "Sales West"),
    ("bench_sales_export", "海外销售部", "Export sales"),
]
SALES_USERS = 50


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=common.DEFAULT_CUSTOMERS)
    parser.add_argument(
        "--complaints",
        type=int,
        default=0,
        help="also seed this many complaints with their clocks (default 0; 1,000,000 for the "
        "complaint scenarios)",
    )
    parser.add_argument(
        "--worked",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="then work the demo's twelve complaint cases this many times over seeded customers "
        "(8D, answers, approvals; for complaint-detail-worked; 20 in the closing notes)",
    )
    parser.add_argument("--reset", action="store_true", help="drop all tables and start again")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=common.DEFAULT_DATA_DIR,
        help="folder of the SQLite database and keys (default bench/data)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.customers <= 10_000_000:
        parser.error("--customers must be between 1 and 10,000,000")
    if not 0 <= args.complaints <= 10_000_000:
        parser.error("--complaints must be between 0 and 10,000,000")
    try:
        common.setup_django(args.data_dir.resolve())
        return seed(
            args.customers, reset=args.reset, complaints=args.complaints, worked=args.worked
        )
    except common.BenchError as error:
        print(f"bench/seed.py: {error}", file=sys.stderr)
        return 2


def seed(count: int, *, reset: bool, complaints: int = 0, worked: int = 0) -> int:
    from django.core.management import call_command

    from cqms.customers.models import Customer

    started = time.monotonic()
    if reset:
        drop_everything()
    call_command("migrate", interactive=False, verbosity=0)
    users = ensure_users()
    existing = Customer.objects.count()
    print(f"Benchmark database: {common.database_description()}")
    if existing == count:
        print(f"It already holds {count:,} customers: nothing to seed.")
    elif existing > count:
        print(
            f"It holds {existing:,} customers, more than {count:,}: "
            "run with --reset to seed it again.",
            file=sys.stderr,
        )
        return 1
    else:
        seed_customers(existing, count, users)
        analyze()
        report(started)
    if complaints:
        from bench.seed_complaints import ensure_quality_users, seed_complaints
        from bench.seed_worked import seeded_complaints

        quality = ensure_quality_users()
        existing = seeded_complaints().filter(revision=0).count()
        if existing == complaints:
            print(f"It already holds {complaints:,} complaints: nothing to seed.")
        elif existing:
            print(
                f"It holds {existing:,} complaints, not {complaints:,}: run with --reset to seed "
                "it again (complaints are seeded in one go, in the order they were received).",
                file=sys.stderr,
            )
            return 1
        else:
            seed_complaints(complaints, users, quality)
            analyze()
            report_complaints(started)
    if worked:
        from bench.seed_worked import seed_worked

        seed_worked(worked)
    return 0


def report_complaints(started: float) -> None:
    from cqms.audit.models import AuditEntry
    from cqms.clocks.models import Clock
    from cqms.complaints.models import Complaint

    total = Complaint.objects.count()
    roots = Complaint.objects.filter(revision=0).count()
    closed = Complaint.objects.filter(status=Complaint.Status.CLOSED).count()
    print(
        f"Done in {time.monotonic() - started:.1f} s: {roots:,} complaints and "
        f"{total - roots:,} reopenings ({100 * closed / max(total, 1):.1f} % closed), "
        f"{Clock.objects.count():,} clocks, {AuditEntry.objects.count():,} audit entries."
    )


def analyze() -> None:
    """What follows a bulk load in a real installation, done now so every run sees the same
    plans: PostgreSQL's autovacuum would analyse soon; CQMS refreshes SQLite's statistics after
    every import and nightly (cqms.core.database.refresh_statistics)."""
    from django.db import connection

    from cqms.core.database import refresh_statistics

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print("Ran VACUUM ANALYZE.")
    else:
        refresh_statistics()
        print("Refreshed SQLite's statistics, as CQMS does after an import.")


def drop_everything() -> None:
    from django.db import connection

    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    else:
        raise common.BenchError(f"--reset cannot empty a {connection.vendor} database")
    print("Dropped the benchmark database's tables.")


# --- Users and departments ---------------------------------------------------------------------


def ensure_users() -> dict:
    """The benchmark logins and ~50 salespeople in five sales departments (idempotent)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from cqms.organisation.models import Department, Role

    User = get_user_model()
    rng = random.Random(SEED)
    sales = Department.objects.get(code="sales")
    departments = []
    for position, (code, name, name_en) in enumerate(SALES_DEPARTMENTS, start=100):
        department, _ = Department.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "parent": sales, "position": position},
        )
        departments.append(department)
    roles = {role.code: role for role in Role.objects.all()}
    password = make_password(common.PASSWORD)  # hashed once: PBKDF2 is slow on purpose

    def user(username: str, role: str, department, title: str):
        family, given = rng.choice(FAMILY_NAMES), rng.choice(GIVEN_NAMES)
        account, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": given,
                "last_name": family,
                "email": f"{username}@bench.cqms.example",
                "department": department,
                "title": title,
                "password": password,
            },
        )
        if created:
            account.roles.set([roles[role]])
        return account

    admin = user(common.ADMIN, "administrator", Department.objects.get(code="gm_office"), "管理员")
    manager = user(common.MANAGER, "sales_manager", sales, "营业经理")
    salespeople = [
        user(
            common.SALES if number == 1 else f"{common.SALES}_{number:02d}",
            "salesperson",
            departments[(number - 1) % len(departments)],
            "业务员",
        )
        for number in range(1, SALES_USERS + 1)
    ]
    return {"admin": admin, "manager": manager, "sales": salespeople}


# --- Customers ---------------------------------------------------------------------------------


def owner_weights(count: int) -> list[float]:
    """A long tail: a few salespeople own many customers; bench_sales (first) owns 2 %."""
    tail = [1 / (rank + 1) ** 0.8 for rank in range(count - 1)]
    random.Random(SEED).shuffle(tail)
    scale = 0.98 / sum(tail)
    return [0.02, *(weight * scale for weight in tail)]


def build_customer(index: int, rng: random.Random, owner, admin, today: dt.date):
    from cqms.customers.models import Customer

    domestic = rng.random() < 0.88
    industry = rng.choices(list(INDUSTRY_WEIGHTS), weights=list(INDUSTRY_WEIGHTS.values()))[0]
    if domestic:
        place, pinyin, _province = rng.choice(PLACES)
        (first, first_py), (second, second_py) = rng.choice(BRAND_FIRST), rng.choice(BRAND_SECOND)
        trade, trade_en = rng.choice(TRADES[industry])
        form, form_en, _weight = rng.choices(LEGAL_FORMS, weights=[w for *_x, w in LEGAL_FORMS])[0]
        name = f"{place}{first}{second}{trade}{form}"
        name_en = f"{pinyin} {first_py}{second_py} {trade_en} {form_en}"
        short_name = f"{first}{second}{trade[:2]}"
        country = "中国"
        language = "bilingual" if rng.random() < 0.15 else "zh"
        phone = f"+86 {rng.randint(10, 999)} {rng.randint(5000, 8999)} {rng.randint(1000, 9999)}"
        domain = f"{first_py}{second_py}".lower()
    else:
        country, form_en, _weight = rng.choices(
            FOREIGN_COUNTRIES, weights=[w for *_x, w in FOREIGN_COUNTRIES]
        )[0]
        (prefix, prefix_cn), (core, core_cn) = (
            rng.choice(FOREIGN_PREFIXES),
            rng.choice(FOREIGN_CORES),
        )
        name = f"{prefix_cn}{core_cn}公司"
        name_en = f"{prefix} {core} {form_en}"
        short_name = prefix
        language = "bilingual" if rng.random() < 0.3 else "en"
        phone = f"+{rng.randint(1, 82)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}"
        domain = prefix.lower()
    status = rng.choices(["active", "inactive", "voided"], weights=[85, 12, 3])[0]
    group = ""
    if industry in ("automotive", "new_energy") and rng.random() < 0.2:
        group = rng.choice(OEM_GROUPS)
    return Customer(
        code=f"C{index + 1:07d}",
        name=name,
        name_en=name_en if rng.random() < 0.9 else "",
        short_name=short_name,
        classification=rng.choices(["key", "normal", "potential"], weights=[10, 60, 30])[0],
        grade=rng.choices(["A", "B", "C"], weights=[20, 50, 30])[0],
        industry=industry,
        oem_group=group,
        document_language=language,
        country=country,
        phone=phone,
        website=f"https://www.{domain}{index + 1}.example" if rng.random() < 0.4 else "",
        customer_since=today - dt.timedelta(days=rng.randint(30, 7000))
        if rng.random() < 0.9
        else None,
        owner=owner,
        department_id=owner.department_id,
        status=status,
        notes="年度审核已完成，按季度跟踪 PPM。" if rng.random() < 0.1 else "",
        void_reason="客户已注销，停止合作。" if status == "voided" else "",
        version=2 if status == "voided" else 1,
        created_by=admin,
    )


def build_children(customer, rng: random.Random, admin) -> tuple[list, list]:
    """1-3 contacts and 1-2 addresses for about 30 % of the customers."""
    from cqms.customers.models import Address, Contact

    if rng.random() >= 0.3:
        return [], []
    contacts = []
    for number, (role, title) in enumerate(rng.sample(CONTACT_ROLES, rng.randint(1, 3))):
        if customer.country == "中国":
            person = rng.choice(FAMILY_NAMES) + rng.choice(GIVEN_NAMES)
        else:
            person = rng.choice(FOREIGN_PEOPLE)
        contacts.append(
            Contact(
                customer=customer,
                name=person,
                title=title,
                role=role,
                email=f"{role}.{customer.code.lower()}@customer.example",
                phone=customer.phone,
                mobile=f"1{rng.randint(30, 89)}{rng.randint(10_000_000, 99_999_999)}",
                is_primary=number == 0,
                created_by=admin,
            )
        )
    addresses = []
    place, _pinyin, province = rng.choice(PLACES)
    for kind in ["registered", "delivery", "plant"][: rng.randint(1, 2)]:
        addresses.append(
            Address(
                customer=customer,
                kind=kind,
                line=f"{place}市{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                city=place if customer.country == "中国" else "",
                province=province if customer.country == "中国" else "",
                country=customer.country,
                postcode=f"{rng.randint(100000, 899999)}",
                created_by=admin,
            )
        )
    return contacts, addresses


class Displays:
    """What the audit trail shows for a foreign key, as `audit.diff` would write it, without a
    query per record."""

    def __init__(self):
        self.cache: dict[tuple[type, object], str] = {}
        self.relation: dict[tuple[type, str], object] = {}

    def remember(self, obj) -> None:
        self.cache[(type(obj), str(obj.pk))] = str(obj)

    def field(self, model, name):
        key = (model, name)
        if key not in self.relation:
            self.relation[key] = model._meta.get_field(name)
        return self.relation[key]

    def display(self, field_obj, pk: str) -> str:
        key = (field_obj.related_model, pk)
        if key not in self.cache:
            related = field_obj.related_model._base_manager.get(pk=pk)
            self.cache[key] = str(related)
        return self.cache[key]


def creation_changes(obj, displays: Displays, overrides: dict | None = None) -> list[dict]:
    """The change list `audit.save_new` records: every initial value, foreign keys with their
    display text."""
    from cqms.audit import services as audit

    values = audit.snapshot(obj)
    values.update(overrides or {})
    changes = []
    for name, new in values.items():
        if new is None:
            continue
        change = {"field": name, "old": None, "new": new}
        field_obj = displays.field(type(obj), name)
        if field_obj.is_relation:
            change["old_display"] = None
            change["new_display"] = displays.display(field_obj, new)
        changes.append(change)
    return changes


def insert_with_audit(batches: Iterable[tuple[type, list]], pending: list, displays, actor):
    """Bulk-insert records and their creation entries; the caller holds `change_transaction`."""
    from cqms.audit import services as audit

    for model, objects in batches:
        if objects:
            model.objects.bulk_create(objects, batch_size=1000)
            for obj in objects:
                pending.append(
                    audit.Pending(obj, audit.CREATE, actor, creation_changes(obj, displays))
                )
    audit.record_many(pending)


def seed_customers(start: int, count: int, users: dict) -> None:
    from django.utils import timezone

    from cqms.audit import services as audit
    from cqms.core.context import change_context
    from cqms.customers.models import Address, Contact, Customer

    admin, salespeople = users["admin"], users["sales"]
    weights = owner_weights(len(salespeople))
    displays = Displays()
    for obj in [admin, *salespeople]:
        displays.remember(obj)
    today = timezone.localdate()
    began = time.monotonic()
    print(f"Seeding customers {start + 1:,} to {count:,} in batches of {BATCH:,} ...")
    for batch_start in range(start, count, BATCH):
        rng = random.Random(SEED * 1_000_003 + batch_start)
        indexes = range(batch_start, min(count, batch_start + BATCH))
        owners = rng.choices(salespeople, weights=weights, k=len(indexes))
        customers = [
            build_customer(index, rng, owner, admin, today)
            for index, owner in zip(indexes, owners, strict=True)
        ]
        with change_context(source="command"), audit.change_transaction():
            Customer.objects.bulk_create(customers, batch_size=1000)
            pending, contacts, addresses = [], [], []
            for customer in customers:
                displays.remember(customer)
                voided = customer.status == Customer.Status.VOIDED
                overrides = {"status": "active", "void_reason": ""} if voided else None
                pending.append(
                    audit.Pending(
                        customer,
                        audit.CREATE,
                        admin,
                        creation_changes(customer, displays, overrides),
                    )
                )
                if voided:
                    pending.append(
                        audit.Pending(
                            customer,
                            audit.VOID,
                            customer.owner,
                            [
                                {"field": "status", "old": "active", "new": "voided"},
                                {"field": "void_reason", "old": "", "new": customer.void_reason},
                            ],
                            reason=customer.void_reason,
                        )
                    )
                more_contacts, more_addresses = build_children(customer, rng, admin)
                contacts += more_contacts
                addresses += more_addresses
            insert_with_audit([(Contact, contacts), (Address, addresses)], pending, displays, admin)
        done = indexes.stop
        elapsed = time.monotonic() - began
        rate = (done - start) / elapsed if elapsed else 0
        print(f"  {done:>10,} customers  {elapsed:6.1f} s  ({rate:,.0f} customers/s)", flush=True)


def report(started: float) -> None:
    from cqms.audit.models import AuditEntry
    from cqms.customers.models import Address, Contact, Customer
    from cqms.customers.selectors import search_q

    total = Customer.objects.count()
    matches = Customer.objects.filter(search_q(common.SEARCH_TERM)).count()
    print(
        f"Done in {time.monotonic() - started:.1f} s: {total:,} customers, "
        f"{Contact.objects.count():,} contacts, {Address.objects.count():,} addresses, "
        f"{AuditEntry.objects.count():,} audit entries."
    )
    print(
        f"The search term {common.SEARCH_TERM} matches {matches:,} customers "
        f"({100 * matches / max(total, 1):.2f} %)."
    )
    print(f"Logins: {common.ADMIN}, {common.MANAGER}, {common.SALES}; password {common.PASSWORD}")


if __name__ == "__main__":
    sys.exit(main())
