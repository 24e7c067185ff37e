"""The kinds of background job. Apps register theirs in `AppConfig.ready()`:

    from cqms.jobs import registry
    registry.register("customers.export", export_customers, _("Customer export"))

A handler is `def handler(job: Job, progress: Progress) -> None | dict | JobResult`. It runs in
the job worker, in the submitter's language, with the change source "job" (or the source given
at registration, e.g. "import"). It reports progress through `progress`, may store a result
file with `services.result_path` / `services.save_result_file`, and may raise: the job is then
marked failed with a readable message (BusinessRuleError, ValidationError, PermissionDenied,
JobFailed) or a generic one for anything else, which is logged with its traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils.encoding import force_str

if TYPE_CHECKING:
    from .models import Job


@dataclass(frozen=True)
class JobKind:
    kind: str
    handler: Callable
    label: Any  # usually a lazy translation
    source: str = "job"


@dataclass
class JobResult:
    """What a handler may return instead of a plain dict.

    `data` is stored as the job's result. The job page shows `data["summary"]` (a list of
    {"label", "value"}), `data["errors"]` (a list of {"row", "column", "message"}) and
    `data["actions"]` (a list of {"label", "url"}: buttons that POST to a URL of this site).
    """

    data: dict = field(default_factory=dict)
    message: str = ""


class JobFailed(Exception):
    """Raised by a handler for an expected failure: the message is shown, the result kept."""

    def __init__(self, message, result: dict | None = None):
        super().__init__(force_str(message))
        self.message = message
        self.result = result or {}


_kinds: dict[str, JobKind] = {}


def register(kind: str, handler: Callable, label, *, source: str = "job") -> JobKind:
    if kind in _kinds and _kinds[kind].handler is not handler:
        raise ValueError(f"Job kind {kind!r} is already registered.")
    entry = JobKind(kind, handler, label, source)
    _kinds[kind] = entry
    return entry


def unregister(kind: str) -> None:
    _kinds.pop(kind, None)


def get(kind: str) -> JobKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(f"No job kind {kind!r} is registered.") from None


def label_for(kind: str) -> str:
    entry = _kinds.get(kind)
    return force_str(entry.label) if entry else kind


class Progress:
    """Reports how far a job got with cheap, throttled UPDATEs of its row.

    `progress(done, total=None, message=None)`, `progress.advance()` and `progress.set_total()`
    may be called for every row: the row is written at most every `interval` seconds, and at
    once by `flush()`. Inside a transaction opened by the
    handler (an import's commit) nothing is written: other connections could not see it, and on
    SQLite a second connection would wait for the lock.
    """

    def __init__(self, job: Job, *, interval: float = 0.5):
        self.job = job
        self.interval = interval
        self.done = job.done
        self.total = job.total
        self.message = job.message
        self.writes = 0
        self._written = (self.done, self.total, self.message)
        self._last_write = float("-inf")
        self._depth = len(connection.atomic_blocks)

    def __call__(self, done: int | None = None, total: int | None = None, message=None) -> None:
        if done is not None:
            self.done = max(0, int(done))
        if total is not None:
            self.total = max(0, int(total))
        if message is not None:
            self.message = force_str(message)[:500]
        self._maybe_write()

    def advance(self, step: int = 1, message=None) -> None:
        self(self.done + step, message=message)

    def set_total(self, total: int | None) -> None:
        self.total = None if total is None else max(0, int(total))
        self._maybe_write()

    def flush(self) -> None:
        self._maybe_write(force=True)

    def _maybe_write(self, *, force: bool = False) -> None:
        state = (self.done, self.total, self.message)
        if state == self._written:
            return
        now = time.monotonic()
        if not force and now - self._last_write < self.interval:
            return
        if len(connection.atomic_blocks) > self._depth:
            return
        from .models import Job

        Job.objects.filter(pk=self.job.pk).update(
            done=self.done, total=self.total, message=self.message
        )
        self.job.done, self.job.total, self.job.message = state
        self._written = state
        self._last_write = now
        self.writes += 1
