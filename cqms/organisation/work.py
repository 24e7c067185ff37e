"""What organisation puts on "My work": the colleagues whose work you hold today."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cqms.core.work import WorkItem, WorkSection

from .models import Delegation


def delegated_to_me(user) -> WorkSection | None:
    active = Delegation.objects.active().filter(delegate=user).select_related("delegator")
    items = [
        WorkItem(
            title=_("You act for %(name)s") % {"name": d.delegator},
            url=reverse("organisation:delegations"),
            detail=d.reason,
            due=d.ends_on,
        )
        for d in active
    ]
    if not items:
        return None
    return WorkSection("delegations", _("Delegated to you"), items, total=len(items))
