"""Forms of the 8D report: each step's own fields (from `steps.py`) and the rows of the steps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cqms.core.forms import DATE_INPUT
from cqms.organisation.models import User
from cqms.organisation.widgets import UserPicker

from . import steps
from .models import (
    Action,
    ContainmentAction,
    DocumentUpdate,
    EightDStep,
    HorizontalDeployment,
    QualityInvestigation,
    RootCause,
    TeamMember,
)

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
SMALL = {"class": "form-control form-control-sm"}
SMALL_SELECT = {"class": "form-select form-select-sm"}


def active_users():
    return User.objects.filter(is_active=True)


def step_form_class(step: str) -> type[forms.Form]:
    """The step's own fields (all optional for a draft), its owner and planned date, and the
    version the user read (0: the step has not been saved yet)."""
    base = steps.form_class(step)
    extra = {
        "owner": forms.ModelChoiceField(
            active_users(), label=_("Step owner"), required=False, widget=UserPicker
        ),
        "planned_date": forms.DateField(label=_("Planned"), required=False, widget=DATE_INPUT),
    }
    return type(f"{step.upper()}StepForm", (base,), extra)


def step_form(step: str, stored: EightDStep | None, data=None) -> forms.Form:
    form_class = step_form_class(step)
    if data is not None:
        form = form_class(data, prefix=step)
    else:
        initial = {"version": stored.version if stored else 0}
        if stored is not None:
            for item in steps.spec(step).fields:
                initial[item.name] = steps.load_value(item, stored.data.get(item.name))
            initial["owner"] = stored.owner_id
            initial["planned_date"] = stored.planned_date
        form = form_class(initial=initial, prefix=step)
        if stored is not None and stored.owner_id:
            form.fields["owner"].widget.remember(stored.owner)
    form.fields["version"].required = True
    return form


def step_values(form: forms.Form) -> dict:
    return {name: value for name, value in form.cleaned_data.items() if name != "version"}


class RowForm(forms.ModelForm):
    """A row of a step; versioned rows carry the version the user read."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    compact = False  # rendered as inputs in a grid row, not through crispy

    def __init__(self, *args, complaint=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        if self.instance.pk and hasattr(self.instance, "version"):
            self.fields["version"].initial = self.instance.version
        for name, field in self.fields.items():
            if isinstance(field.widget, UserPicker) and self.instance.pk:
                field.widget.remember(getattr(self.instance, name))  # loaded with the row
        if self.compact:
            for field in self.fields.values():
                widget = field.widget
                if isinstance(widget, forms.HiddenInput | forms.CheckboxInput):
                    continue
                small = SMALL_SELECT if isinstance(widget, forms.Select) else SMALL
                widget.attrs.setdefault("class", small["class"])
                widget.attrs.setdefault("aria-label", str(field.label))

    def values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self._meta.fields
            if name in self.cleaned_data and (not self.instance.pk or name in self.changed_data)
        }

    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")


class TeamMemberForm(RowForm):
    class Meta:
        model = TeamMember
        fields = ["user", "name", "department", "role", "contact"]
        widgets = {"user": UserPicker}
        help_texts = {"name": _("For people outside CQMS, e.g. the customer's engineer.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_users()


class ContainmentRowForm(RowForm):
    compact = True

    class Meta:
        model = ContainmentAction
        fields = [
            "location",
            "method",
            "responsible",
            "done_at",
            "quantity_checked",
            "quantity_rejected",
            "result",
            "note",
        ]
        widgets = {"responsible": UserPicker, "done_at": DATETIME_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = active_users()
        self.fields["done_at"].input_formats = DATETIME_FORMATS
        for name in ("quantity_checked", "quantity_rejected"):
            self.fields[name].widget.attrs.update({"min": 0, "inputmode": "numeric"})


class WhyChainWidget(forms.Widget):
    """An ordered list of inputs, one per "why"; app.js adds and removes them, and without
    scripts two empty ones are always offered."""

    template_name = "complaints/eightd/why_chain_widget.html"

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name, [])
        return value if isinstance(value, list) else [value]

    def format_value(self, value):
        return [str(v) for v in (value or [])]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        whys = self.format_value(value)
        context["widget"]["whys"] = [*whys, "", ""] if len(whys) < 2 else [*whys, ""]
        return context


class WhyChainField(forms.Field):
    widget = WhyChainWidget

    def to_python(self, value):
        return [str(v).strip() for v in (value or []) if str(v).strip()]

    def has_changed(self, initial, data):
        return self.to_python(initial) != self.to_python(data)


class RootCauseForm(RowForm):
    why_chain = WhyChainField(
        label=_("5 whys"), required=False, help_text=_("Ask why until the root cause is reached.")
    )

    class Meta:
        model = RootCause
        fields = ["kind", "category", "description", "why_chain", "verification", "verified"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "verification": forms.Textarea(attrs={"rows": 2}),
        }


class ActionForm(RowForm):
    class Meta:
        model = Action
        fields = [
            "root_cause",
            "description",
            "owner",
            "due_date",
            "verification_plan",
            "done_at",
            "evidence",
            "effectiveness_due",
            "effectiveness_result",
            "status",
        ]
        widgets = {
            "owner": UserPicker,
            "description": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
            "effectiveness_result": forms.Textarea(attrs={"rows": 2}),
            "due_date": DATE_INPUT,
            "effectiveness_due": DATE_INPUT,
            "done_at": DATETIME_INPUT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = active_users()
        if "done_at" in self.fields:
            self.fields["done_at"].input_formats = DATETIME_FORMATS
        if "root_cause" in self.fields:
            causes = RootCause.objects.none()
            if self.complaint is not None:
                causes = self.complaint.root_causes.all()
            field = self.fields["root_cause"]
            field.queryset = causes  # checks a submitted choice
            if self.complaint is not None and not self.is_bound:
                # Rendered from the causes the page has loaded: no query per action row.
                field.choices = [("", field.empty_label or "")] + [
                    (cause.pk, field.label_from_instance(cause))
                    for cause in self.complaint.root_causes.all()
                ]
        if "status" in self.fields:
            self.fields["status"].required = False

    def clean_status(self):
        return self.cleaned_data.get("status") or self.instance.status or Action.Status.OPEN


class PlanActionForm(ActionForm):
    """Choosing an action (D5, D7): what, who, by when, how it will be verified."""

    class Meta(ActionForm.Meta):
        fields = ["root_cause", "description", "owner", "due_date", "verification_plan"]


class ImplementActionForm(ActionForm):
    """D6: implementation and the effectiveness check of a chosen action."""

    class Meta(ActionForm.Meta):
        fields = ["done_at", "evidence", "effectiveness_due", "effectiveness_result", "status"]


class OwnActionForm(RowForm):
    """What the owner of an action records without 8D rights."""

    class Meta:
        model = Action
        fields = ["done_at", "evidence"]
        widgets = {"done_at": DATETIME_INPUT, "evidence": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_at"].input_formats = DATETIME_FORMATS


class YesNoSelect(forms.NullBooleanSelect):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]


class DocumentRowForm(RowForm):
    compact = True

    class Meta:
        model = DocumentUpdate
        fields = ["affected", "new_revision", "not_affected_reason"]
        widgets = {"affected": YesNoSelect}


class DeploymentForm(RowForm):
    class Meta:
        model = HorizontalDeployment
        fields = ["target", "action", "owner", "due_date", "done_at"]
        widgets = {
            "owner": UserPicker,
            "action": forms.Textarea(attrs={"rows": 2}),
            "due_date": DATE_INPUT,
            "done_at": DATETIME_INPUT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_users()
        self.fields["done_at"].input_formats = DATETIME_FORMATS


class InvestigationForm(RowForm):
    class Meta:
        model = QualityInvestigation
        fields = ["scope", "findings", "risk_to_other_customers", "improvement"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in ["scope", "findings", "risk_to_other_customers", "improvement"]
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version if self.instance.pk else 0
        for name in self._meta.fields:
            self.fields[name].required = False


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


ROW_FORMS = {
    "team": TeamMemberForm,
    "containment": ContainmentRowForm,
    "root_cause": RootCauseForm,
    "corrective": PlanActionForm,
    "preventive": PlanActionForm,
    "document": DocumentRowForm,
    "deployment": DeploymentForm,
}

# The form a row is edited with on a given step's card.
EDIT_FORMS = {**ROW_FORMS, ("corrective", "d6"): ImplementActionForm}


def row_form_class(kind: str, card_step: str | None = None) -> type[RowForm]:
    return EDIT_FORMS.get((kind, card_step), ROW_FORMS[kind])
