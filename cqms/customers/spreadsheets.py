"""The customer register in Excel: import (template, dry run, all-or-nothing) and export of
exactly what the list shows, both run as background jobs."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqms.organisation import access
from cqms.organisation.models import Department
from cqms.spreadsheets.exporter import ExportColumn
from cqms.spreadsheets.importer import NEW, UNCHANGED, UPDATED, Column, ImportSpec
from cqms.spreadsheets.jobs import Export

from . import services
from .filters import CustomerFilter
from .models import Customer

IMPORT_KIND = "customers.import"
EXPORT_KIND = "customers.export"
IMPORTED_FIELDS = [
    "code",
    "name",
    "name_en",
    "short_name",
    "classification",
    "grade",
    "industry",
    "oem_group",
    "document_language",
    "country",
    "phone",
    "website",
    "customer_since",
    "owner",
    "department",
    "status",
    "notes",
]


class DepartmentField(forms.ModelChoiceField):
    """A department by its code or by its Chinese or English name, as people type it."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        match = Department.objects.filter(
            Q(code__iexact=text) | Q(name=text) | Q(name_en__iexact=text)
        ).first()
        if match is None:
            raise forms.ValidationError(
                _("Unknown department “%(value)s”.") % {"value": text}, code="invalid_choice"
            )
        return match


class UserField(forms.ModelChoiceField):
    """A user by user name, e-mail or full name."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        users = get_user_model().objects.filter(is_active=True)
        match = users.filter(Q(username__iexact=text) | Q(email__iexact=text)).first()
        if match is None:
            match = next((u for u in users.filter(last_name=text[:1]) if str(u) == text), None)
        if match is None:
            raise forms.ValidationError(
                _("Unknown user “%(value)s”.") % {"value": text}, code="invalid_choice"
            )
        return match


class CustomerRowForm(forms.ModelForm):
    owner = UserField(queryset=get_user_model().objects.filter(is_active=True), required=False)
    department = DepartmentField(queryset=Department.objects.all(), required=False)

    class Meta:
        model = Customer
        fields = IMPORTED_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            c for c in Customer.Status.choices if c[0] != Customer.Status.VOIDED
        ]
        for name in (
            "classification",
            "grade",
            "industry",
            "document_language",
            "status",
            "country",
        ):
            # Empty cells keep the default (new rows) or the current value (updates).
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in (
            "classification",
            "grade",
            "industry",
            "document_language",
            "status",
            "country",
        ):
            if data.get(name) in ("", None):
                data[name] = getattr(self.instance, name)
        return data


def _existing(code: str) -> Customer | None:
    return Customer.objects.filter(code__iexact=(code or "").strip()).first()


def _values(form_data: dict, customer: Customer | None) -> dict:
    values = {name: form_data[name] for name in IMPORTED_FIELDS if name in form_data}
    if customer is None:
        return {k: v for k, v in values.items() if v not in ("", None)}
    # Empty cells in an update leave the stored value alone.
    return {
        k: v
        for k, v in values.items()
        if v not in ("", None) and getattr(customer, k) != v and k != "code"
    }


def classify(cleaned: dict) -> str:
    customer = _existing(cleaned["code"])
    if customer is None:
        return NEW
    return UPDATED if _values(cleaned, customer) else UNCHANGED


def save_row(cleaned: dict, *, actor) -> str:
    customer = _existing(cleaned["code"])
    if customer is None:
        services.create_customer(_values(cleaned, None), actor=actor)
        return NEW
    values = _values(cleaned, customer)
    if not values:
        return UNCHANGED
    services.update_customer(customer, values, actor=actor, expected_version=customer.version)
    return UPDATED


def form_kwargs(data: dict) -> dict:
    return {"instance": _existing(data.get("code")) or Customer()}


def import_spec() -> ImportSpec:
    return ImportSpec(
        name="customers",
        sheet_title=gettext_lazy("Customers"),
        form_class=CustomerRowForm,
        form_kwargs=form_kwargs,
        save_row=save_row,
        classify=classify,
        key_fields=("code",),
        columns=[
            Column(
                "code",
                "客户编码",
                "Customer code",
                required=True,
                example="C90001",
                help=gettext_lazy("A code that exists already updates that customer."),
            ),
            Column(
                "name",
                "客户名称",
                "Name (Chinese)",
                required=True,
                example="示例汽车有限公司",
                aliases=("名称", "Name"),
            ),
            Column("name_en", "英文名称", "Name (English)", example="Example Motors Co., Ltd."),
            Column("short_name", "简称", "Short name", example="示例汽车"),
            Column("classification", "客户分类", "Classification", example="重点客户"),
            Column("grade", "等级", "Grade", example="A"),
            Column("industry", "行业", "Industry", example="汽车"),
            Column("oem_group", "主机厂集团", "OEM group", example="示例集团"),
            Column("document_language", "文件语言", "Document language", example="中文"),
            Column("country", "国家或地区", "Country or region", example="中国"),
            Column("phone", "电话", "Phone", example="+86 21 5555 0000"),
            Column("website", "网址", "Website", example="https://www.example.com"),
            Column("customer_since", "合作开始日期", "Customer since", example="2020-03-01"),
            Column(
                "owner",
                "客户经理",
                "Account manager",
                example="sm",
                allowed=gettext_lazy("user name or e-mail; empty: you"),
            ),
            Column(
                "department",
                "负责部门",
                "Responsible department",
                example="营业部",
                allowed=gettext_lazy("code or name; empty: the account manager's"),
            ),
            Column("status", "状态", "Status", example="有效"),
            Column("notes", "备注", "Notes"),
        ],
    )


def export(job) -> Export:
    """Exactly what the list showed: the same filters, for the same person's data scope."""
    user = job.created_by
    filters = QueryDict(job.params.get("filters", ""))
    customers = access.visible(user, Customer.objects.select_related("owner", "department"))
    queryset = CustomerFilter(filters, queryset=customers).qs.order_by("code")
    return Export(
        columns=[
            ExportColumn(_("Customer code"), "code", width=12),
            ExportColumn(_("Name (Chinese)"), "name", width=30),
            ExportColumn(_("Name (English)"), "name_en", width=30),
            ExportColumn(_("Short name"), "short_name"),
            ExportColumn(_("Classification"), lambda c: c.get_classification_display()),
            ExportColumn(_("Grade"), "grade", width=6),
            ExportColumn(_("Industry"), lambda c: c.get_industry_display()),
            ExportColumn(_("OEM group"), "oem_group"),
            ExportColumn(_("Document language"), lambda c: c.get_document_language_display()),
            ExportColumn(_("Country or region"), "country"),
            ExportColumn(_("Phone"), "phone"),
            ExportColumn(_("Website"), "website"),
            ExportColumn(_("Customer since"), "customer_since"),
            ExportColumn(_("Account manager"), lambda c: c.owner.username),
            ExportColumn(_("Responsible department"), lambda c: str(c.department)),
            ExportColumn(_("Status"), lambda c: c.get_status_display()),
            ExportColumn(_("Notes"), "notes", width=30),
        ],
        rows=queryset.iterator(chunk_size=2000),
        filename=_("customers"),
        sheet_name=_("Customers"),
        total=queryset.count(),
    )
