"""The customer register in Excel: import (template, dry run, all-or-nothing) and export of
exactly what the list shows, both run as background jobs."""

from __future__ import annotations

import copy

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cqms.audit import bulk
from cqms.organisation import access, lookups
from cqms.organisation.models import Department
from cqms.spreadsheets.exporter import ExportColumn
from cqms.spreadsheets.importer import NEW, UNCHANGED, UPDATED, Column, ImportSpec
from cqms.spreadsheets.jobs import Export

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
    """A department by its code or by its Chinese or English name, as people type it.
    `lookup` (a DepartmentLookup): a bulk import's departments, loaded once."""

    lookup = None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if self.lookup is not None:
            match = self.lookup.find(text)
        else:
            match = Department.objects.filter(
                Q(code__iexact=text) | Q(name=text) | Q(name_en__iexact=text)
            ).first()
        if match is None:
            raise forms.ValidationError(
                _("Unknown department “%(value)s”.") % {"value": text}, code="invalid_choice"
            )
        return match


class UserField(forms.ModelChoiceField):
    """A user by user name, e-mail or full name. `lookup` (a UserLookup): a bulk import's
    users, loaded once."""

    lookup = None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if self.lookup is not None:
            match = self.lookup.find(text)
        else:
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

    def __init__(self, *args, lookups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookups = lookups
        if lookups is not None:
            self.fields["owner"].lookup = lookups.users
            self.fields["department"].lookup = lookups.departments
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

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if self.lookups is not None:
            # The loaded users and departments exist: no query per row to say so again.
            exclude |= {"owner", "department"}
        return exclude

    def validate_unique(self):
        # A bulk import knows every code of the file and the table (CustomerLookups): no
        # query per row. A code that exists in another case updates that customer.
        if self.lookups is None:
            super().validate_unique()


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


class CustomerLookups:
    """What a customer file refers to, in a few queries: the customers whose codes it names
    (any case), the users and the departments."""

    def __init__(self, rows: list[dict], *, actor=None):
        self.actor = actor
        self.started = timezone.now()
        codes = {lookups.key(row.get("code")) for row in rows} - {""}
        self.max_pk = Customer.objects.aggregate(top=Max("pk"))["top"] or 0
        pks = [
            pk for pk, code in Customer.objects.values_list("pk", "code") if code.upper() in codes
        ]
        self.customers: dict[str, Customer] = {}
        for chunk in _chunks(pks):
            for customer in Customer.objects.filter(pk__in=chunk).order_by("pk"):
                self.customers.setdefault(customer.code.upper(), customer)
        self.users = lookups.UserLookup()
        self.departments = lookups.DepartmentLookup()
        self.codes = codes
        self.visible: set[int] | None = None
        if actor is not None and self.customers:
            self.visible = set()
            for chunk in _chunks([c.pk for c in self.customers.values()]):
                scope = access.visible(actor, Customer.objects.filter(pk__in=chunk))
                self.visible.update(scope.values_list("pk", flat=True))

    def existing(self, code) -> Customer | None:
        return self.customers.get(lookups.key(code))

    def stale(self) -> bool:
        """A customer of the file, or one with a code of the file, changed since loading."""
        changed = Customer.objects.filter(Q(pk__gt=self.max_pk) | Q(updated_at__gte=self.started))
        loaded = {c.pk for c in self.customers.values()}
        return any(
            pk in loaded or code.upper() in self.codes
            for pk, code in changed.values_list("pk", "code")
        )


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def prepare(rows: list[dict], *, actor=None) -> CustomerLookups:
    return CustomerLookups(rows, actor=actor)


def classify(cleaned: dict, *, context: CustomerLookups) -> str:
    customer = context.existing(cleaned["code"])
    actor = context.actor
    if customer is None:
        if actor is not None and not actor.has_perm("customers.add_customer"):
            raise ValidationError(_("You are not allowed to import this row."))
        owner = cleaned.get("owner") or actor
        if actor is not None and cleaned.get("department") is None and owner.department is None:
            raise ValidationError(
                {
                    "department": _(
                        "Choose the responsible department: the account manager has none."
                    )
                }
            )
        return NEW
    values = _values(cleaned, customer)
    if values and actor is not None:
        if not actor.has_perm("customers.change_customer") or customer.pk not in context.visible:
            raise ValidationError(_("You are not allowed to import this row."))
        if customer.status == Customer.Status.VOIDED:
            raise ValidationError(_("This customer is voided and cannot be changed."))
    return UPDATED if values else UNCHANGED


def save_rows(rows, *, actor, context: CustomerLookups) -> bulk.BulkWrite:
    """Every row prepared at once, with the records and entries the services write, in the
    file's order: new customers inserted together, changes sent together, entries chained in
    one go."""
    work = []
    for row in rows:
        cleaned = row.cleaned_data
        customer = context.existing(cleaned["code"])
        if customer is None:
            customer = Customer(**_values(cleaned, None))
            if customer.owner_id is None:
                customer.owner = actor
            if customer.department_id is None:
                customer.department = context.departments.all.get(
                    customer.owner.department_id, customer.owner.department
                )
            work.append((customer, None))
        elif values := _values(cleaned, customer):
            work.append((customer, values))
    plan = bulk.BulkWrite(actor, stale=context.stale)
    new = [customer for customer, values in work if values is None]
    bulk.reserve_ids(Customer, new)
    for customer, values in work:
        if values is None:
            plan.entry(customer, bulk.services.CREATE, plan.creation_changes(customer))
        else:
            plan.update([(customer, copy.copy(customer), values)])
    plan.insert_rows(new)
    return plan


def form_kwargs(data: dict, *, context: CustomerLookups) -> dict:
    # A copy: the form writes its values onto its instance, and the loaded one is the "before".
    existing = context.existing(data.get("code"))
    return {"instance": copy.copy(existing) if existing else Customer(), "lookups": context}


def import_spec() -> ImportSpec:
    return ImportSpec(
        name="customers",
        sheet_title=gettext_lazy("Customers"),
        form_class=CustomerRowForm,
        form_kwargs=form_kwargs,
        prepare=prepare,
        save_rows=save_rows,
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
