"""What customers put on "My work": portals to check and archive documents running out."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.core.work import WorkItem, WorkSection

from . import selectors

LIMIT = 8


def portals_to_check(user) -> WorkSection | None:
    due = selectors.portals_due_for(user)
    portals = list(due[:LIMIT])
    if not portals:
        return None
    today = timezone.localdate()
    items = [
        WorkItem(
            title=_("Check %(portal)s") % {"portal": portal.name},
            url=portal.customer.get_absolute_url() + "#portals",
            detail=str(portal.customer),
            due=portal.next_check_due,
            overdue=portal.next_check_due < today,
        )
        for portal in portals
    ]
    return WorkSection(
        "portals",
        _("Supplier portals to check"),
        items,
        more_url=reverse("customers:portals"),
        total=due.count(),
    )


def documents_expiring(user) -> WorkSection | None:
    expiring = selectors.documents_expiring_for(user)
    documents = list(expiring[:LIMIT])
    if not documents:
        return None
    today = timezone.localdate()
    items = [
        WorkItem(
            title=str(document),
            url=document.customer.get_absolute_url() + "#documents",
            detail=_("%(customer)s · %(type)s")
            % {"customer": document.customer, "type": document.get_doc_type_display()},
            due=document.valid_until,
            overdue=document.valid_until < today,
        )
        for document in documents
    ]
    return WorkSection(
        "documents", _("Customer documents expiring within 30 days"), items, total=expiring.count()
    )
