"""Forms of the approval pages; the service functions check everything again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cqms.organisation.models import User
from cqms.organisation.widgets import UserPicker

from .models import Meaning

SIGNING_MEANINGS = [(m.value, m.label) for m in Meaning if m != Meaning.REJECTED]


def _people():
    return User.objects.filter(is_active=True).select_related("department")


class DecisionForm(forms.Form):
    """Approve or reject, with the electronic signature where the node asks for one."""

    comment = forms.CharField(
        label=_("Comment or reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    add_after = forms.ModelChoiceField(
        label=_("Then also ask (optional)"),
        queryset=_people(),
        required=False,
        widget=UserPicker(),
        help_text=_("This person approves after you before the step is complete."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args, signature: dict | None = None, ask_username=False, ask_code=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.signature = signature
        if signature is None:
            return
        if signature.get("reason_required"):
            self.fields["comment"].label = _("Reason (required for the signature)")
        if ask_username:
            self.fields["username"] = forms.CharField(
                label=_("User name"),
                max_length=150,
                widget=forms.TextInput(
                    attrs={"autocomplete": "username", "autocapitalize": "none"}
                ),
                help_text=_("The first signature after logging in asks for your user name too."),
            )
        self.fields["password"] = forms.CharField(
            label=_("Password"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            help_text=_("Your password signs this decision electronically."),
        )
        if ask_code:
            self.fields["otp"] = forms.CharField(
                label=_("One-time code"),
                max_length=12,
                widget=forms.TextInput(
                    attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
                ),
            )
        self.fields["meaning"] = forms.ChoiceField(
            label=_("Meaning of your signature"),
            choices=SIGNING_MEANINGS,
            initial=signature.get("meaning") or Meaning.APPROVED,
            widget=forms.RadioSelect,
            required=False,
        )


class AddBeforeForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=_people(), widget=UserPicker())
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class TransferForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Hand on to"), queryset=_people(), widget=UserPicker())
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReturnForm(forms.Form):
    step = forms.TypedChoiceField(label=_("Return to"), coerce=int, choices=())
    comment = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = list(steps)


class ReasonForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
