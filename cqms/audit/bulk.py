"""Many records and their audit entries, prepared before the write transaction and written in it
in seconds: imports of tens of thousands of rows.

On SQLite one transaction writes at a time, so everything that can be done before it is:
record ids are reserved (`reserve_ids`), every row's values and every entry's canonical text are
prepared. Inside `change_transaction()` only the chain's hashes are computed (one HMAC per entry)
and the rows go in with `executemany`. The records and entries are those `save_new`,
`save_changes` and `record` write, in the order they were added.

    plan = BulkWrite(actor)
    reserve_ids(Customer, new)              # outside the transaction
    plan.insert(new)                        # rows + creation entries
    plan.update([(stored, obj, values)])    # conditional updates + change entries
    with audit.change_transaction():
        plan.write()                        # raises StaleRows if a row moved on meanwhile
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from cqms.core.context import current as current_context

from . import services, signals
from .chain import key_id
from .models import AuditEntry, ChainHead

AT_MARK = "\x00at\x00"
CHANGES_MARK = "\x00changes\x00"
SEP = (",", ":")
AT_JSON = json.dumps(AT_MARK)
CHANGES_JSON = json.dumps(CHANGES_MARK)


class StaleRows(Exception):
    """A row to update changed after it was read: prepare again."""


def reserve_ids(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Give new records their ids before the write transaction, in a short one of its own, so
    their entries can be prepared. Reserved ids of a failed import are skipped, never reused."""
    if not objs:
        return
    table = model._meta.db_table
    column = model._meta.pk.column
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), column, len(objs)],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
        elif connection.vendor == "sqlite":
            # Tables of AutoFields are AUTOINCREMENT: ids below sqlite_sequence's value are
            # never handed out again, so raising it reserves the ids in between.
            cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608
            top = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(top, row[0] if row else 0)
            if row:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = %s WHERE name = %s",
                    [start + len(objs), table],
                )
            else:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                    [table, start + len(objs)],
                )
            ids = range(start + 1, start + len(objs) + 1)
        else:  # pragma: no cover
            raise NotImplementedError(connection.vendor)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk


class Builder:
    """New records of one model as `model(**values)` builds them (the defaults, a related
    record's id with the record cached), without `Model.__init__`'s work per record: a large
    import builds tens of thousands. `common`: values of every record, set once."""

    def __init__(self, model: type[models.Model], **common):
        proto = model(**common)
        self.model = model
        self.base = {k: v for k, v in proto.__dict__.items() if k != "_state"}
        self.cached = dict(proto._state.fields_cache)
        # A default made by a callable (a dict, a list) is made again for each record.
        self.made = [
            f for f in model._meta.concrete_fields if f.has_default() and callable(f.default)
        ]
        self.fields: dict[str, tuple[str, str | None]] = {}

    def __call__(self, **values) -> models.Model:
        obj = self.model.__new__(self.model)
        attrs = dict(self.base)
        for f in self.made:
            attrs[f.attname] = f.get_default()
        cached = dict(self.cached)
        for name, value in values.items():
            if name not in self.fields:
                field = self.model._meta.get_field(name)
                target = field.target_field.attname if field.many_to_one else None
                self.fields[name] = (field.attname, target)
            attname, target = self.fields[name]
            if target is None:
                attrs[attname] = value
            else:
                attrs[attname] = None if value is None else getattr(value, target)
                cached[name] = value
        state = models.base.ModelState()
        state.fields_cache = cached
        attrs["_state"] = state
        obj.__dict__.update(attrs)
        return obj


class BulkWrite:
    def __init__(self, actor, *, on_behalf_of=None, stale=None):
        """`stale()`, asked first in `write()`: whether what the rows were checked against
        changed since (then StaleRows, and the caller prepares again)."""
        self.actor = actor
        self.stale = stale
        self.on_behalf_of = on_behalf_of
        self.inserts: list[tuple[str, list[list]]] = []
        self.updates: dict[str, list[list]] = {}  # statements of the same columns together
        self.extra_sql: list[tuple[str, list[list]]] = []
        self.entries: list[tuple[list, bytes, bytes]] = []
        self.changed: list[tuple[type, models.Model, list[str]]] = []
        self.after_commit: list = []
        self._displays: dict = {}
        self._audited: dict = {}  # model: its audited fields (name, attname)
        self._relations: dict = {}  # model: its related fields by name
        self._postgresql = connection.vendor == "postgresql"
        context = current_context()
        self._fixed = {
            "actor_id": getattr(actor, "pk", None) or None,
            "actor_name": services._printed_name(actor),
            "on_behalf_of_name": services._printed_name(on_behalf_of),
            "source": context.source,
            "request_id": context.request_id,
            "ip": context.ip,
            "key_id": key_id(),
        }
        fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
        self._entry_fields = fields
        self._entry_index = {f.name: i for i, f in enumerate(fields)}
        self._changes_field = AuditEntry._meta.get_field("changes")
        self._entry_template = [
            f.get_db_prep_save(
                self._fixed["actor_id"] if f.name == "actor" else self._fixed.get(f.name),
                connection,
            )
            for f in fields
        ]
        self._entry_sql = _insert_sql(AuditEntry, fields)

    # --- Preparing (outside the transaction) ---------------------------------------------------

    def insert(self, objs: Sequence[models.Model], *, action: str = services.CREATE) -> None:
        """New records (ids reserved) and their creation entries."""
        for obj in objs:
            self.entry(obj, action, self.creation_changes(obj))
        self.insert_rows(objs)

    def creation_changes(self, obj: models.Model) -> list[dict]:
        """`services.creation_changes`, the names of related records looked up once."""
        changes = []
        relations = self._relations.get(obj.__class__)
        if relations is None:
            fields = obj._meta.concrete_fields
            relations = {f.name: f for f in fields if f.is_relation}
            self._relations[obj.__class__] = relations
        for name, new in self._snapshot(obj).items():
            if new is None or new == "":
                continue
            change = {"field": name, "old": None, "new": new}
            field = relations.get(name)
            if field is not None:
                key = (field.related_model, new)
                if key not in self._displays:
                    self._displays[key] = services._display(field, new, obj)
                change["old_display"] = None
                change["new_display"] = self._displays[key]
            changes.append(change)
        return changes

    def _snapshot(self, obj: models.Model) -> dict[str, str | None]:
        """`services.snapshot`, its fields listed once per model and plain values taken as
        they are (the same canonical text, without a call per value)."""
        model = obj.__class__
        fields = self._audited.get(model)
        if fields is None:
            fields = [(f.name, f.attname) for f in services.audited_fields(obj)]
            fields = self._audited[model] = fields
            if services.REDACTED_FIELDS & {name for name, _attname in fields}:
                self._audited[model] = fields = None
        if fields is None:
            return services.snapshot(obj)
        values = obj.__dict__
        canonical = services.canonical_value
        snap = {}
        for name, attname in fields:
            value = values[attname] if attname in values else getattr(obj, attname)
            kind = type(value)
            if value is None or kind is str:
                snap[name] = value
            elif kind is int or kind is Decimal:
                snap[name] = str(value)
            elif kind is dt.datetime and value.utcoffset() is not None:
                snap[name] = value.astimezone(dt.UTC).isoformat()
            else:
                snap[name] = canonical(value)
        return snap

    def insert_rows(self, objs: Sequence[models.Model]) -> None:
        """New records (ids reserved) as they are now, their entries added by the caller (a
        record created and changed in one import is inserted in its final state)."""
        if not objs:
            return
        model = objs[0].__class__
        fields = list(model._meta.concrete_fields)
        # Each column: taken as it is, a stamp (one time for the rows of this write) or
        # converted (an aware date and time directly, as the backend's adapter does).
        now = timezone.now()
        columns = []  # (attname, how, stamp's value)
        for f in fields:
            if _is_plain(f):
                columns.append((f.attname, None, None))
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                columns.append((f.attname, now, f.get_db_prep_save(now, connection)))
            else:
                columns.append((f.attname, _converter(f), None))
        actor_id = getattr(self.actor, "pk", None)
        has_creator = any(f.attname == "created_by_id" for f in fields)
        rows = []
        for obj in objs:
            if obj.pk is None:
                raise ValueError("reserve_ids() first: the entries name the record's id")
            values = obj.__dict__
            if has_creator and values["created_by_id"] is None:
                values["created_by_id"] = actor_id
            row = []
            for attname, how, stamp in columns:
                if how is None:
                    row.append(values[attname])
                elif how is now:
                    values[attname] = now
                    row.append(stamp)
                else:
                    row.append(how(values[attname]))
            rows.append(row)
            obj._state.adding = False
        self.inserts.append((_insert_sql(model, fields), rows))

    def change(self, obj: models.Model, values: dict, *, action: str = services.UPDATE) -> None:
        """A change of a record this plan inserts: applied to the object, entry as
        `save_changes` writes it."""
        fields = [obj._meta.get_field(name) for name in values]
        before = {f.name: services.canonical_value(getattr(obj, f.attname)) for f in fields}
        for name, value in values.items():
            setattr(obj, name, value)
        after = {f.name: services.canonical_value(getattr(obj, f.attname)) for f in fields}
        changes = services.diff(obj, before, after)
        if not changes:
            return
        if hasattr(obj, "version"):
            obj.version += 1
        self.entry(obj, action, changes)

    def update(
        self,
        items: Sequence[tuple[models.Model, models.Model, dict[str, Any]]],
        *,
        action: str = services.UPDATE,
    ) -> int:
        """(stored, obj, values): `save_changes` of many records of one model. `stored` is the
        row as read (its version is the one expected); returns the rows that change."""
        if not items:
            return 0
        model = items[0][1].__class__
        names = {f.name for f in model._meta.concrete_fields}
        versioned, stamped = "version" in names, "updated_at" in names
        count = 0
        now = timezone.now()
        for stored, obj, values in items:
            before = services.snapshot(stored)
            for name, value in values.items():
                setattr(obj, name, value)
            after = {**before, **{k: v for k, v in services.snapshot(obj).items() if k in values}}
            changes = services.diff(obj, before, after)
            if not changes:
                continue
            fields = [model._meta.get_field(change["field"]) for change in changes]
            if stamped:
                obj.updated_at = now
                fields.append(model._meta.get_field("updated_at"))
            params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
            params.append(obj.pk)
            if versioned:
                params.append(stored.version)
                obj.version = stored.version + 1
            sql = _update_sql(model, [f.column for f in fields], versioned)
            self.updates.setdefault(sql, []).append(params)
            count += 1
            self.entry(obj, action, changes)
            self.changed.append((model, obj, [change["field"] for change in changes]))
        return count

    def rows(self, sql: str, rows: list[list]) -> None:
        """Rows without entries of their own (a many-to-many link, recorded on its record)."""
        if rows:
            self.extra_sql.append((sql, rows))

    def entry(
        self,
        obj: models.Model,
        action: str,
        changes: list[dict],
        *,
        reason: str = "",
        root: models.Model | None = None,
    ) -> None:
        """An audit entry, its canonical text prepared now and its time set at `write()`.
        `root`: `audit_root(obj)` when the caller has it in hand."""
        record_type, record_id = services.record_ref(obj)
        root_type, root_id = services.record_ref(root or services.audit_root(obj))
        values = {
            **self._fixed,
            "record_type": record_type,
            "record_id": record_id,
            "record_label": str(obj)[:200],
            "root_type": root_type,
            "root_id": root_id,
            "action": action,
            "changes": changes,
            "reason": reason,
        }
        # The canonical text of chain.canonical(), built around the changes' JSON, which is
        # also the stored value (one json.dumps of the changes, not two).
        changes_text = json.dumps(changes, ensure_ascii=False, sort_keys=True, separators=SEP)
        canonical = dict(values, at=AT_MARK, changes=CHANGES_MARK)
        canonical["actor_id"] = None if values["actor_id"] is None else str(values["actor_id"])
        text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=SEP)
        text = text.replace(CHANGES_JSON, changes_text, 1)
        before, after = text.split(AT_JSON, 1)
        row = list(self._entry_template)
        for name in ("record_type", "record_id", "record_label", "root_type", "root_id"):
            row[self._entry_index[name]] = values[name]
        row[self._entry_index["action"]] = action
        row[self._entry_index["reason"]] = reason
        row[self._entry_index["changes"]] = _json_param(changes, changes_text, self._postgresql)
        self.entries.append((row, (before + '"').encode(), ('"' + after).encode()))

    # --- Writing (inside change_transaction) ---------------------------------------------------

    def write(self) -> None:
        if not connection.in_atomic_block:
            raise RuntimeError("BulkWrite.write() belongs inside the change's transaction")
        services.lock_chain()
        if self.stale is not None and self.stale():
            raise StaleRows("changed since the rows were checked")
        with connection.cursor() as cursor:
            for sql, rows in self.inserts:
                _insert(cursor, sql, rows)
            for sql, rows in self.updates.items():
                cursor.executemany(sql, rows)
                if cursor.rowcount != len(rows):
                    raise StaleRows(sql)
            for sql, rows in self.extra_sql:
                cursor.executemany(sql, rows)
            self._write_entries(cursor)
        for model, obj, fields in self.changed:
            signals.changed.send(sender=model, instance=obj, fields=fields)

    def _write_entries(self, cursor) -> None:
        if not self.entries:
            return
        head = ChainHead.objects.get(pk=1)
        now = timezone.now()
        at_text = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode()
        at_value = AuditEntry._meta.get_field("at").get_db_prep_save(now, connection)
        index = {f.name: i for i, f in enumerate(self._entry_fields)}
        at, prev, this = index["at"], index["prev_hash"], index["hash"]
        key = settings.AUDIT_KEY.encode()
        prev_hash = head.last_hash
        rows = []
        for row, before, after in self.entries:
            message = b"".join((prev_hash.encode(), b"|", before, at_text, after))
            digest = hmac.digest(key, message, "sha256").hex()  # hmac.new()'s, in one C call
            row = list(row)
            row[at], row[prev], row[this] = at_value, prev_hash, digest
            rows.append(row)
            prev_hash = digest
        _insert(cursor, self._entry_sql, rows)
        last_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True)[0]
        ChainHead.objects.filter(pk=1).update(last_id=last_id, last_hash=prev_hash)


PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.AutoField,
    models.BigAutoField,
)


def _is_plain(field) -> bool:
    """A value the DB-API driver takes as it is (no conversion, no automatic value)."""
    if isinstance(field, models.ForeignKey):
        return _is_plain(field.target_field)
    return isinstance(field, PLAIN_FIELDS) and type(field).get_db_prep_value in (
        models.Field.get_db_prep_value,
        models.IntegerField.get_db_prep_value,
        models.CharField.get_db_prep_value,
        models.TextField.get_db_prep_value,
        models.BooleanField.get_db_prep_value,
        models.ForeignKey.get_db_prep_value,
        models.AutoField.get_db_prep_value,
        models.BigAutoField.get_db_prep_value,
    )


def _converter(field):
    """The field's `get_db_prep_save`, with aware dates and times (most of an import's
    converted values) adapted as the backend does, without its checks per value."""
    prep = field.get_db_prep_save
    if type(field) is not models.DateTimeField or not settings.USE_TZ:
        seen = {}  # the same amounts and dates recur: each converted once

        def remembered(value):
            try:
                key = (type(value), str(value) if type(value) is Decimal else value)
                if key not in seen:
                    seen[key] = prep(value, connection)
                return seen[key]
            except TypeError:  # not hashable (a JSON value)
                return prep(value, connection)

        return remembered
    sqlite = connection.vendor == "sqlite"
    zone = connection.timezone if sqlite else None

    def convert(value):
        if type(value) is not dt.datetime or value.utcoffset() is None:
            return prep(value, connection)
        if sqlite:  # the adapter's make_naive() and str()
            return str(value.astimezone(zone).replace(tzinfo=None))
        return value

    return convert


def _json_param(value, text: str, postgresql: bool):
    """A JSON column's parameter from JSON text already made."""
    if postgresql:
        from psycopg.types.json import Jsonb

        return Jsonb(value, dumps=lambda _value: text)
    return text


def _insert(cursor, sql: str, rows: list[list]) -> None:
    """executemany on SQLite; COPY on PostgreSQL, several times faster for many rows (the
    write transaction holds the audit chain's lock, so every other change waits for it)."""
    if connection.vendor != "postgresql":
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
        return
    head = sql.split(" VALUES ", 1)[0].replace("INSERT INTO", "COPY", 1)
    with cursor.cursor.copy(f"{head} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _update_sql(model, columns: list[str], versioned: bool) -> str:
    quote = connection.ops.quote_name
    sets = [f"{quote(c)} = %s" for c in columns]
    where = f"{quote(model._meta.pk.column)} = %s"
    if versioned:
        sets.append(f"{quote('version')} = {quote('version')} + 1")
        where += f" AND {quote('version')} = %s"
    # Names from the model, quoted; every value is a parameter.
    return f"UPDATE {quote(model._meta.db_table)} SET {', '.join(sets)} WHERE {where}"  # noqa: S608


def _insert_sql(model: type[models.Model], fields) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Names from the model, quoted; every value is a parameter.
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
