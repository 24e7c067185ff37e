"""Checking the audit chain: every entry's HMAC, every link, the chain head, and the anchors
of the head kept outside the database (anchors.py), which reveal a cut tail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from . import anchors as anchoring
from .chain import GENESIS, compute_hash
from .models import AuditEntry, ChainHead

# Without any anchor, a trail whose last entry is older than this was never anchored by the
# job worker: the anchor file was removed (or the worker never ran).
ANCHORS_EXPECTED_AFTER = dt.timedelta(days=1)


@dataclass
class Problem:
    entry_id: int | None
    kind: str  # altered, broken_link, head_mismatch, truncated, anchor_mismatch, anchor_file
    detail: str


@dataclass
class Report:
    checked: int = 0
    anchors: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(*, batch_size: int = 5000, anchor_path: Path | None = None) -> Report:
    """Walk the trail in id order. An altered entry is reported by its own id; a removed entry
    by the id of its successor, whose link no longer matches; a removed tail by the head, or,
    when the head was moved back as well, by the anchors."""
    report = Report()
    expected = _anchors(report, anchor_path or anchoring.anchor_file())
    previous_hash, previous_id, last_at = GENESIS, 0, None
    entries = AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size)
    for entry in entries:
        report.checked += 1
        if entry.prev_hash != previous_hash:
            report.problems.append(
                Problem(
                    entry.pk,
                    "broken_link",
                    f"does not follow entry {previous_id or 'genesis'}: "
                    "an entry before it was removed or altered",
                )
            )
        if compute_hash(entry, entry.prev_hash) != entry.hash:
            report.problems.append(
                Problem(entry.pk, "altered", "its content does not match its hash")
            )
        for anchor in expected.pop(entry.pk, []):
            if anchor.hash != entry.hash:
                report.problems.append(
                    Problem(
                        entry.pk,
                        "anchor_mismatch",
                        f"anchor {anchor.seq} of {anchor.at} recorded another hash for it: "
                        "the entry, or the chain up to it, was rewritten",
                    )
                )
        previous_hash, previous_id, last_at = entry.hash, entry.pk, entry.at
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != previous_hash or head.last_id != previous_id):
        report.problems.append(
            Problem(
                None,
                "head_mismatch",
                f"the chain head names entry {head.last_id} but the trail ends at "
                f"{previous_id or 'genesis'}: entries at the end were removed",
            )
        )
    _missing_anchored(report, expected, previous_id)
    if report.anchors == 0 and last_at and timezone.now() - last_at > ANCHORS_EXPECTED_AFTER:
        report.problems.append(
            Problem(
                None,
                "anchor_file",
                "no anchor of the chain head although the trail is older than a day: "
                "the anchor file was removed, or the job worker never ran",
            )
        )
    return report


def _anchors(report: Report, path: Path) -> dict[int, list[anchoring.Anchor]]:
    """The anchors to compare, by entry id; those a recorded restore gave up become notes."""
    if not path.exists():
        report.notes.append(f"no anchor file at {path} yet: a cut tail cannot be detected")
        return {}
    anchors, file_problems = anchoring.read_anchors(path)
    report.problems += [Problem(None, "anchor_file", detail) for detail in file_problems]
    report.anchors = len(anchors)
    checked: list[anchoring.Anchor] = []
    for anchor in anchors:
        if anchor.kind == anchoring.RESTORE:
            given_up = [a for a in checked if a.entry_id > anchor.entry_id]
            if given_up:
                report.notes.append(
                    f"restore recorded at {anchor.at} ({anchor.reason}): the trail was set back "
                    f"to entry {anchor.entry_id}; entries up to {given_up[-1].entry_id} "
                    f"anchored before it were lost ({len(given_up)} anchors)"
                )
            checked = [a for a in checked if a.entry_id <= anchor.entry_id]
        checked.append(anchor)
    expected: dict[int, list[anchoring.Anchor]] = {}
    for anchor in checked:
        if anchor.entry_id:
            expected.setdefault(anchor.entry_id, []).append(anchor)
    return expected


def _missing_anchored(report, expected, last_id: int) -> None:
    beyond = [a for group in expected.values() for a in group if a.entry_id > last_id]
    if beyond:
        newest = max(beyond, key=lambda a: (a.entry_id, a.seq))
        report.problems.append(
            Problem(
                None,
                "truncated",
                f"the trail ends at entry {last_id or 'genesis'}, but anchor {newest.seq} "
                f"of {newest.at} names entry {newest.entry_id}: the entries after "
                f"{last_id or 'genesis'} were removed",
            )
        )
    for group in expected.values():
        for anchor in group:
            if anchor.entry_id <= last_id:
                report.problems.append(
                    Problem(
                        anchor.entry_id,
                        "removed",
                        f"anchor {anchor.seq} of {anchor.at} names it, but it is gone",
                    )
                )


# --- Further checks on request -----------------------------------------------------------------


@dataclass
class CheckReport:
    """What one further check (`audit_verify --files`, `--signatures`) found: one line per
    problem, naming the record."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# name -> (what it counts, function); filled by the apps that own the records
_checks: dict[str, tuple[str, Callable[[], CheckReport]]] = {}


def register_check(name: str, counted: str, check: Callable[[], CheckReport]) -> None:
    _checks[name] = (counted, check)


def further_check(name: str) -> tuple[str, Callable[[], CheckReport]] | None:
    return _checks.get(name)
