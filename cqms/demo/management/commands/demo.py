"""Fictional but realistic demo data: one user per standard role, domestic and foreign customers
with contacts, addresses, archive documents and supplier portals, and complaints in every state
of their 8D (see `cqms.demo.complaints`). Everything is written through the same services as the
pages, so the audit trail is complete."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cqms.audit import services as audit
from cqms.complaints import example_form
from cqms.complaints.models import CustomerReportForm, ReportSettings
from cqms.core.context import change_context
from cqms.customers import services as customer_services
from cqms.customers.models import Customer
from cqms.demo.complaints import create_complaints
from cqms.demo.files import demo_pdf, demo_png
from cqms.demo.legacy import import_legacy_register
from cqms.organisation import services as organisation_services
from cqms.organisation.models import Department, Role

DEMO_PASSWORD = "Demo-Pass-2026"  # noqa: S105  (printed for the demo users)

# username, family name, given name, role, department, job title, head of department
USERS = [
    ("admin", "王", "芳", "administrator", "gm_office", "系统管理员", False),
    ("gm", "陈", "建国", "general_manager", "gm_office", "总经理", True),
    (
        "mr",
        "刘",
        "洋",
        "management_representative",
        "management_representative",
        "管理者代表",
        True,
    ),
    ("qm", "李", "静", "quality_manager", "quality", "品质经理", True),
    ("qe", "赵", "磊", "quality_engineer", "quality", "客户品质工程师", False),
    ("sm", "孙", "丽", "sales_manager", "sales", "营业经理", True),
    ("sales", "周", "明", "salesperson", "sales", "业务员", False),
    ("cs", "吴", "婷", "customer_service", "customer_service", "客服专员", True),
    ("head", "郑", "强", "department_head", "engineering", "技术部经理", True),
    ("staff", "黄", "伟", "staff", "production", "生产计划员", False),
]

# code suffix, Chinese name, English name, short, class, grade, industry, OEM group, language,
# country, owner
CUSTOMERS = [
    (
        "华东汽车制造有限公司",
        "Huadong Automotive Manufacturing Co., Ltd.",
        "华东汽车",
        "key",
        "A",
        "automotive",
        "华东汽车集团",
        "zh",
        "中国",
        "sales",
    ),
    (
        "江南新能源汽车有限公司",
        "Jiangnan New Energy Vehicle Co., Ltd.",
        "江南新能源",
        "key",
        "A",
        "new_energy",
        "江南控股",
        "bilingual",
        "中国",
        "sales",
    ),
    (
        "北方重型机械股份有限公司",
        "Beifang Heavy Machinery Co., Ltd.",
        "北方重机",
        "normal",
        "B",
        "machinery",
        "",
        "zh",
        "中国",
        "sm",
    ),
    (
        "岭南电器有限公司",
        "Lingnan Electric Appliance Co., Ltd.",
        "岭南电器",
        "normal",
        "B",
        "appliances",
        "",
        "zh",
        "中国",
        "cs",
    ),
    (
        "西川摩托车有限公司",
        "Xichuan Motorcycle Co., Ltd.",
        "西川摩托",
        "normal",
        "C",
        "motorcycle",
        "",
        "zh",
        "中国",
        "sm",
    ),
    (
        "海晨医疗器械有限公司",
        "Haichen Medical Devices Co., Ltd.",
        "海晨医疗",
        "potential",
        "B",
        "medical",
        "",
        "bilingual",
        "中国",
        "sales",
    ),
    (
        "莱茵车辆技术有限公司",
        "Rheinland Fahrzeugtechnik GmbH",
        "Rheinland",
        "key",
        "A",
        "automotive",
        "Rheinland Gruppe",
        "en",
        "德国",
        "sm",
    ),
    (
        "湖岸汽车公司",
        "Lakeshore Motors Inc.",
        "Lakeshore",
        "key",
        "A",
        "automotive",
        "Lakeshore Holdings",
        "en",
        "美国",
        "sales",
    ),
    (
        "北欧驱动系统公司",
        "Nordic Drive Systems AB",
        "Nordic Drive",
        "normal",
        "B",
        "new_energy",
        "",
        "en",
        "瑞典",
        "sm",
    ),
    (
        "樱花电装部件株式会社",
        "Sakura Denso Components Co., Ltd.",
        "Sakura Denso",
        "normal",
        "A",
        "electronics",
        "Sakura Group",
        "bilingual",
        "日本",
        "sales",
    ),
    (
        "汉江电子科技有限公司",
        "Hanjiang Electronics Technology Co., Ltd.",
        "汉江电子",
        "normal",
        "B",
        "electronics",
        "",
        "zh",
        "中国",
        "cs",
    ),
    (
        "阿尔卑斯精密部件公司",
        "Alpine Precision Parts S.p.A.",
        "Alpine Precision",
        "potential",
        "C",
        "machinery",
        "",
        "en",
        "意大利",
        "sm",
    ),
]

CONTACTS = [
    ("quality", "供应商质量工程师", True),
    ("purchasing", "采购经理", False),
    ("logistics", "物流计划员", False),
]
CHINESE_NAMES = [
    "张伟",
    "王静",
    "李强",
    "刘敏",
    "陈杰",
    "杨洋",
    "赵丽",
    "黄磊",
    "周婷",
    "吴刚",
    "徐峰",
    "孙悦",
    "马超",
    "朱琳",
    "胡斌",
    "郭晓",
    "何平",
    "林涛",
]
FOREIGN_NAMES = [
    "Anna Keller",
    "Thomas Berger",
    "Emily Carter",
    "Michael Brown",
    "Lars Nilsson",
    "Erik Lindqvist",
    "Haruto Sato",
    "Yui Tanaka",
    "Marco Rossi",
    "Giulia Bianchi",
    "Sarah Miller",
    "Jonas Weber",
]


@contextlib.contextmanager
def quiet_job_queue():
    """The demo's notifications wake the job worker once per change when the data commits: keep
    those hundred "Enqueued" lines off the screen the logins are printed on."""
    logger = logging.getLogger("django-q")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load fictional demo data (users for every role, customers, complaints with their 8D, "
        "approvals and notifications) and print the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Only load when there are no customers yet."
        )

    def handle(self, *args, if_empty=False, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production mode.")
        if if_empty and Customer.objects.exists():
            self.print_logins()
            return
        rng = random.Random(2026)  # noqa: S311  (repeatable demo data, not secrets)
        with quiet_job_queue(), change_context(source="command"), audit.change_transaction():
            users = self.create_users()
            customers = self.create_customers(users, rng)
            self.set_up_reports(users, customers)
            complaints = create_complaints(users, customers, password=DEMO_PASSWORD)
            import_legacy_register(users["admin"])
        self.print_logins()
        self.print_complaints(complaints)

    def create_users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, family, given, role, department, title, is_head in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = organisation_services.create_user(
                    {
                        "username": username,
                        "first_name": given,
                        "last_name": family,
                        "email": f"{username}@demo.cqms.example",
                        "title": title,
                        "department": Department.objects.get(code=department),
                        "is_staff": role == "administrator",
                        "is_superuser": role == "administrator",
                    },
                    roles=Role.objects.filter(code=role),
                    password=DEMO_PASSWORD,
                )
            if is_head:
                head_of = Department.objects.get(code=department)
                audit.save_changes(head_of, {"head": user}, actor=None)
            users[username] = user
        return users

    def create_customers(self, users: dict, rng: random.Random) -> dict[str, Customer]:
        """The demo customers by their short name."""
        admin = users["admin"]
        customers = {}
        today = timezone.localdate()
        chinese, foreign = iter(CHINESE_NAMES), iter(FOREIGN_NAMES)
        for index, row in enumerate(CUSTOMERS):
            name, name_en, short, classification, grade, industry, group, lang, country, owner = row
            owner_user = users[owner]
            customer = customer_services.create_customer(
                {
                    "name": name,
                    "name_en": name_en,
                    "short_name": short,
                    "classification": classification,
                    "grade": grade,
                    "industry": industry,
                    "oem_group": group,
                    "document_language": lang,
                    "country": country,
                    "owner": owner_user,
                    "department": owner_user.department,
                    "customer_since": today - dt.timedelta(days=rng.randint(200, 3000)),
                    "phone": f"+86 21 {rng.randint(5000, 6999)} {rng.randint(1000, 9999)}",
                    "supplier_code": f"SUP-{80417 + index * 113}",
                },
                actor=admin,
            )
            names = chinese if country == "中国" else foreign
            for role, title, primary in CONTACTS[: 2 + index % 2]:
                contact_name = next(names, None) or f"Contact {index}"
                customer_services.add_contact(
                    customer,
                    {
                        "name": contact_name,
                        "title": title,
                        "role": role,
                        "is_primary": primary,
                        "email": f"{role}.{index}@customer{index}.example",
                        "mobile": f"1{rng.randint(30, 89)}{rng.randint(10000000, 99999999)}",
                    },
                    actor=admin,
                )
            customer_services.add_address(
                customer,
                {
                    "kind": "registered",
                    "line": f"{rng.randint(1, 999)} Industrial Avenue",
                    "city": ["上海", "苏州", "宁波", "Stuttgart", "Detroit"][index % 5],
                    "country": country,
                },
                actor=admin,
            )
            valid_until = today + dt.timedelta(days=[20, 200, -5, 400][index % 4])
            for doc_type, title, number in (
                ("quality_agreement", "Quality agreement", f"QA-{index:03d}"),
                ("drawing", "Housing drawing", f"DRW-{1000 + index}"),
            ):
                upload = ContentFile(demo_pdf(f"{name_en} - {title}"), name=f"{number}.pdf")
                customer_services.add_document(
                    customer,
                    {
                        "doc_type": doc_type,
                        "title": title,
                        "document_number": number,
                        "revision": "B",
                        "valid_from": today - dt.timedelta(days=300),
                        "valid_until": valid_until if doc_type == "quality_agreement" else None,
                    },
                    upload,
                    actor=admin,
                )
            if classification == "key":
                portal = customer_services.add_portal(
                    customer,
                    {
                        "name": f"{short} SRM",
                        "url": f"https://srm.customer{index}.example/",
                        "account_owner": owner_user,
                        "check_frequency": "weekly",
                    },
                    actor=admin,
                )
                if index % 2:
                    customer_services.record_portal_check(portal, actor=owner_user)
            customers[short] = customer
        return customers

    def set_up_reports(self, users: dict, customers: dict[str, Customer]) -> None:
        """Our company on the 8D report form, and 华东汽车's own 8D form (an example drawn in
        code) mapped to the 8D's fields."""
        admin = users["admin"]
        form = ReportSettings.current()
        values = {
            "company_name": "苏州精工汽车部件有限公司",
            "company_name_en": "Suzhou Jinggong Auto Parts Co., Ltd.",
        }
        if form.pk is None:
            for name, value in values.items():
                setattr(form, name, value)
            form.logo.save("logo.png", ContentFile(demo_png(240, 90, seed=7)), save=False)
            audit.save_new(form, actor=admin)
        customer = customers["华东汽车"]
        if not CustomerReportForm.objects.filter(customer=customer).exists():
            example_form.install(customer, actor=admin, name="华东汽车 8D 报告 OEM-QF-8D-03")

    def print_logins(self) -> None:
        User = get_user_model()
        present = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS])}
        if not present:
            return
        self.stdout.write("")
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD})")
        for username, *_rest, role, _dept, title, _head in USERS:
            if username in present:
                self.stdout.write(f"    {username:<8} {present[username]}  {title} ({role})")
        self.stdout.write("")

    def print_complaints(self, complaints) -> None:
        for number, url in complaints.verdict_links:
            self.stdout.write(f"  The customer's private verdict link for {number} (shown once):")
            self.stdout.write(f"    {url}")
            self.stdout.write("")
        for note in complaints.notes:
            self.stdout.write(f"  Note: {note}")
