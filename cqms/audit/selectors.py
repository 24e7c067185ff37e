"""Reading the audit trail in a form people understand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from . import codes
from .models import AuditEntry
from .services import record_ref


def can_review(user) -> bool:
    """The whole trail spans every record: only for people who may see every record."""
    from cqms.organisation.access import data_scope
    from cqms.organisation.models import Role

    return user.has_perm("audit.view_auditentry") and data_scope(user) == Role.DataScope.ALL


@dataclass
class Change:
    label: str
    old: str
    new: str


def history_for(record: models.Model, *, limit: int = 200) -> list[dict]:
    """The entries shown on a record's page: its own changes and those of its children."""
    root_type, root_id = record_ref(record)
    entries = AuditEntry.objects.filter(root_type=root_type, root_id=root_id).order_by("-id")
    return [describe(entry) for entry in entries[:limit]]


def describe(entry: AuditEntry) -> dict:
    model = _model(entry.record_type)
    child = (entry.record_type, entry.record_id) != (entry.root_type, entry.root_id)
    return {
        "entry": entry,
        "action": codes.label(entry.action),
        "subject": f"{model._meta.verbose_name if model else entry.record_type} "
        f"{entry.record_label}"
        if child
        else "",
        "changes": [_change(model, change) for change in entry.changes],
    }


def describe_trail(entries: list[AuditEntry]) -> list[dict]:
    """Entries for the whole-trail page: each also names its record's kind and links to the page
    of the record it belongs to (the roots are read in one query per record type)."""
    roots: dict[str, set[str]] = {}
    for entry in entries:
        roots.setdefault(entry.root_type, set()).add(entry.root_id)
    urls = {}
    for root_type, ids in roots.items():
        model = _model(root_type)
        if model is None or not hasattr(model, "get_absolute_url"):
            continue
        keys = [model._meta.pk.to_python(pk) for pk in ids]
        for pk, record in model._default_manager.in_bulk(keys).items():
            urls[root_type, str(pk)] = record.get_absolute_url()
    described = []
    for entry in entries:
        model = _model(entry.record_type)
        item = describe(entry)
        item["kind"] = model._meta.verbose_name if model else entry.record_type
        item["url"] = urls.get((entry.root_type, entry.root_id), "")
        described.append(item)
    return described


def _model(record_type: str):
    try:
        return apps.get_model(record_type)
    except (LookupError, ValueError):
        return None


def _change(model, change: dict) -> Change:
    name = change["field"]
    field = None
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
    label = str(field.verbose_name).capitalize() if field is not None else name
    return Change(label, _value(field, change, "old"), _value(field, change, "new"))


def _value(field, change: dict, side: str) -> str:
    value = change.get(f"{side}_display", change.get(side))
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and value.startswith("redacted:"):
        return _("(changed)")
    if field is None:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("Yes") if value == "true" else _("No")
    if isinstance(field, models.DateTimeField):
        moment = timezone.localtime(dt.datetime.fromisoformat(value))
        return formats.date_format(moment, "DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
    return str(value)
