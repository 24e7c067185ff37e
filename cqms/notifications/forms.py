"""Forms of the notification pages. Secrets are write-only: the channel form never renders the
stored webhook URL or signing secret, only a masked hint, and an empty field keeps them."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from cqms.core.forms import VersionedForm
from cqms.organisation.models import Department

from . import events
from .models import Channel


class ChannelForm(VersionedForm):
    new_webhook_url = forms.CharField(
        label=_("Webhook URL"),
        required=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Copied from the robot's settings in the group chat."),
    )
    new_secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "DingTalk and Feishu robots with signature security show it (DingTalk's starts "
            "with SEC). WeCom robots have none."
        ),
    )
    remove_secret = forms.BooleanField(label=_("Remove the signing secret"), required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), required=False, widget=forms.CheckboxSelectMultiple
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Only for departments"),
        required=False,
        queryset=Department.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Empty: every department. A department includes the departments below it."),
    )

    class Meta:
        model = Channel
        fields = [
            "name",
            "kind",
            "language",
            "keyword",
            "events",
            "departments",
            "customer_codes",
            "mention_recipients",
            "per_minute",
            "per_second",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(e.code, e.label) for e in events.channel_events()]
        self.fields["per_minute"].required = False
        self.fields["per_minute"].help_text = _(
            "Empty: the platform's limit (WeCom and DingTalk 20, Feishu 100)."
        )
        self.fields["per_second"].help_text = _("Empty: the platform's limit (Feishu 5).")
        editing = bool(self.instance.pk)
        if editing:
            self.initial["departments"] = list(
                self.instance.departments.values_list("pk", flat=True)
            )
            hint = self.instance.webhook_hint or "••••"
            self.fields["new_webhook_url"].help_text = _(
                "Set (%(hint)s). Leave empty to keep it."
            ) % {"hint": hint}
            if self.instance.secret_hint or self.instance.secret:
                self.fields["new_secret"].help_text = _(
                    "Set (%(hint)s). Leave empty to keep it."
                ) % {"hint": self.instance.secret_hint or "••••"}
            else:
                del self.fields["remove_secret"]
        else:
            self.fields["new_webhook_url"].required = True
            self.fields["per_minute"].initial = None
            del self.fields["remove_secret"]

    def clean_new_webhook_url(self):
        url = self.cleaned_data["new_webhook_url"].strip()
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("https", "http") or not parts.netloc:
                raise forms.ValidationError(
                    _("Enter the full webhook URL, starting with https://.")
                )
        return url

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and not cleaned.get("per_minute"):
            cleaned["per_minute"] = Channel.DEFAULT_LIMITS[kind][0]
        if kind and cleaned.get("per_second") is None:
            cleaned["per_second"] = Channel.DEFAULT_LIMITS[kind][1]
        return cleaned

    def service_values(self) -> dict:
        values = {
            name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data
        }
        values["events"] = list(self.cleaned_data.get("events") or [])
        values["departments"] = list(self.cleaned_data.get("departments") or [])
        return values

    def secret_value(self) -> str | None:
        """The new secret, "" to remove it, None to keep the stored one."""
        if self.cleaned_data.get("remove_secret"):
            return ""
        return self.cleaned_data.get("new_secret") or None


CHECK = {"class": "form-check-input"}


class PreferencesForm(forms.Form):
    digest = forms.BooleanField(
        label=_("Daily digest in my inbox"), required=False, widget=forms.CheckboxInput(CHECK)
    )
    digest_email = forms.BooleanField(
        label=_("Daily digest also by e-mail"), required=False, widget=forms.CheckboxInput(CHECK)
    )

    def __init__(self, *args, stored: dict[str, tuple[bool, bool]], **kwargs):
        super().__init__(*args, **kwargs)
        digest = stored.get(events.DIGEST, (True, True))
        self.fields["digest"].initial, self.fields["digest_email"].initial = digest
        self.event_fields = []
        for event in events.all_events():
            if event.code == events.DIGEST:
                continue
            name = f"email_{event.code}"
            self.fields[name] = forms.BooleanField(
                label=event.label,
                required=False,
                initial=stored.get(event.code, (True, True))[1],
                widget=forms.CheckboxInput(CHECK),
            )
            self.event_fields.append(name)

    def choices(self) -> dict[str, tuple[bool, bool]]:
        result = {
            name.removeprefix("email_"): (True, bool(self.cleaned_data[name]))
            for name in self.event_fields
        }
        result[events.DIGEST] = (
            bool(self.cleaned_data["digest"]),
            bool(self.cleaned_data["digest_email"]),
        )
        return result
