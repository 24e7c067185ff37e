"""Canonical serialisation and the HMAC that links each entry to the one before it.

The serialisation must not depend on the database: UTC times with microseconds, values as
strings, sorted keys, no ASCII escaping (a SQLite trail moved to PostgreSQL still verifies).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings

from .keys import audit_key

GENESIS = "0" * 64
HASHED_FIELDS = (
    "at",
    "actor_id",
    "actor_name",
    "on_behalf_of_name",
    "source",
    "request_id",
    "ip",
    "record_type",
    "record_id",
    "record_label",
    "root_type",
    "root_id",
    "action",
    "changes",
    "reason",
    "key_id",
)


def key_id() -> str:
    return getattr(settings, "AUDIT_KEY_ID", "k1")


def canonical(entry) -> bytes:
    values = {name: getattr(entry, name) for name in HASHED_FIELDS}
    values["at"] = values["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    values["actor_id"] = None if values["actor_id"] is None else str(values["actor_id"])
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(entry, prev_hash: str) -> str:
    message = prev_hash.encode() + b"|" + canonical(entry)
    return hmac.new(audit_key().encode(), message, hashlib.sha256).hexdigest()
