"""Approval pages: My approvals, a task with its decision, an approval with its route."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cqms.core.errors import BusinessRuleError
from cqms.core.forms import apply_service
from cqms.organisation import access

from . import registry, selectors, services, signing
from .forms import AddBeforeForm, DecisionForm, ReasonForm, ReturnForm, TransferForm
from .models import ApprovalTask, Mode

TABS = ("todo", "done", "copied", "requested")
PAGE_SIZE = 25
SIGNED_IN_SESSION = "approvals_signed"


def my_approvals(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "todo"
    user = request.user
    source = {
        "todo": selectors.to_do,
        "done": selectors.done_by,
        "copied": selectors.copied_to,
        "requested": selectors.requested_by,
    }[tab](user)
    page = Paginator(source, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "approvals/mine.html",
        {
            "tab": tab,
            "page": page,
            "rows": _rows(tab, list(page.object_list), user),
            "counts": selectors.counts(user),
        },
    )


STATUS_BADGES = {
    "approved": "text-bg-success",
    "rejected": "text-bg-danger",
    "running": "text-bg-primary",
    "pending": "text-bg-primary",
    "returned": "text-bg-warning",
}


def _rows(tab: str, items: list, user) -> list[dict]:
    """The lines of My approvals: what, for whom, how urgent."""
    rows = []
    due = selectors.due_times(items) if tab == "todo" else {}
    now = timezone.now()
    for item in items:
        task = item if tab in ("todo", "done") else None
        instance = item.instance if tab in ("todo", "done", "copied") else item
        row = {
            "url": task.get_absolute_url() if task else instance.get_absolute_url(),
            "task": task,
            "instance": instance,
            "title": f"{selectors.kind_label(instance.kind)}: {instance.title}",
            "requester": instance.requester,
            "node": task.node_name if task else "",
            "for_name": task.assignee if task and task.assignee_id != user.pk else None,
            "fallback": bool(task and task.fallback),
            "when": (task.decided_at if tab == "done" else task.activated_at)
            if task
            else (item.created_at if tab == "copied" else instance.started_at),
        }
        if tab == "todo":
            clock = due.get(task.pk)
            row["due"] = clock.due_at if clock else None
            row["overdue"] = bool(clock and clock.paused_at is None and clock.due_at < now)
        else:
            status = task.status if task else instance.status
            label = task.get_status_display() if task else instance.get_status_display()
            row["badge"] = label
            row["badge_class"] = STATUS_BADGES.get(status, "text-bg-light border")
        rows.append(row)
    return rows


def task_detail(request, pk: int):
    task = selectors.task_for_user_or_404(request.user, pk)
    instance = task.instance
    node = instance.path[task.step]
    signature = node["signature"] if node["signature"]["required"] else None
    acting_as = services.acting_as(request.user, task)
    can_act = (
        task.status == ApprovalTask.Status.PENDING
        and instance.status == instance.Status.RUNNING
        and acting_as is not None
    )
    can_reassign = (
        selectors.can_reassign(request.user)
        and task.status == ApprovalTask.Status.PENDING
        and instance.status == instance.Status.RUNNING
    )
    ask_username = not request.session.get(SIGNED_IN_SESSION)
    ask_code = signing.second_factor_required(request.user)
    initial = {"version": task.version}
    steps = [(i, f"{i + 1}. {n['name']}") for i, n in enumerate(instance.path[: task.step])]
    action = request.POST.get("action", "") if request.method == "POST" else ""

    def decision_form(data=None):
        return DecisionForm(
            data,
            initial=initial,
            signature=signature,
            ask_username=ask_username,
            ask_code=ask_code,
            prefix="decide",
        )

    forms = {
        "decide": decision_form(request.POST if action in ("approve", "reject") else None),
        "before": AddBeforeForm(
            request.POST if action == "before" else None, initial=initial, prefix="before"
        ),
        "transfer": TransferForm(
            request.POST if action == "transfer" else None, initial=initial, prefix="transfer"
        ),
        "return": ReturnForm(
            request.POST if action == "return" else None,
            initial=initial,
            steps=steps,
            prefix="return",
        ),
    }
    if request.method == "POST":
        if action not in ("approve", "reject", "before", "transfer", "return"):
            raise Http404
        if action == "transfer" and not (can_act or can_reassign):
            raise PermissionDenied
        if action != "transfer" and not can_act:
            messages.error(request, _("This task is no longer waiting for your decision."))
            return redirect("approvals:task", pk=task.pk)
        form = forms["decide" if action in ("approve", "reject") else action]
        if form.is_valid() and _act(request, task, action, form, signature):
            if action in ("approve", "reject") and signature is not None:
                request.session[SIGNED_IN_SESSION] = True
                request.session.cycle_key()  # a new session id after re-authentication
            messages.success(request, _DONE[action])
            return redirect(f"{reverse('approvals:mine')}?tab=done")
        # A wrong signing password is answered here, not by the lockout page.
        request.axes_locked_out = False
    return render(
        request,
        "approvals/task.html",
        {
            "task": task,
            "instance": instance,
            "node": node,
            "mode_label": Mode(node["mode"]).label if node["mode"] in Mode.values else "",
            "signature": signature,
            "acting_as": acting_as,
            "can_act": can_act,
            "can_reassign": can_reassign,
            "forms": forms,
            "steps": selectors.flow_steps(instance),
            "record_url": selectors.record_url(instance),
            "kind_label": selectors.kind_label(instance.kind),
            "signature_rows": _signature_rows(instance),
        },
        status=200,
    )


_DONE = {
    "approve": gettext_lazy("Approved. Thank you."),
    "reject": gettext_lazy("Rejected. The requester is told."),
    "before": gettext_lazy("The colleague decides first; the task comes back to you afterwards."),
    "transfer": gettext_lazy("The task was handed on."),
    "return": gettext_lazy("Returned to the earlier step."),
}


def _act(request, task, action: str, form, signature_rules) -> bool:
    data = form.cleaned_data
    user = request.user
    version = data["version"]
    if action in ("approve", "reject"):
        signature = None
        if signature_rules is not None:
            signature = signing.SignatureInput(
                password=data.get("password", ""),
                meaning=data.get("meaning") or signature_rules.get("meaning") or "approved",
                request=request,
                username=data.get("username") or None,
                otp=data.get("otp", ""),
            )
        if action == "approve":

            def call():
                services.approve(
                    task,
                    actor=user,
                    comment=data["comment"],
                    signature=signature,
                    expected_version=version,
                    add_after=data.get("add_after"),
                )

        else:

            def call():
                services.reject(
                    task,
                    actor=user,
                    comment=data["comment"],
                    signature=signature,
                    expected_version=version,
                )

    elif action == "before":

        def call():
            services.add_approver(
                task,
                actor=user,
                user=data["user"],
                position="before",
                comment=data["comment"],
                expected_version=version,
            )

    elif action == "transfer":

        def call():
            services.transfer(
                task,
                actor=user,
                to_user=data["user"],
                comment=data["comment"],
                expected_version=version,
            )

    else:

        def call():
            services.return_to(
                task,
                actor=user,
                step=data["step"],
                comment=data["comment"],
                expected_version=version,
            )

    try:
        return apply_service(form, call)
    except PermissionDenied:
        raise Http404 from None


def _signature_rows(instance):
    record = instance.record
    if record is None or not registry.is_registered(instance.kind):
        return []
    return selectors.signature_rows(record)


def instance_detail(request, pk: int):
    instance = selectors.instance_for_user_or_404(request.user, pk)
    is_requester = instance.requester_id in {p.pk for p in access.acting_for(request.user)}
    running = instance.status == instance.Status.RUNNING
    return render(
        request,
        "approvals/instance.html",
        {
            "instance": instance,
            "steps": selectors.flow_steps(instance),
            "record_url": selectors.record_url(instance),
            "kind_label": selectors.kind_label(instance.kind),
            "signature_rows": _signature_rows(instance),
            "can_withdraw": is_requester and running,
            "can_urge": is_requester and running,
            "my_tasks": [
                t
                for t in selectors.pending_tasks(instance)
                if services.acting_as(request.user, t) is not None
            ],
            "reason_form": ReasonForm(),
        },
    )


@require_POST
def withdraw(request, pk: int):
    instance = selectors.instance_for_user_or_404(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.withdraw(instance, actor=request.user, reason=form.cleaned_data.get("comment", ""))
    except PermissionDenied:
        raise Http404 from None
    except BusinessRuleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The approval was withdrawn."))
    return redirect(instance)


@require_POST
def urge(request, pk: int):
    instance = selectors.instance_for_user_or_404(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        count = services.urge(
            instance, actor=request.user, comment=form.cleaned_data.get("comment", "")
        )
    except PermissionDenied:
        raise Http404 from None
    except BusinessRuleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)s approvers were reminded.") % {"count": count})
    return redirect(instance)


@require_POST
def start(request, kind: str, object_id: int):
    if not registry.is_registered(kind):
        raise Http404
    definition = registry.get(kind)
    if not definition.start_on_panel:
        raise Http404  # the part starts this approval from its own pages
    record = definition.model._base_manager.filter(pk=object_id).first()
    if record is None or not definition.can_start(request.user, record):
        raise Http404
    try:
        instance = services.start(kind, record, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except BusinessRuleError as error:
        messages.error(request, error.message)
        return redirect(definition.record_url(record) or "approvals:mine")
    messages.success(request, _("The approval was started."))
    return redirect(instance)
