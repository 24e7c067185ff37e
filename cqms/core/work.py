"""The "My work" page: every part contributes what is really assigned to the user.

A provider is a function `(user) -> WorkSection | None`, registered in `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class WorkItem:
    title: str
    url: str
    detail: str = ""
    due: object = None  # date or datetime
    overdue: bool = False


@dataclass
class WorkSection:
    key: str
    title: str
    items: list[WorkItem] = field(default_factory=list)
    more_url: str = ""
    total: int = 0  # all matching items; `items` may show only the first few
    level: str = "normal"  # "warning" sections are shown first, as alerts
    overdue_label: str = ""  # the badge of a late item; "overdue" when empty

    def __post_init__(self):
        self.total = self.total or len(self.items)


_providers: list[Callable] = []


def register(provider: Callable) -> Callable:
    _providers.append(provider)
    return provider


def work_for(user) -> list[WorkSection]:
    sections = [section for provider in _providers if (section := provider(user))]
    return sorted(sections, key=lambda s: s.level != "warning")
