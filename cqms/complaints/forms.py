from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cqms.customers.models import Contact, Customer
from cqms.organisation.models import Department
from cqms.organisation.widgets import UserPicker

from .models import ClockName, Complaint, DefectCategory
from .widgets import CustomerChoice

INTAKE_FIELDS = [
    "customer",
    "contact",
    "customer_reference",
    "received_at",
    "channel",
    "complaint_type",
    "part_number",
    "part_name",
    "customer_part_number",
    "lot_number",
    "quantity_delivered",
    "quantity_affected",
    "quantity_checked",
    "quantity_rejected",
    "defect_category",
    "defect_description",
    "severity",
    "safety_regulatory",
    "major",
    "detection_point",
    "goods_returned",
    "owner",
    "department",
]


def rows(*groups) -> Layout:
    return Layout(
        *[Row(*[Column(name, css_class="col-12 col-md") for name in group]) for group in groups]
    )


def contacts_of(customers, customer_id):
    """The active contacts of one customer among `customers`; none before one is chosen."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        return Contact.objects.none()
    return Contact.objects.filter(
        is_active=True, customer__in=customers.filter(pk=customer_id)
    ).order_by("-is_primary", "name")


class ComplaintIntakeForm(forms.ModelForm):
    attachments = forms.FileField(
        label=_("Photos and the customer's documents"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"allow_multiple_selected": True}),
    )

    class Meta:
        model = Complaint
        fields = INTAKE_FIELDS
        widgets = {
            "received_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "defect_description": forms.Textarea(attrs={"rows": 4}),
            "customer": CustomerChoice(),
            "owner": UserPicker(),
        }

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = (
            (customers if customers is not None else Customer.objects.all())
            .exclude(status=Customer.Status.VOIDED)
            .order_by("code")
        )
        # Only the chosen customer's contacts, and only if the user may see that customer.
        self.fields["contact"].queryset = contacts_of(
            self.fields["customer"].queryset, self["customer"].value()
        )
        self.fields["contact"].widget.attrs.update(
            {
                "hx-get": reverse("complaints:intake_contacts"),
                "hx-trigger": "change from:#id_customer",
                "hx-include": "#id_customer",
                "hx-target": "#div_id_contact",
                "hx-swap": "outerHTML",
            }
        )
        self.fields["defect_category"].queryset = DefectCategory.objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        self.fields["department"].required = False
        self.fields["department"].help_text = _("Empty: the quality department.")
        self.fields["received_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["received_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        self.fields["quantity_affected"].required = True
        self.fields["attachments"].widget.attrs["multiple"] = True
        for name in ("customer", "part_number", "customer_part_number", "defect_category"):
            # The recurrence panel refreshes as these change (htmx).
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("complaints:recurrence"),
                    "hx-target": "#recurrence",
                    "hx-trigger": "change",
                    "hx-include": "#intake-form",
                }
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = rows(
            ("customer", "contact", "customer_reference"),
            ("received_at", "channel", "complaint_type"),
            ("part_number", "part_name", "customer_part_number", "lot_number"),
            ("quantity_delivered", "quantity_affected", "quantity_checked", "quantity_rejected"),
            ("defect_category", "severity", "detection_point"),
            ("defect_description",),
            ("safety_regulatory", "major", "goods_returned"),
            ("owner", "department"),
            ("attachments",),
        )

    def clean_attachments(self):
        return self.files.getlist("attachments") if self.files else []


class HandOverForm(forms.Form):
    to = forms.ModelChoiceField(label=_("New owner"), queryset=None, widget=UserPicker())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        # The complaint page holds several forms with a "reason": each keeps its own ids.
        kwargs.setdefault("auto_id", "hand_over_%s")
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["to"].queryset = get_user_model().objects.filter(is_active=True)


class PauseForm(forms.Form):
    clock = forms.ChoiceField(label=_("Clock"), choices=ClockName.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("For example: waiting for the customer to return samples."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "pause_%s")
        super().__init__(*args, **kwargs)
