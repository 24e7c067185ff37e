"""The departments the procedures name and the standard roles, created once on a new database.

They are only created when their table is empty, so an administrator's renames and deletions
stick; later parts add their permissions to the roles in their own data migrations.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS

# code, Chinese name, English name, parent code
DEPARTMENTS = [
    ("gm_office", "总经理办公室", "General manager's office", None),
    ("management_representative", "管理者代表", "Management representative", "gm_office"),
    ("sales", "营业部", "Sales and marketing", "gm_office"),
    ("customer_service", "客服部", "Customer service", "sales"),
    ("quality", "品质部", "Quality", "gm_office"),
    ("engineering", "技术部", "Engineering", "gm_office"),
    ("process", "工艺部", "Process engineering", "gm_office"),
    ("production", "生产部", "Production", "gm_office"),
    ("planning", "生管部（PMC）", "Production planning (PMC)", "gm_office"),
    ("purchasing", "采购部", "Purchasing", "gm_office"),
    ("warehouse", "仓库", "Warehouse and logistics", "gm_office"),
    ("finance", "财务部", "Finance", "gm_office"),
]

OUR_APPS = ("organisation", "audit", "numbering", "workdays", "jobs", "customers")
VIEW_ALL = [f"{app}.view_*" for app in OUR_APPS]
CUSTOMER_EDIT = [
    "customers.view_customer",
    "customers.add_customer",
    "customers.change_customer",
    "customers.export_customer",
    "customers.*_contact",
    "customers.*_address",
    "customers.*_customerdocument",
    "customers.*_supplierportal",
]

# code, Chinese name, English name, data scope, permission patterns
ROLES = [
    ("administrator", "系统管理员", "Administrator", "all", [f"{app}.*" for app in OUR_APPS]),
    ("general_manager", "总经理", "General manager", "all", VIEW_ALL),
    ("management_representative", "管理者代表", "Management representative", "all", VIEW_ALL),
    (
        "quality_manager",
        "品质经理",
        "Quality manager",
        "all",
        [
            *VIEW_ALL,
            "customers.change_customer",
            "customers.export_customer",
            "customers.*_customerdocument",
        ],
    ),
    (
        "quality_engineer",
        "品质工程师",
        "Quality engineer",
        "all",
        ["customers.view_*", "customers.add_customerdocument", "customers.change_customerdocument"],
    ),
    (
        "sales_manager",
        "营业经理",
        "Sales manager",
        "subtree",
        [
            *CUSTOMER_EDIT,
            "customers.import_customer",
            "customers.void_customer",
            "audit.view_auditentry",
        ],
    ),
    ("salesperson", "业务员", "Salesperson", "own", CUSTOMER_EDIT),
    (
        "customer_service",
        "客服专员",
        "Customer service agent",
        "department",
        ["customers.view_*", "customers.add_contact", "customers.change_contact"],
    ),
    ("department_head", "部门主管", "Department head", "subtree", ["customers.view_*"]),
    ("staff", "部门员工", "Staff member", "department", ["customers.view_*"]),
]


def ensure_defaults(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    Department = apps.get_model("organisation", "Department")
    Role = apps.get_model("organisation", "Role")
    if not Department.objects.using(using).exists():
        created = {}
        for position, (code, name, name_en, parent) in enumerate(DEPARTMENTS):
            created[code] = Department.objects.using(using).create(
                code=code,
                name=name,
                name_en=name_en,
                parent=created.get(parent),
                position=position,
            )
    if not Role.objects.using(using).exists():
        # Permissions are created per app after migrating; make sure all exist before use.
        for app_config in global_apps.get_app_configs():
            create_permissions(app_config, verbosity=0, using=using)
        Permission = apps.get_model("auth", "Permission")
        every = list(Permission.objects.using(using).select_related("content_type"))
        for code, name, name_en, data_scope, patterns in ROLES:
            role = Role.objects.using(using).create(
                code=code, name=name, name_en=name_en, data_scope=data_scope
            )
            role.permissions.set([p for p in every if _matches(p, patterns)])


def _matches(permission, patterns: list[str]) -> bool:
    label = f"{permission.content_type.app_label}.{permission.codename}"
    for pattern in patterns:
        app, _, codename = pattern.partition(".")
        if app != permission.content_type.app_label:
            continue
        if codename == "*" or label == pattern:
            return True
        if codename.endswith("_*") and permission.codename.startswith(codename[:-1]):
            return True
        if codename.startswith("*_") and permission.codename.endswith(codename[1:]):
            return True
    return False
