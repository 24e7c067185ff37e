"""The audit trail as a workbook: one row per changed field, in the reader's language."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.spreadsheets.exporter import ExportColumn
from cqms.spreadsheets.jobs import Export

from .filters import AuditFilter
from .selectors import can_review, describe


def _rows(entries):
    for entry in entries.iterator(chunk_size=2000):
        item = describe(entry)
        base = [
            entry.pk,
            timezone.localtime(entry.at),
            entry.actor_name,
            entry.on_behalf_of_name,
            entry.get_source_display(),
            item["action"],
            item["kind"],
            entry.record_label,
            entry.reason,
            entry.request_id,
        ]
        for change in item["changes"] or [None]:
            detail = [change.label, change.old, change.new] if change else ["", "", ""]
            yield [*base[:8], *detail, *base[8:], entry.hash]


def export(job) -> Export:
    user = job.created_by
    if not can_review(user):
        raise PermissionDenied
    entries = AuditFilter(QueryDict(job.params.get("filters", ""))).qs.order_by("id")
    headers = [
        _("Entry"),
        _("Time"),
        _("User"),
        _("On behalf of"),
        _("Source"),
        _("Action"),
        _("Record type"),
        _("Record"),
        _("Field"),
        _("Old value"),
        _("New value"),
        _("Reason"),
        _("Request id"),
        _("Hash"),
    ]
    return Export(
        columns=[ExportColumn(header) for header in headers],
        rows=_rows(entries),
        filename=_("audit-trail"),
        sheet_name=_("Audit trail"),
        total=None,
    )
