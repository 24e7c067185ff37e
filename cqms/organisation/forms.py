from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Delegation, User
from .widgets import UserPicker


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("User name or e-mail"), max_length=254)

    error_messages = {
        "invalid_login": _("The user name, e-mail or password is not correct."),
        "inactive": _("This account is deactivated."),
    }


class DelegationForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ["delegate", "starts_on", "ends_on", "reason"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "delegate": UserPicker(),
        }

    def __init__(self, *args, delegator: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.delegator = delegator
        self.fields["delegate"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(pk=delegator.pk)
            .select_related("department")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end date must not be before the start date."))
        if end and end < timezone.localdate():
            self.add_error("ends_on", _("The period has already ended."))
        return data


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "email",
            "phone",
            "language",
            "wecom_user_id",
            "dingtalk_user_id",
            "feishu_open_id",
        ]
