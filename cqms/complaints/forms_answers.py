"""Forms of the answer to the customer, the verdict and the complaint import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cqms.customers.models import Contact, Customer
from cqms.spreadsheets.reader import validate_upload

from .answers import LINK_DAYS, LINK_MAX_DAYS
from .models import Complaint

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
ACCEPT, REJECT = "accept", "reject"
VERDICTS = [(ACCEPT, _("The customer accepts the answer")), (REJECT, _("The customer rejects it"))]


def _contacts(complaint: Complaint):
    return Contact.objects.filter(customer=complaint.customer, is_active=True)


class SendAnswerForm(forms.Form):
    via = forms.ChoiceField(
        label=_("Sent via"), choices=Complaint.Channel.choices, initial=Complaint.Channel.EMAIL
    )
    language = forms.ChoiceField(
        label=_("Language of the report"), choices=Customer.DocumentLanguage.choices
    )
    contact = forms.ModelChoiceField(
        label=_("Sent to"), queryset=Contact.objects.none(), required=False
    )
    sent_at = forms.DateTimeField(
        label=_("Sent at"),
        widget=DATETIME,
        input_formats=DATETIME_INPUTS,
        required=False,
        help_text=_("Empty: now."),
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = complaint.customer.document_language
        self.fields["contact"].queryset = _contacts(complaint)
        self.fields["contact"].initial = complaint.contact_id


class VerdictLinkForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("For the contact"), queryset=Contact.objects.none())
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=LINK_MAX_DAYS, initial=LINK_DAYS
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        kwargs.setdefault("auto_id", "link_%s")  # unique ids beside the verdict form
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = _contacts(complaint)
        self.fields["contact"].initial = complaint.contact_id


class PublicVerdictForm(forms.Form):
    """What the customer's contact fills in on the private page."""

    verdict = forms.ChoiceField(
        label=_("Your verdict"),
        choices=[(ACCEPT, _("I accept this answer")), (REJECT, _("I reject this answer"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you reject the answer."),
    )
    containment_rejected = forms.BooleanField(
        label=_("The containment is not adequate either"), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("verdict") == REJECT and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for rejecting."))
        return data

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["verdict"] == ACCEPT


class StaffVerdictForm(PublicVerdictForm):
    """The verdict as staff record it (the customer answered by e-mail, phone …)."""

    contact = forms.ModelChoiceField(
        label=_("Given by"), queryset=Contact.objects.none(), required=False
    )
    at = forms.DateTimeField(
        label=_("Received at"),
        widget=DATETIME,
        input_formats=DATETIME_INPUTS,
        required=False,
        help_text=_("Empty: now. The clocks of a reopening start at this time."),
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        kwargs.setdefault("auto_id", "verdict_%s")
        super().__init__(*args, **kwargs)
        self.fields["verdict"].choices = VERDICTS
        self.fields["verdict"].label = _("Verdict")
        self.fields["reason"].label = _("The customer's reason for rejecting")
        self.fields["containment_rejected"].label = _(
            "The customer also finds the containment inadequate"
        )
        self.fields["contact"].queryset = _contacts(complaint)
        self.fields["contact"].initial = complaint.contact_id


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel or CSV file"),
        help_text=_("Use the template: one complaint per row, headers in the first row."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload, filename=upload.name)
        upload.seek(0)
        return upload
