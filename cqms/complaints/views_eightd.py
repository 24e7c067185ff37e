"""8D pages: the step cards on the complaint page, each saved on its own (htmx swaps the card),
the rows of the steps, closure and waiver requests, the quality investigation, and the page on
which an action's owner records its implementation.

Every view finds the complaint within the user's data scope first (404 outside it), then calls
one service of `eightd` and renders the step's card again (or redirects without htmx).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cqms.approvals import selectors as approval_selectors
from cqms.core.errors import BusinessRuleError
from cqms.core.forms import ReasonForm, apply_service
from cqms.organisation import access

from . import answers, eightd, selectors, steps
from .forms_eightd import (
    AttachmentForm,
    ContainmentRowForm,
    DocumentRowForm,
    InvestigationForm,
    OwnActionForm,
    row_form_class,
    step_form,
    step_values,
)
from .models import Action, Complaint, EightDStep, QualityInvestigation, Step

CARD = "complaints/eightd/card.html"
STEP_PAGE = "complaints/eightd/step_page.html"
ROW_PAGE = "complaints/eightd/row_page.html"
BADGE = {
    EightDStep.Status.NOT_STARTED: "secondary",
    EightDStep.Status.IN_PROGRESS: "primary",
    EightDStep.Status.DONE: "success",
    EightDStep.Status.NOT_APPLICABLE: "light",
}
# Row sections of the cards, by the names in `StepSpec.rows`.
SECTION_TEMPLATES = {
    "team": "complaints/eightd/rows_team.html",
    "containment": "complaints/eightd/rows_containment.html",
    "root_causes": "complaints/eightd/rows_root_causes.html",
    "corrective_actions": "complaints/eightd/rows_actions.html",
    "preventive_actions": "complaints/eightd/rows_actions.html",
    "documents": "complaints/eightd/rows_documents.html",
    "deployments": "complaints/eightd/rows_deployments.html",
}


@dataclass
class Section:
    name: str
    kind: str
    template: str
    rows: list = field(default_factory=list)  # (row, edit form or None)
    add_form: object = None  # only to show a refused addition; the form comes on request
    can_add: bool = False
    grid: list = field(default_factory=list)  # forms of a grid (containment, documents)
    editable: bool = False
    title: str = ""


@dataclass
class Card:
    step: str
    label: str
    stored: EightDStep | None
    status: str
    status_label: str
    badge: str
    form: object
    gates: list[str]
    sections: list[Section]
    attachments: list
    attachment_form: object
    values: list[tuple[str, str]]
    can_edit: bool = False
    folded: bool = False  # editable, but its forms open on request
    can_reopen: bool = False
    can_skip: bool = False
    missing: list[str] = field(default_factory=list)
    message: str = ""
    error: str = ""
    carried_over_from: str = ""  # the rejected complaint the step was copied from
    extra: dict = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.status in eightd.FINISHED


# --- Building the cards ------------------------------------------------------------------------


class Rows:
    """The complaint's 8D rows, loaded once for all the cards of a page."""

    def __init__(self, complaint: Complaint):
        eightd.load_content(complaint, fresh=True)
        self.team = list(complaint.team.all())
        self.containment = list(complaint.containment.all())
        self.root_causes = sorted(  # why it happened first, then why it escaped
            complaint.root_causes.all(), key=lambda cause: (cause.kind != "occurrence", cause.pk)
        )
        actions = list(complaint.actions.all())
        self.corrective = [a for a in actions if a.kind == Action.Kind.CORRECTIVE]
        self.preventive = [a for a in actions if a.kind == Action.Kind.PREVENTIVE]
        self.documents = list(complaint.documents.all())
        self.deployments = list(complaint.deployments.all())
        self.attachments = list(complaint.attachments.all())

    def of(self, kind: str) -> list:
        return {
            "team": self.team,
            "containment": self.containment,
            "root_cause": self.root_causes,
            "corrective": self.corrective,
            "preventive": self.preventive,
            "document": self.documents,
            "deployment": self.deployments,
        }[kind]


class Context:
    """What every card of one request needs to know once."""

    def __init__(self, request, complaint: Complaint):
        self.request = request
        self.user = request.user
        self.complaint = complaint
        self.rows = Rows(complaint)
        self.stored = {s.step: s for s in complaint.steps.all()}
        self.approvals = approval_selectors.newest_first(complaint)
        self.may_work = eightd.may_work(self.user, complaint)
        self.closure_running = eightd.closure_running(complaint, known=self.approvals)
        self.editable = self.may_work and complaint.is_open and not self.closure_running
        self.is_quality_manager = self.may_work and eightd.is_quality_manager(self.user)


def build_card(
    ctx: Context, step: str, *, overrides: dict | None = None, unfold: bool = True
) -> Card:
    overrides = overrides or {}
    complaint, stored = ctx.complaint, ctx.stored.get(step)
    status = stored.status if stored else EightDStep.Status.NOT_STARTED
    finished = status in eightd.FINISHED
    folded = ctx.editable and not finished and not unfold
    can_edit = ctx.editable and not finished and not folded
    spec = steps.spec(step)
    values = []
    if stored is not None:
        for item in spec.fields:
            shown = steps.display_value(item, stored.data.get(item.name))
            if shown:
                values.append((str(item.label), shown))
        if stored.data.get("not_applicable_reason"):
            values.append((_("Why not applicable"), stored.data["not_applicable_reason"]))
    card = Card(
        step=step,
        label=str(Step(step).label),
        stored=stored,
        status=status,
        status_label=str(EightDStep.Status(status).label),
        badge=BADGE[status],
        form=overrides.get("form") or (step_form(step, stored) if can_edit else None),
        gates=steps.gates_in_words(step),
        sections=[],
        attachments=[
            a for a in ctx.rows.attachments if a.step == step or (step == Step.D2 and a.step == "")
        ],
        attachment_form=AttachmentForm(prefix=f"{step}-file") if can_edit else None,
        values=values,
        can_edit=can_edit,
        folded=folded,
        can_reopen=ctx.is_quality_manager
        and finished
        and step != Step.D8
        and complaint.is_open
        and not ctx.closure_running,
        can_skip=can_edit and step in steps.SHORT_REPORT_OPTIONAL and _short_report(ctx),
        missing=overrides.get("missing", []),
        message=overrides.get("message", ""),
        error=overrides.get("error", ""),
        carried_over_from=answers.carried_over_from(stored) if stored else "",
    )
    for name in spec.rows:
        if name == "attachments":
            continue
        card.sections.append(_section(ctx, step, name, overrides, forms=not folded))
    if step == Step.D7:
        card.extra["waiver"] = {
            "waived": complaint.preventive_waived,
            "reason": complaint.preventive_waiver_reason,
            "running": eightd.waiver_running(complaint, known=ctx.approvals),
            "form": overrides.get("waiver_form") or ReasonForm(prefix="waiver"),
        }
    if step == Step.D8:
        card.extra["closure_running"] = ctx.closure_running
        done = {step for step, stored in ctx.stored.items() if stored.status in eightd.FINISHED}
        card.extra["gaps"] = eightd.closure_gaps(complaint, done=done) if complaint.is_open else []
    return card


def _unfolded(ctx: Context) -> set[str]:
    """The steps whose forms the complaint page opens: those in progress and the first one not
    finished. The others open on request (rendering every step's forms made an open
    complaint's page three times slower than a closed one's)."""
    unfolded = {
        step
        for step, stored in ctx.stored.items()
        if stored.status == EightDStep.Status.IN_PROGRESS
    }
    for step in steps.ORDER:
        stored = ctx.stored.get(step)
        if not (stored and stored.status in eightd.FINISHED):
            unfolded.add(step)
            break
    return unfolded


def _short_report(ctx: Context) -> bool:
    d0 = ctx.stored.get(Step.D0)
    return d0 is not None and d0.status == EightDStep.Status.DONE and d0.data.get("full_8d") == "no"


def _section(ctx: Context, step: str, name: str, overrides: dict, *, forms: bool) -> Section:
    kind = steps.ROW_KINDS[name][0]
    row_step = eightd.ROWS[kind].step
    stored = ctx.stored.get(row_step)
    row_open = not (stored and stored.status in eightd.FINISHED)
    if kind == "corrective" and step == Step.D6:
        row_open = not (ctx.stored.get(Step.D6) and ctx.stored[Step.D6].status in eightd.FINISHED)
    editable = ctx.editable and row_open and forms
    section = Section(
        name=name,
        kind=kind,
        template=SECTION_TEMPLATES[name],
        editable=editable,
        title=str(eightd.ROWS[kind].label),
    )
    rows = ctx.rows.of(kind)
    if kind in ("containment", "document"):
        form_class = row_form_class(kind, step)
        grid = overrides.get(f"{kind}:grid")
        if grid is None and editable:
            grid = [
                form_class(instance=row, prefix=f"{kind}-{row.pk}", complaint=ctx.complaint)
                for row in rows
            ]
        section.grid = grid or []
        section.rows = [(row, None) for row in rows]
    else:
        # A row's edit form comes when its edit button is used (`edit_row`, GET), unless it
        # is shown again with the errors of a save: drawing every row's form on every view
        # made a complaint in analysis a fifth slower.
        section.rows = [(row, overrides.get(f"{kind}:{row.pk}")) for row in rows]
    adds = kind not in ("document",) and not (kind == "corrective" and step == Step.D6)
    section.can_add = editable and adds
    section.add_form = overrides.get(f"{kind}:add") if section.can_add else None
    return section


def panel_context(request, complaint: Complaint) -> dict:
    """What `complaints/eightd_panel.html` needs on the complaint page."""
    ctx = Context(request, complaint)
    investigation = None  # only a major complaint shows one
    if complaint.major:
        investigation = QualityInvestigation.objects.filter(complaint=complaint).first()
    unfolded = _unfolded(ctx)
    return {
        "eightd_cards": [build_card(ctx, step, unfold=step in unfolded) for step in steps.ORDER],
        "eightd_may_work": ctx.may_work,
        "eightd_attachments": ctx.rows.attachments,
        "approval_instances": ctx.approvals,
        "investigation": investigation,
        "investigation_form": InvestigationForm(instance=investigation, prefix="investigation")
        if ctx.editable and complaint.major and not (investigation and investigation.completed_at)
        else None,
    }


# --- Responding --------------------------------------------------------------------------------


def _complaint(request, number: str) -> Complaint:
    return selectors.complaint_for_user_or_404(request.user, number)


def _step(step: str) -> str:
    if step not in Step.values:
        raise Http404
    return step


def _card_response(request, complaint: Complaint, step: str, *, status=200, **overrides):
    """The step's card (htmx) or, without htmx, the complaint page (success) or the card on a
    page of its own (to show the refusal with the user's input)."""
    ctx = Context(request, complaint)
    card = build_card(ctx, step, overrides=overrides)
    refused = bool(card.missing or card.error or _has_errors(overrides))
    if request.htmx:
        return render(request, CARD, {"card": card, "complaint": complaint}, status=status)
    if not refused:
        if card.message:
            messages.success(request, card.message)
        return redirect(f"{complaint.get_absolute_url()}#step-{step}")
    return render(request, STEP_PAGE, {"card": card, "complaint": complaint}, status=status)


def _has_errors(overrides: dict) -> bool:
    for value in overrides.values():
        forms = value if isinstance(value, list) else [value]
        if any(getattr(form, "errors", None) for form in forms):
            return True
    return False


def _reload(request, complaint: Complaint, step: str, message: str):
    """After a change that moves the complaint's status: the whole page again (htmx reloads
    the page the user is on; the address keeps its #step anchor)."""
    messages.success(request, message)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect(f"{complaint.get_absolute_url()}#step-{step}")


def _require_worker(request, complaint: Complaint) -> None:
    if not eightd.may_work(request.user, complaint):
        raise PermissionDenied


# --- Steps -------------------------------------------------------------------------------------


def step_card(request, number: str, step: str):
    """GET: the step's card (to discard unsaved input, or to show the step on its own)."""
    complaint = _complaint(request, number)
    step = _step(step)
    ctx = Context(request, complaint)
    card = build_card(ctx, step)
    template = CARD if request.htmx else STEP_PAGE
    return render(request, template, {"card": card, "complaint": complaint})


@require_POST
def save_step(request, number: str, step: str):
    complaint = _complaint(request, number)
    step = _step(step)
    _require_worker(request, complaint)
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    form = step_form(step, stored, data=request.POST)
    if form.is_valid():
        call = lambda: eightd.save_step(  # noqa: E731
            complaint,
            step,
            step_values(form),
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
        if apply_service(form, call):
            return _card_response(
                request, complaint, step, message=_("%(step)s saved.") % {"step": Step(step).label}
            )
    return _card_response(request, complaint, step, form=form)


@require_POST
def complete_step(request, number: str, step: str):
    """Save the input (if any) and complete the step; refused: the card shows what is missing,
    next to the fields and above them, and keeps the input."""
    complaint = _complaint(request, number)
    step = _step(step)
    _require_worker(request, complaint)
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    form = None
    if f"{step}-version" in request.POST:
        form = step_form(step, stored, data=request.POST)
        if not form.is_valid():
            return _card_response(request, complaint, step, form=form)
        call = lambda: eightd.save_step(  # noqa: E731
            complaint,
            step,
            step_values(form),
            actor=request.user,
            expected_version=form.cleaned_data["version"],
        )
        if not apply_service(form, call):
            return _card_response(request, complaint, step, form=form)
    try:
        eightd.complete_step(complaint, step, actor=request.user)
    except ValidationError as error:
        return _card_response(
            request, complaint, step, **_refusal(step, complaint, request, form, error)
        )
    except eightd.StepIncomplete as error:
        return _card_response(
            request,
            complaint,
            step,
            missing=error.missing,
            **({"form": _rebound(step, complaint, request, form)} if form else {}),
        )
    except BusinessRuleError as error:
        return _card_response(request, complaint, step, error=str(error.message))
    if step == Step.D8:
        return _reload(
            request, complaint, step, _("The closure was sent to the quality manager for approval.")
        )
    return _reload(request, complaint, step, _("%(step)s is done.") % {"step": Step(step).label})


def _rebound(step: str, complaint: Complaint, request, form):
    """The user's input again, with the version now stored (it was just saved)."""
    stored = EightDStep.objects.filter(complaint=complaint, step=step).first()
    data = request.POST.copy()
    data[f"{step}-version"] = str(stored.version if stored else 0)
    rebound = step_form(step, stored, data=data)
    rebound.is_valid()
    return rebound


def _refusal(step, complaint, request, form, error: ValidationError) -> dict:
    missing = []
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    target = _rebound(step, complaint, request, form) if form is not None else None
    for name, texts in errors.items():
        if target is not None and name in target.fields:
            target.add_error(name, texts)
        missing.extend(texts)
    overrides = {"missing": missing}
    if target is not None:
        overrides["form"] = target
    return overrides


@require_POST
def start_step(request, number: str, step: str):
    complaint = _complaint(request, number)
    step = _step(step)
    _require_worker(request, complaint)
    try:
        eightd.start_step(complaint, step, actor=request.user)
    except BusinessRuleError as error:
        return _card_response(request, complaint, step, error=str(error.message))
    return _card_response(request, complaint, step)


@require_POST
def reopen_step(request, number: str, step: str):
    complaint = _complaint(request, number)
    step = _step(step)
    _require_worker(request, complaint)
    form = ReasonForm(request.POST, prefix=f"{step}-reopen")
    if not form.is_valid():
        return _card_response(request, complaint, step, error=_("Give the reason for reopening."))
    try:
        eightd.reopen_step(complaint, step, reason=form.cleaned_data["reason"], actor=request.user)
    except (BusinessRuleError, ValidationError) as error:
        return _card_response(request, complaint, step, error=_message(error))
    return _reload(
        request, complaint, step, _("%(step)s was reopened.") % {"step": Step(step).label}
    )


@require_POST
def not_applicable(request, number: str, step: str):
    complaint = _complaint(request, number)
    step = _step(step)
    _require_worker(request, complaint)
    form = ReasonForm(request.POST, prefix=f"{step}-skip")
    if not form.is_valid():
        return _card_response(
            request, complaint, step, error=_("Give the reason why the step does not apply.")
        )
    try:
        eightd.mark_not_applicable(
            complaint, step, reason=form.cleaned_data["reason"], actor=request.user
        )
    except (BusinessRuleError, ValidationError) as error:
        return _card_response(request, complaint, step, error=_message(error))
    return _card_response(
        request, complaint, step, message=_("%(step)s does not apply.") % {"step": Step(step).label}
    )


@require_POST
def attach(request, number: str, step: str):
    complaint = _complaint(request, number)
    step = _step(step)
    _require_worker(request, complaint)
    form = AttachmentForm(request.POST, request.FILES, prefix=f"{step}-file")
    if not form.is_valid():
        return _card_response(request, complaint, step, error=_("Choose a file to attach."))
    try:
        eightd.add_step_attachment(
            complaint,
            step,
            form.cleaned_data["file"],
            actor=request.user,
            description=form.cleaned_data["description"],
        )
    except (BusinessRuleError, ValidationError) as error:
        return _card_response(request, complaint, step, error=_message(error))
    return _card_response(request, complaint, step, message=_("The file was attached."))


def _message(error) -> str:
    if isinstance(error, BusinessRuleError):
        return str(error.message)
    return " ".join(str(m) for m in error.messages)


# --- Rows --------------------------------------------------------------------------------------


def _card_step(request, kind: str) -> str:
    step = (request.POST if request.method == "POST" else request.GET).get("card", "")
    return step if step in Step.values else eightd.ROWS[kind].step


def _kind(kind: str) -> str:
    if kind not in eightd.ROWS:
        raise Http404
    return kind


@require_http_methods(["GET", "POST"])
def add_row(request, number: str, kind: str):
    complaint = _complaint(request, number)
    kind = _kind(kind)
    _require_worker(request, complaint)
    step = _card_step(request, kind)
    if request.method == "GET":
        form = row_form_class(kind, step)(prefix=f"{kind}-new", complaint=complaint)
        url = reverse("complaints:eightd_row_add", args=[complaint.number, kind])
        return _row_form(request, complaint, step, form, url, adding=True)
    form = row_form_class(kind, step)(request.POST, prefix=f"{kind}-new", complaint=complaint)
    if form.is_valid():
        call = lambda: eightd.add_row(complaint, kind, form.values(), actor=request.user)  # noqa: E731
        if apply_service(form, call):
            return _card_response(
                request,
                complaint,
                step,
                message=_("The %(row)s was added.") % {"row": eightd.ROWS[kind].label},
            )
    return _card_response(request, complaint, step, **{f"{kind}:add": form})


@require_http_methods(["GET", "POST"])
def edit_row(request, number: str, kind: str, pk: int):
    complaint = _complaint(request, number)
    kind = _kind(kind)
    row = _row_or_404(complaint, kind, pk)
    _require_worker(request, complaint)
    step = _card_step(request, kind)
    if request.method == "GET":
        form = row_form_class(kind, step)(
            instance=row, prefix=f"{kind}-{row.pk}", complaint=complaint
        )
        url = reverse("complaints:eightd_row_edit", args=[complaint.number, kind, row.pk])
        return _row_form(request, complaint, step, form, url, adding=False)
    form = row_form_class(kind, step)(
        request.POST, instance=row, prefix=f"{kind}-{row.pk}", complaint=complaint
    )
    if form.is_valid():
        call = lambda: eightd.update_row(  # noqa: E731
            _row_or_404(complaint, kind, pk),
            form.values(),
            actor=request.user,
            expected_version=form.expected_version(),
        )
        if apply_service(form, call):
            return _card_response(
                request,
                complaint,
                step,
                message=_("The %(row)s was saved.") % {"row": eightd.ROWS[kind].label},
            )
    return _card_response(request, complaint, step, **{f"{kind}:{row.pk}": form})


@require_POST
def delete_row(request, number: str, kind: str, pk: int):
    complaint = _complaint(request, number)
    kind = _kind(kind)
    row = _row_or_404(complaint, kind, pk)
    _require_worker(request, complaint)
    step = _card_step(request, kind)
    try:
        version = int(request.POST.get("version") or 0) or None
        eightd.delete_row(row, actor=request.user, expected_version=version)
    except (BusinessRuleError, ValidationError) as error:
        return _card_response(request, complaint, step, error=_message(error))
    return _card_response(
        request,
        complaint,
        step,
        message=_("The %(row)s was removed.") % {"row": eightd.ROWS[kind].label},
    )


def _row_form(request, complaint: Complaint, step: str, form, url: str, *, adding: bool):
    """A row's add or edit form: alone for htmx (the complaint page loads it when its button
    or panel is used), else on a page of its own. It posts to `add_row` / `edit_row`, which
    answer with the step's card."""
    if not complaint.is_open:
        raise Http404
    context = {
        "complaint": complaint,
        "card": {"step": step, "label": Step(step).label},
        "form": form,
        "url": url,
        "label": _("Add") if adding else _("Save"),
    }
    template = "complaints/eightd/_row_form.html" if request.htmx else ROW_PAGE
    return render(request, template, context)


def _row_or_404(complaint: Complaint, kind: str, pk: int):
    try:
        return eightd.get_row(complaint, kind, pk)
    except eightd.ROWS[kind].model.DoesNotExist:
        raise Http404 from None


@require_POST
def save_grid(request, number: str, kind: str):
    """The D3 containment grid or the D7 documents, all rows in one save."""
    complaint = _complaint(request, number)
    if kind not in ("containment", "document"):
        raise Http404
    _require_worker(request, complaint)
    form_class = ContainmentRowForm if kind == "containment" else DocumentRowForm
    rows = list(eightd.rows_of(complaint, kind))
    forms = [
        form_class(request.POST, instance=row, prefix=f"{kind}-{row.pk}", complaint=complaint)
        for row in rows
        if f"{kind}-{row.pk}-version" in request.POST
    ]
    step = eightd.ROWS[kind].step
    if all(form.is_valid() for form in forms):
        entries = [(form.instance, form.values(), form.expected_version()) for form in forms]
        try:
            eightd.save_grid(complaint, kind, entries, actor=request.user)
        except eightd.GridErrors as error:
            for form in forms:
                if form.instance.pk in error.by_row:
                    _add_errors(form, error.by_row[form.instance.pk])
        except (BusinessRuleError, ValidationError) as error:
            return _card_response(
                request, complaint, step, error=_message(error), **{f"{kind}:grid": forms}
            )
        else:
            return _card_response(request, complaint, step, message=_("The grid was saved."))
    return _card_response(request, complaint, step, **{f"{kind}:grid": forms})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, texts in error.message_dict.items():
            form.add_error(name if name in form.fields else None, texts)
    else:
        form.add_error(None, error.messages)


# --- Closure, waiver, investigation ------------------------------------------------------------


@require_POST
def request_waiver(request, number: str):
    complaint = _complaint(request, number)
    _require_worker(request, complaint)
    form = ReasonForm(request.POST, prefix="waiver")
    if form.is_valid():
        call = lambda: eightd.request_preventive_waiver(  # noqa: E731
            complaint, form.cleaned_data["reason"], actor=request.user
        )
        if apply_service(form, call):
            return _reload(
                request,
                complaint,
                Step.D7,
                _("The waiver was sent to the general manager for approval."),
            )
    return _card_response(request, complaint, Step.D7, waiver_form=form)


@require_POST
def save_investigation(request, number: str):
    complaint = _complaint(request, number)
    _require_worker(request, complaint)
    investigation = QualityInvestigation.objects.filter(complaint=complaint).first()
    form = InvestigationForm(request.POST, instance=investigation, prefix="investigation")
    complete = "complete" in request.POST
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in eightd.INVESTIGATION_FIELDS}

        def call():
            eightd.save_investigation(
                complaint, values, actor=request.user, expected_version=form.expected_version()
            )
            if complete:
                eightd.complete_investigation(complaint, actor=request.user)

        if apply_service(form, call):
            message = (
                _("The quality investigation is completed.")
                if complete
                else _("The quality investigation was saved.")
            )
            return _reload(request, complaint, "investigation", message)
    context = panel_context(request, complaint)
    context["investigation_form"] = form
    return render(
        request,
        "complaints/eightd/investigation_page.html",
        {"complaint": complaint, **context},
    )


# --- The action owner's page -------------------------------------------------------------------


def action_page(request, number: str, pk: int):
    """An action's owner records its implementation here, even without access to the 8D."""
    complaint = Complaint.objects.filter(number=number).first()
    if complaint is None:
        raise Http404
    action = get_object_or_404(
        Action.objects.select_related("owner", "complaint"), pk=pk, complaint=complaint
    )
    is_owner = action.owner_id in {person.pk for person in access.acting_for(request.user)}
    visible = selectors.complaints_visible_to(request.user).filter(pk=complaint.pk).exists()
    if not is_owner and not visible:
        raise Http404
    may_change = (is_owner or eightd.may_work(request.user, complaint)) and complaint.is_open
    if request.method == "POST" and not may_change:
        raise PermissionDenied
    form = (
        OwnActionForm(request.POST or None, instance=action, prefix="action")
        if may_change
        else None
    )
    if request.method == "POST" and form.is_valid():
        call = lambda: eightd.update_own_action(  # noqa: E731
            action, form.values(), actor=request.user, expected_version=form.expected_version()
        )
        if apply_service(form, call):
            messages.success(request, _("The action was saved."))
            return redirect(reverse("complaints:eightd_action", args=[number, pk]))
    return render(
        request,
        "complaints/eightd/action_page.html",
        {
            "complaint": complaint,
            "action": action,
            "form": form,
            "can_see_complaint": visible,
        },
    )
