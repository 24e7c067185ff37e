from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cqms.core.files import DOCUMENT_EXTENSIONS
from cqms.core.forms import DATE_INPUT, VersionedForm
from cqms.organisation.models import Department
from cqms.organisation.widgets import UserPicker

from .models import Address, Contact, Customer, CustomerDocument, SupplierPortal


def active_users():
    return get_user_model().objects.filter(is_active=True).select_related("department")


def rows(*groups) -> Layout:
    """A layout of rows, each a tuple of field names sharing the row equally."""
    return Layout(
        *[Row(*[Column(name, css_class="col-12 col-md") for name in group]) for group in groups],
        "version",
    )


class CustomerForm(VersionedForm):
    class Meta:
        model = Customer
        fields = [
            "code",
            "name",
            "name_en",
            "short_name",
            "classification",
            "grade",
            "industry",
            "oem_group",
            "supplier_code",
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
        widgets = {
            "customer_since": DATE_INPUT,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "owner": UserPicker(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_users()
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        self.fields["status"].choices = [
            c for c in Customer.Status.choices if c[0] != Customer.Status.VOIDED
        ]
        if not self.instance.pk:
            self.fields["code"].required = False
            self.fields["code"].help_text = _("Leave empty to use the next customer number.")
            self.fields["owner"].required = False
            self.fields["department"].required = False
            self.fields["owner"].help_text = _("Empty: you.")
            self.fields["department"].help_text = _("Empty: the account manager's department.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = rows(
            ("code", "short_name", "status"),
            ("name", "name_en"),
            ("classification", "grade", "industry"),
            ("oem_group", "supplier_code"),
            ("document_language", "country"),
            ("phone", "website", "customer_since"),
            ("owner", "department"),
            ("notes",),
        )


class ContactForm(VersionedForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "title",
            "role",
            "email",
            "phone",
            "mobile",
            "is_primary",
            "is_active",
            "wecom_user_id",
            "dingtalk_user_id",
            "feishu_open_id",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = rows(
            ("name", "title", "role"),
            ("email", "phone", "mobile"),
            ("wecom_user_id", "dingtalk_user_id", "feishu_open_id"),
            ("is_primary", "is_active"),
            ("notes",),
        )


class AddressForm(VersionedForm):
    class Meta:
        model = Address
        fields = ["kind", "line", "city", "province", "country", "postcode", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = rows(
            ("kind", "is_active"), ("line",), ("city", "province"), ("country", "postcode")
        )


class DocumentForm(VersionedForm):
    upload = forms.FileField(
        label=_("File"),
        help_text=_("PDF, images, Office files or CAD drawings (%(types)s).")
        % {"types": ", ".join(DOCUMENT_EXTENSIONS)},
    )

    class Meta:
        model = CustomerDocument
        fields = [
            "doc_type",
            "title",
            "document_number",
            "revision",
            "valid_from",
            "valid_until",
            "notes",
        ]
        widgets = {
            "valid_from": DATE_INPUT,
            "valid_until": DATE_INPUT,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["upload"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        groups = [
            ("doc_type", "title"),
            ("document_number", "revision"),
            ("valid_from", "valid_until"),
            ("notes",),
        ]
        if not self.instance.pk:
            groups.append(("upload",))
        self.helper.layout = rows(*groups)

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of validity must not be before its start."))
        return data


class PortalForm(VersionedForm):
    class Meta:
        model = SupplierPortal
        fields = ["name", "url", "account_owner", "check_frequency", "is_active", "notes"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2}),
            "account_owner": UserPicker(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_owner"].queryset = active_users()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = rows(
            ("name", "url"), ("account_owner", "check_frequency", "is_active"), ("notes",)
        )


class BulkChangeForm(forms.Form):
    """Change one field of all selected customers."""

    FIELDS = [
        ("owner", _("Account manager")),
        ("classification", _("Classification")),
        ("grade", _("Grade")),
        ("status", _("Status")),
    ]
    field = forms.ChoiceField(label=_("Change"), choices=FIELDS)
    owner = forms.ModelChoiceField(
        label=_("Account manager"), queryset=None, required=False, widget=UserPicker()
    )
    classification = forms.ChoiceField(
        label=_("Classification"), choices=Customer.Classification.choices, required=False
    )
    grade = forms.ChoiceField(label=_("Grade"), choices=Customer.Grade.choices, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(Customer.Status.ACTIVE, _("Active")), (Customer.Status.INACTIVE, _("Inactive"))],
        required=False,
    )
    selection = forms.ModelMultipleChoiceField(queryset=None)

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_users()
        self.fields["selection"].queryset = customers
        self.fields["selection"].error_messages["required"] = _("Select at least one customer.")

    def clean(self):
        data = super().clean()
        field = data.get("field")
        if field and data.get(field) in (None, ""):
            self.add_error(field, _("Choose the new value."))
        return data

    def values(self) -> dict:
        field = self.cleaned_data["field"]
        return {field: self.cleaned_data[field]}
