"""What approvals put on "My work": the decisions waiting for the user."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.core.work import WorkItem, WorkSection

from . import selectors

LIMIT = 8


def approvals_waiting(user) -> WorkSection | None:
    waiting = selectors.to_do(user)
    tasks = list(waiting[:LIMIT])
    if not tasks:
        return None
    due = selectors.due_times(tasks)
    now = timezone.now()
    items = []
    for task in tasks:
        clock = due.get(task.pk)
        detail = _("%(node)s · requested by %(name)s") % {
            "node": task.node_name,
            "name": task.instance.requester,
        }
        if task.assignee_id != user.pk:
            detail += " · " + _("for %(name)s") % {"name": task.assignee}
        items.append(
            WorkItem(
                title=f"{selectors.kind_label(task.instance.kind)}: {task.instance.title}",
                url=task.get_absolute_url(),
                detail=detail,
                due=timezone.localtime(clock.due_at) if clock else None,
                overdue=bool(clock and clock.paused_at is None and clock.due_at < now),
            )
        )
    return WorkSection(
        "approvals",
        _("Approvals waiting for you"),
        items,
        more_url=reverse("approvals:mine"),
        total=waiting.count(),
    )
