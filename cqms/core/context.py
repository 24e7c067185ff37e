"""Where a change comes from: the web, the API, a job, an import, a command.

Set once per request or job and read by the audit trail, so service functions need no extra
parameters to say it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ChangeContext:
    source: str = "system"
    request_id: str = ""
    ip: str = ""


# ChangeContext is a frozen dataclass: sharing the default instance is safe.
_current: ContextVar[ChangeContext] = ContextVar(
    "cqms_change_context",
    default=ChangeContext(),  # noqa: B039
)


def current() -> ChangeContext:
    return _current.get()


@contextmanager
def change_context(**values: str) -> Iterator[ChangeContext]:
    token = _current.set(replace(current(), **values))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
