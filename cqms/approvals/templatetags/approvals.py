"""`{% approval_panel record %}` and `{% signatures_for record %}` for record pages."""

from __future__ import annotations

from django import template

from cqms.organisation import access

from .. import selectors

register = template.Library()
SHOWN = 5


@register.inclusion_tag("approvals/record_panel.html", takes_context=True)
def approval_panel(context, record, instances=None):
    """The record's approvals (route, who acted, who is next), a button for each approval
    the user may request now, and the record's signatures. `instances`: the record's
    approvals newest first, when the page has loaded them already."""
    user = context["request"].user
    people = {person.pk for person in access.acting_for(user)}
    entries = []
    if instances is None:
        instances = selectors.instances_for(record).order_by("-started_at", "-pk")[:SHOWN]
    shown = list(instances[:SHOWN])
    tasks = selectors.route_tasks(shown) if shown else {}
    for instance in shown:
        waiting = selectors.waiting_among(tasks[instance.pk])
        entries.append(
            {
                "instance": instance,
                "label": selectors.kind_label(instance.kind),
                "steps": selectors.flow_steps(instance, tasks=tasks[instance.pk]),
                "next": waiting,
                "my_tasks": [t for t in waiting if t.assignee_id in people],
            }
        )
    return {
        "record": record,
        "entries": entries,
        "startable": selectors.startable_kinds(user, record),
        "signature_rows": selectors.signature_rows(record),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("approvals/signatures.html")
def signatures_for(record, kind: str | None = None):
    """The signature manifestation: printed name, local time with offset, meaning, reason,
    and whether the signature still matches the record."""
    return {"rows": selectors.signature_rows(record, kind=kind)}
