"""The defect catalogue, the SLA policies of procedure 001 and the complaint permissions of the
standard roles, created once on a new database (administrators change them afterwards)."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

CATEGORIES = [
    ("appearance", "外观", "Appearance"),
    ("dimension", "尺寸", "Dimension"),
    ("function", "功能", "Function"),
    ("performance", "性能", "Performance"),
    ("packaging", "包装", "Packaging"),
    ("labelling", "标识", "Labelling"),
    ("delivery", "交付", "Delivery"),
    ("documentation", "文件资料", "Documentation"),
    ("other", "其他", "Other"),
]

# name, is default, rules: (clock, severity, basis, amount)
POLICIES = [
    (
        "标准：围堵 24 小时，纠正预防 3 个工作日",
        True,
        [
            ("acknowledgement", "", "working_hours", 8),
            ("containment", "", "calendar_hours", 24),
            ("corrective_action", "", "working_days", 3),
            ("closure", "", "working_days", 20),
        ],
    ),
    (
        "急件 2 天 / 普通件 7 天",
        False,
        [
            ("acknowledgement", "", "working_hours", 8),
            ("containment", "", "calendar_hours", 24),
            ("corrective_action", "urgent", "calendar_hours", 48),
            ("corrective_action", "normal", "calendar_hours", 168),
            ("closure", "", "working_days", 20),
        ],
    ),
]

VIEW = ["complaints.view_complaint"]
REGISTER = [
    *VIEW,
    "complaints.add_complaint",
    "complaints.answer_complaint",
    "complaints.export_complaint",
]
EIGHTD = [
    *VIEW,
    "complaints.change_complaint",
    "complaints.work_eightd",
    "complaints.export_complaint",
]
# role code -> complaint permissions (procedure 001: Sales registers and answers, Quality owns
# the 8D, the general manager decides and approves waivers)
ROLE_PERMISSIONS = {
    "administrator": [
        *REGISTER,
        *EIGHTD,
        "complaints.cancel_complaint",
        "complaints.import_complaint",
        "complaints.change_slapolicy",
        "complaints.add_slapolicy",
        "complaints.view_slapolicy",
        "complaints.change_defectcategory",
        "complaints.add_defectcategory",
    ],
    "general_manager": [*VIEW, "complaints.export_complaint"],
    "management_representative": [*VIEW, "complaints.export_complaint"],
    "quality_manager": [*EIGHTD, *REGISTER, "complaints.cancel_complaint"],
    "quality_engineer": EIGHTD,
    "sales_manager": [*REGISTER, "complaints.import_complaint", "complaints.cancel_complaint"],
    "salesperson": REGISTER,
    "customer_service": REGISTER,
    "department_head": VIEW,
    "staff": VIEW,
}


def ensure_defaults(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    DefectCategory = apps.get_model("complaints", "DefectCategory")
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    SlaRule = apps.get_model("complaints", "SlaRule")
    Role = apps.get_model("organisation", "Role")
    if not DefectCategory.objects.using(using).exists():
        DefectCategory.objects.using(using).bulk_create(
            DefectCategory(code=code, name=name, name_en=name_en, position=index)
            for index, (code, name, name_en) in enumerate(CATEGORIES)
        )
    if not SlaPolicy.objects.using(using).exists():
        for name, is_default, rules in POLICIES:
            policy = SlaPolicy.objects.using(using).create(name=name, is_default=is_default)
            SlaRule.objects.using(using).bulk_create(
                SlaRule(
                    policy=policy,
                    clock=clock,
                    severity=severity,
                    basis=basis,
                    amount=Decimal(amount),
                )
                for clock, severity, basis, amount in rules
            )
    marker = "complaints.work_eightd"
    roles = {role.code: role for role in Role.objects.using(using).all()}
    if (
        roles
        and not Role.objects.using(using)
        .filter(
            permissions__codename="work_eightd", permissions__content_type__app_label="complaints"
        )
        .exists()
    ):
        create_permissions(global_apps.get_app_config("complaints"), verbosity=0, using=using)
        Permission = apps.get_model("auth", "Permission")
        wanted = {p for codes in ROLE_PERMISSIONS.values() for p in codes} | {marker}
        found = {
            f"{p.content_type.app_label}.{p.codename}": p
            for p in Permission.objects.using(using)
            .select_related("content_type")
            .filter(content_type__app_label="complaints")
            if f"{p.content_type.app_label}.{p.codename}" in wanted
        }
        for code, permissions in ROLE_PERMISSIONS.items():
            if code in roles:
                roles[code].permissions.add(*[found[p] for p in permissions if p in found])
