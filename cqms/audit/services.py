"""Writing the audit trail. Service functions call these inside their transaction; nothing else
writes audit entries, and nothing deletes them.

`save_new`, `save_changes` and `void` combine the write with its entry, so a service cannot
forget one of the two: they are the usual way to change a business record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from cqms.core.context import current as current_context
from cqms.core.errors import ConcurrentEditError

from . import signals
from .chain import GENESIS, compute_hash, key_id
from .models import AuditEntry, ChainHead

CREATE, UPDATE, DELETE, VOID = "create", "update", "delete", "void"
SKIPPED_FIELDS = {"id", "version", "created_at", "updated_at", "created_by", "last_login"}
# Recorded as changed, never with their values.
REDACTED_FIELDS = {"password"}


@contextmanager
def change_transaction() -> Iterator[None]:
    """The transaction of a change to business records (usable as a decorator).

    It takes the audit chain's lock first: every auditing transaction then locks rows in the
    same order (chain head, then records), so two of them cannot deadlock on PostgreSQL. On
    SQLite the IMMEDIATE transaction already holds the single write lock.
    """
    with transaction.atomic():
        lock_chain()
        yield


def lock_chain() -> None:
    if not ChainHead.objects.select_for_update().filter(pk=1).exists():
        # First change ever (or after the test suite's flush). A head lost while entries
        # exist restarts at genesis, which `audit_verify` reports as a broken link.
        ChainHead.objects.get_or_create(pk=1, defaults={"last_id": 0, "last_hash": GENESIS})


def record_ref(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def audit_root(obj: models.Model) -> models.Model:
    """The record whose page shows this change: a model may name its parent in `audit_parent`,
    and the parent its own (a clock's pause shows on the complaint the clock belongs to)."""
    for _depth in range(5):
        parent_attr = getattr(obj, "audit_parent", None)
        parent = getattr(obj, parent_attr) if parent_attr else None
        if parent is None:
            return obj
        obj = parent
    return obj


def canonical_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return (
            value.astimezone(dt.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date | dt.time | Decimal):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or None
    return str(value)


def audited_fields(obj: models.Model) -> list[models.Field]:
    return [
        f
        for f in obj._meta.concrete_fields
        if f.name not in SKIPPED_FIELDS and not getattr(f, "audit_exclude", False)
    ]


def snapshot(obj: models.Model) -> dict[str, str | None]:
    """Field values of a record in canonical form, foreign keys by id."""
    values = {f.name: canonical_value(getattr(obj, f.attname)) for f in audited_fields(obj)}
    for name in REDACTED_FIELDS & values.keys():
        if values[name]:
            values[name] = "redacted:" + hashlib.sha256(values[name].encode()).hexdigest()[:12]
    return values


def diff(obj: models.Model, before: dict, after: dict) -> list[dict]:
    changes = []
    for name, new in after.items():
        old = before.get(name)
        if old == new:
            continue
        change = {"field": name, "old": old, "new": new}
        field_obj = obj._meta.get_field(name)
        if field_obj.is_relation:
            change["old_display"] = _display(field_obj, old, obj)
            change["new_display"] = _display(field_obj, new, obj)
        changes.append(change)
    return changes


def _display(field_obj, pk, obj=None) -> str | None:
    if pk is None:
        return None
    if obj is not None and field_obj.is_cached(obj):
        # The related record in hand (a bulk import loads them all at once): no query.
        cached = field_obj.get_cached_value(obj)
        if cached is not None and canonical_value(cached.pk) == pk:
            return str(cached)
    related = field_obj.related_model._base_manager.filter(pk=pk).first()
    return str(related) if related is not None else pk


@dataclass
class Pending:
    """An entry to be written; `record_many` chains a list of them in one go."""

    obj: models.Model
    action: str
    actor: Any = None
    changes: list[dict] = field(default_factory=list)
    reason: str = ""
    on_behalf_of: Any = None


def record(
    obj: models.Model,
    action: str,
    *,
    actor=None,
    changes: Sequence[dict] = (),
    reason: str = "",
    on_behalf_of=None,
) -> AuditEntry:
    return record_many([Pending(obj, action, actor, list(changes), reason, on_behalf_of)])[0]


def record_many(pending: Iterable[Pending]) -> list[AuditEntry]:
    """Write entries chained to the current head. Must run inside the caller's transaction,
    which holds the head's row lock (PostgreSQL) or the write lock (SQLite IMMEDIATE) until
    commit, so concurrent writers cannot fork the chain."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit entries must be written inside the change's transaction")
    context = current_context()
    now = timezone.now()
    entries = []
    for item in pending:
        record_type, record_id = record_ref(item.obj)
        root_type, root_id = record_ref(audit_root(item.obj))
        entries.append(
            AuditEntry(
                at=now,
                actor=item.actor if getattr(item.actor, "pk", None) else None,
                actor_name=_printed_name(item.actor),
                on_behalf_of_name=_printed_name(item.on_behalf_of),
                source=context.source,
                request_id=context.request_id,
                ip=context.ip,
                record_type=record_type,
                record_id=record_id,
                record_label=str(item.obj)[:200],
                root_type=root_type,
                root_id=root_id,
                action=item.action,
                changes=item.changes,
                reason=item.reason,
                key_id=key_id(),
            )
        )
    if not entries:
        return []
    lock_chain()
    head = ChainHead.objects.get(pk=1)
    prev_hash = head.last_hash
    for entry in entries:
        entry.prev_hash = prev_hash
        entry.hash = prev_hash = compute_hash(entry, prev_hash)
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    last_id = entries[-1].pk or AuditEntry.objects.order_by("-id").values_list("id", flat=True)[0]
    ChainHead.objects.filter(pk=1).update(last_id=last_id, last_hash=prev_hash)
    return entries


def _printed_name(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return ""
    return (user.get_full_name() or user.get_username())[:150]


# --- Writes that carry their own entry ---------------------------------------------------------


def save_new(
    obj: models.Model, *, actor, reason: str = "", action: str = CREATE, on_behalf_of=None
) -> models.Model:
    """Insert a record and write its creation entry with every initial value. A delegate acts
    `on_behalf_of` the colleague who is away; the entry names both."""
    if hasattr(obj, "created_by_id") and obj.created_by_id is None and getattr(actor, "pk", None):
        obj.created_by = actor
    obj.save(force_insert=True)
    changes = creation_changes(obj)
    record(obj, action, actor=actor, changes=changes, reason=reason, on_behalf_of=on_behalf_of)
    return obj


def creation_changes(obj: models.Model) -> list[dict]:
    """Every initial value of a new record, as its creation entry lists them."""
    values = {name: value for name, value in snapshot(obj).items() if value not in (None, "")}
    return diff(obj, dict.fromkeys(values), values)


def save_changes(
    obj: models.Model,
    values: dict[str, Any],
    *,
    actor,
    expected_version: int | None = None,
    reason: str = "",
    action: str = UPDATE,
    on_behalf_of=None,
) -> list[dict]:
    """Apply field values to a stored record with one conditional UPDATE and audit the fields
    that really changed. Raises ConcurrentEditError if the record moved past `expected_version`.
    Returns the changes (empty: nothing was written)."""
    # The stored row, not the object in hand: a ModelForm has already copied the user's input
    # onto its instance, so the object's own values may be the new ones.
    stored = obj.__class__._base_manager.get(pk=obj.pk)
    before = snapshot(stored)
    for name, value in values.items():
        setattr(obj, name, value)
    after = {**before, **{k: v for k, v in snapshot(obj).items() if k in values}}
    changes = diff(obj, before, after)
    versioned = hasattr(obj, "version")
    if versioned and expected_version is None:
        expected_version = stored.version
    if not changes:
        if versioned and stored.version != expected_version:
            raise _conflict(obj)
        return []
    attnames = [obj._meta.get_field(change["field"]).attname for change in changes]
    update = {attname: getattr(obj, attname) for attname in attnames}
    # Columns derived from the audited ones (search keys) follow them without entries of their own.
    if hasattr(obj, "derived_columns"):
        update.update(obj.derived_columns())
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        obj.updated_at = update["updated_at"] = timezone.now()
    query = obj.__class__._base_manager.filter(pk=obj.pk)
    if versioned:
        query = query.filter(version=expected_version)
        update["version"] = F("version") + 1
    if query.update(**update) != 1:
        raise _conflict(obj)
    if versioned:
        obj.version = expected_version + 1
    record(obj, action, actor=actor, changes=changes, reason=reason, on_behalf_of=on_behalf_of)
    fields = [change["field"] for change in changes]
    signals.changed.send(sender=obj.__class__, instance=obj, fields=fields)
    return changes


def delete(obj: models.Model, *, actor, reason: str = "") -> None:
    """Delete a configuration row (never a quality record: those are voided)."""
    values = snapshot(obj)
    changes = diff(obj, values, dict.fromkeys(values))
    record(obj, DELETE, actor=actor, changes=changes, reason=reason)
    obj.delete()


def _conflict(obj) -> ConcurrentEditError:
    record_type, record_id = record_ref(obj)
    last = (
        AuditEntry.objects.filter(record_type=record_type, record_id=record_id)
        .order_by("-id")
        .first()
    )
    if last is None:
        return ConcurrentEditError(obj)
    return ConcurrentEditError(obj, changed_by=last.actor_name or "—", changed_at=last.at)
