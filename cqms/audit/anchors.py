"""Anchors of the chain head outside the database.

The chain proves that no entry was changed or removed *between* others; removing the last
entries and moving the chain head back leaves a shorter chain that is intact. So the head is
written, at intervals and by every backup, to a separate append-only file (one JSON line each:
sequence number, entry id, its hash, time, reason, and an HMAC with the audit key), and
optionally posted to a notification channel. `audit_verify` compares the trail with the file.

A restore from an older backup really loses the entries after it: `audit_anchor --restored`
records that in the file (with the head it restored), and `audit_verify` then lists the anchors
the restore gave up instead of reporting them as removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone

from .keys import audit_key
from .models import AuditEntry

try:  # POSIX: web, worker and backup may write at the same moment
    import fcntl
except ImportError:  # pragma: no cover - Windows, best effort
    fcntl = None

SCHEDULE_NAME = "cqms.audit_anchor"
INTERVAL_MINUTES = 10
ANCHOR, RESTORE = "anchor", "restore"
# Sent after an anchor is written; the notifications app posts it to subscribed group bots.
anchor_written = Signal()


@dataclass
class Anchor:
    line: int
    seq: int
    kind: str
    entry_id: int
    hash: str
    at: str
    reason: str


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def seal(values: dict) -> str:
    body = {k: v for k, v in values.items() if k != "mac"}
    message = b"audit.anchor|" + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(audit_key().encode(), message, hashlib.sha256).hexdigest()


def _last_seq(handle) -> int:
    handle.seek(0)
    last = 0
    for text in handle:
        try:
            last = max(last, int(json.loads(text)["seq"]))
        except (ValueError, KeyError, TypeError):
            continue
    return last


def _last_anchor(handle) -> dict | None:
    handle.seek(0)
    last = None
    for text in handle:
        if text.strip():
            last = text
    try:
        return json.loads(last) if last else None
    except ValueError:
        return None


def _append(kind: str, reason: str, *, only_if_moved: bool) -> tuple[dict | None, bool]:
    """Append one line for the trail's last entry; (the newest line, whether it is new)."""
    last = AuditEntry.objects.order_by("-id").values("id", "hash").first()
    if last is None and kind == ANCHOR:
        return None, False
    last = last or {"id": 0, "hash": ""}
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        previous = _last_anchor(handle)
        if (
            only_if_moved
            and previous
            and (previous.get("entry_id"), previous.get("hash")) == (last["id"], last["hash"])
        ):
            return previous, False
        values = {
            "seq": _last_seq(handle) + 1,
            "kind": kind,
            "entry_id": last["id"],
            "hash": last["hash"],
            "at": timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
            "reason": reason,
        }
        values["mac"] = seal(values)
        handle.seek(0, 2)
        handle.write(json.dumps(values, sort_keys=True, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    anchor_written.send(sender=Anchor, anchor=values)
    return values, True


def write_anchor(reason: str = "schedule") -> tuple[dict | None, bool]:
    """Anchor the trail's last entry unless the newest anchor already names it."""
    return _append(ANCHOR, reason, only_if_moved=True)


def scheduled_anchor() -> str:
    """The job worker's task, every INTERVAL_MINUTES."""
    anchor, new = write_anchor("schedule")
    if anchor is None:
        return "no entries"
    return f"anchored entry {anchor['entry_id']}" if new else "unchanged"


def record_restore(note: str) -> dict:
    """After a restore: the trail now ends at its current last entry, on purpose."""
    return _append(RESTORE, note or "restored", only_if_moved=False)[0]


def read_anchors(path: Path) -> tuple[list[Anchor], list[str]]:
    """The anchors of `path` and what is wrong with the file itself (altered lines, gaps)."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    expected_seq = 1
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                values = json.loads(text)
                anchor = Anchor(
                    number,
                    int(values["seq"]),
                    values["kind"],
                    int(values["entry_id"]),
                    values["hash"],
                    values["at"],
                    values.get("reason", ""),
                )
            except (ValueError, KeyError, TypeError):
                problems.append(f"line {number} is not an anchor: the file was altered")
                continue
            if not hmac.compare_digest(str(values.get("mac", "")), seal(values)):
                problems.append(f"line {number} (anchor {anchor.seq}) fails its HMAC: altered")
                continue
            if anchor.seq != expected_seq:
                problems.append(
                    f"line {number} is anchor {anchor.seq} where {expected_seq} was expected: "
                    "anchors were removed from the file"
                )
            expected_seq = anchor.seq + 1
            anchors.append(anchor)
    return anchors, problems


def ensure_schedule(sender=None, using="default", **kwargs) -> None:
    """post_migrate: the job worker anchors the head every INTERVAL_MINUTES."""
    from django_q.models import Schedule

    Schedule.objects.using(using).get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "cqms.audit.anchors.scheduled_anchor",
            "schedule_type": Schedule.MINUTES,
            "minutes": INTERVAL_MINUTES,
            "next_run": timezone.now(),
            "repeats": -1,
        },
    )
