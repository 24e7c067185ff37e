"""What each 8D step holds (Ford G8D / VDA 8D, procedure 001 §6): the step's own fields, stored
in `EightDStep.data`, and the rows that belong to it (team, containment grid, root causes,
actions, documents, deployments). The same specification builds the step forms, checks the gates
on the server and renders the 8D report (page, PDF, xlsx), so the three never disagree.

Gates ("what must be there before the step may be completed") are checked in `eightd.py`;
`gates_in_words()` lists them in words for the pages, the API and the user guide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import ContainmentAction, DocumentUpdate, Step

TEXT, AREA, DATE, DATETIME, CHOICE, BOOL = "text", "area", "date", "datetime", "choice", "bool"
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    kind: str = AREA
    required: bool = False  # required to complete the step (saving a draft is always allowed)
    choices: tuple = ()
    help: object = ""


@dataclass(frozen=True)
class StepSpec:
    step: str
    fields: tuple[Field, ...] = ()
    rows: tuple[str, ...] = ()  # related rows shown with the step
    gates: tuple = field(default_factory=tuple)


SPECS: dict[str, StepSpec] = {
    Step.D0: StepSpec(
        Step.D0,
        fields=(
            Field("symptom", _("Symptom as the customer sees it"), required=True),
            Field("emergency_actions", _("Immediate (emergency response) actions"), required=True),
            Field("emergency_at", _("Emergency response taken at"), DATETIME),
            Field(
                "full_8d",
                _("Is a full 8D needed?"),
                CHOICE,
                required=True,
                choices=tuple(YES_NO),
                help=_("No: a short report (containment, cause, action) is enough."),
            ),
        ),
    ),
    Step.D1: StepSpec(
        Step.D1,
        fields=(Field("notes", _("Notes on the team")),),
        rows=("team",),
        gates=(_("a team leader and at least one other member"),),
    ),
    Step.D2: StepSpec(
        Step.D2,
        fields=(
            Field("what", _("What: part and defect"), required=True),
            Field("where", _("Where: found at, where on the part"), required=True),
            Field("when", _("When: found, produced"), required=True),
            Field("who", _("Who found it")),
            Field("why", _("Why it is a problem (requirement not met)"), required=True),
            Field("how", _("How it was found, failure mode")),
            Field("how_many", _("How many: quantity, rate, trend"), required=True),
            Field("is", _("Is: where, when, on what the problem occurs")),
            Field("is_not", _("Is not: where, when, on what it could occur but does not")),
            Field("statement", _("Problem statement"), required=True),
        ),
        rows=("attachments",),
        gates=(_("at least one piece of evidence (photo, returned part, data) attached"),),
    ),
    Step.D3: StepSpec(
        Step.D3,
        fields=(
            Field(
                "clean_point",
                _("Clean point: first certified lot or date and its marking"),
                TEXT,
                required=True,
            ),
            Field(
                "customer_informed_at",
                _("Customer informed of the containment at"),
                DATETIME,
                required=True,
            ),
            Field("replacement", _("Replacement shipment")),
        ),
        rows=("containment",),
        gates=(_("every location answered: a result, or not applicable with a note"),),
    ),
    Step.D4: StepSpec(
        Step.D4,
        fields=(
            Field(
                "earlier_action_failure",
                _("Repeat: why did the earlier action not prevent this?"),
                help=_("Required when the complaint is a repeat."),
            ),
        ),
        rows=("root_causes",),
        gates=(
            _(
                "at least one verified occurrence cause and one verified non-detection cause, each "
                "with its 5-Why chain and how it was verified"
            ),
            _("for a repeat complaint, why the earlier action did not prevent it"),
        ),
    ),
    Step.D5: StepSpec(
        Step.D5,
        fields=(Field("notes", _("Why these actions were chosen")),),
        rows=("corrective_actions",),
        gates=(
            _(
                "every verified root cause has an action with owner, due date and a "
                "verification plan"
            ),
        ),
    ),
    Step.D6: StepSpec(
        Step.D6,
        fields=(
            Field("containment_removed_at", _("Containment removed at"), DATETIME),
            Field(
                "validation",
                _("Validation after implementation (lots, PPM, capability)"),
                required=True,
            ),
        ),
        rows=("corrective_actions",),
        gates=(
            _("every corrective action implemented, its effectiveness checked and found effective"),
        ),
    ),
    Step.D7: StepSpec(
        Step.D7,
        fields=(
            Field("systemic_actions", _("Systemic actions (management system, design rules)")),
            Field(
                "no_deployment_reason",
                _("No similar products, lines or plants because …"),
                help=_("Only when there is nothing to deploy to."),
            ),
        ),
        rows=("documents", "deployments", "preventive_actions"),
        gates=(
            _(
                "PFMEA, control plan, work instruction and inspection standard each updated (with "
                "the new revision) or not affected (with the reason)"
            ),
            _("horizontal deployment planned, or the reason why there is nothing to deploy to"),
            _("a preventive action, or its waiver approved by the general manager"),
        ),
    ),
    Step.D8: StepSpec(
        Step.D8,
        fields=(
            Field("lessons_learned", _("Lessons learned"), required=True),
            Field("recognition", _("Team recognition")),
        ),
        gates=(
            _("the customer accepted the answer"),
            _("D1 to D7 done, and for a major issue the quality investigation completed"),
            _("closure approved by the quality manager"),
        ),
    ),
}


def spec(step: str) -> StepSpec:
    return SPECS[step]


ORDER = [value for value, _label in Step.choices]

# Steps that must be done before a step may be completed (the status flow is
# registered → acknowledged → contained (D3) → analysed (D4) → actions answered (D5 + D7)).
PREREQUISITES: dict[str, tuple[str, ...]] = {
    Step.D4: (Step.D3,),
    Step.D5: (Step.D4,),
    Step.D6: (Step.D5,),
    Step.D7: (Step.D4,),
    Step.D8: (Step.D1, Step.D2, Step.D3, Step.D4, Step.D5, Step.D6, Step.D7),
}

# With a short report (D0: no full 8D) these steps may be marked not applicable.
SHORT_REPORT_OPTIONAL = (Step.D1, Step.D2)

# The D3 grid starts with one row per place where suspect parts may be.
CONTAINMENT_LOCATIONS = [
    ContainmentAction.Location.FINISHED_STOCK,
    ContainmentAction.Location.WIP,
    ContainmentAction.Location.IN_TRANSIT,
    ContainmentAction.Location.CUSTOMER_STOCK,
    ContainmentAction.Location.CUSTOMER_LINE,
    ContainmentAction.Location.EXTERNAL_WAREHOUSE,
]

# D7 asks about each of these documents.
DOCUMENTS = [value for value, _label in DocumentUpdate.Document.choices]

# The row kinds each step shows (the names used by `StepSpec.rows`).
ROW_KINDS = {
    "team": ("team",),
    "containment": ("containment",),
    "root_causes": ("root_cause",),
    "corrective_actions": ("corrective",),
    "preventive_actions": ("preventive",),
    "documents": ("document",),
    "deployments": ("deployment",),
    "attachments": (),
}


def field_of(step: str, name: str) -> Field:
    return next(item for item in SPECS[step].fields if item.name == name)


def dump_value(item: Field, value):
    """A cleaned form value as stored in `EightDStep.data` (JSON: dates as ISO text)."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if item.kind == BOOL:
        return bool(value)
    return str(value).strip() if isinstance(value, str) else value


def load_value(item: Field, raw):
    """A stored value as the step form's initial value."""
    if raw in (None, ""):
        return None
    if item.kind == DATETIME and isinstance(raw, str):
        parsed = parse_datetime(raw)
        return timezone.localtime(parsed) if parsed and timezone.is_aware(parsed) else parsed
    if item.kind == DATE and isinstance(raw, str):
        return parse_date(raw)
    return raw


def is_filled(item: Field, raw) -> bool:
    if item.kind == BOOL:
        return raw is True
    return raw not in (None, "") and not (isinstance(raw, str) and not raw.strip())


def display_value(item: Field, raw) -> str:
    """A stored value in words, for the report and the answer."""
    value = load_value(item, raw)
    if value is None:
        return ""
    if item.kind == CHOICE:
        return str(dict(item.choices).get(value, value))
    if item.kind == BOOL:
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dt.datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def gates_in_words(step: str) -> list[str]:
    """Everything a step needs before it may be completed, in words (pages, API, user guide):
    its required fields, its gates, and the steps that must be done first."""
    spec = SPECS[step]
    words = [
        gettext("“%(field)s” filled in") % {"field": item.label}
        for item in spec.fields
        if item.required
    ]
    words.extend(str(gate) for gate in spec.gates)
    before = PREREQUISITES.get(step, ())
    if before and step != Step.D8:  # D8 names them in its own gate
        words.append(
            gettext("Done before: %(steps)s.")
            % {"steps": ", ".join(str(Step(s).label) for s in before)}
        )
    return words


def form_class(step: str) -> type[forms.Form]:
    """A Django form for the step's own fields. Every field is optional here: a step may be
    saved half-done; `eightd.complete_step` checks the required ones."""
    form_fields = {}
    for item in SPECS[step].fields:
        if item.kind == AREA:
            widget = forms.Textarea(attrs={"rows": 2})
            form_field = forms.CharField(widget=widget, max_length=5000)
        elif item.kind == TEXT:
            form_field = forms.CharField(max_length=300)
        elif item.kind == DATE:
            form_field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        elif item.kind == DATETIME:
            form_field = forms.DateTimeField(
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
                ),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%z"],
            )
        elif item.kind == CHOICE:
            form_field = forms.ChoiceField(choices=[("", "—"), *item.choices])
        else:
            form_field = forms.BooleanField()
        form_field.required = False
        form_field.label = item.label
        form_field.help_text = item.help
        form_fields[item.name] = form_field
    form_fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
    return type(f"{step.upper()}Form", (forms.Form,), form_fields)
