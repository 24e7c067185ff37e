"""Checking the audit chain: every entry's HMAC, every link, and the chain head."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .chain import GENESIS, compute_hash
from .models import AuditEntry, ChainHead


@dataclass
class Problem:
    entry_id: int | None
    kind: str  # "altered", "broken_link", "head_mismatch"
    detail: str


@dataclass
class Report:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(*, batch_size: int = 5000) -> Report:
    """Walk the trail in id order. An altered entry is reported by its own id; a removed entry
    by the id of its successor, whose link no longer matches; a removed tail by the head."""
    report = Report()
    previous_hash, previous_id = GENESIS, 0
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
        previous_hash, previous_id = entry.hash, entry.pk
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
    return report


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
