"""The left menu, by part. Apps add their entries in `AppConfig.ready()`; the shell shows the
entries the user may open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse


@dataclass
class MenuItem:
    label: str
    url_name: str
    icon: str
    permission: str | Callable | None = None
    active_prefixes: tuple[str, ...] = ()

    def allowed(self, user) -> bool:
        if self.permission is None:
            return True
        if callable(self.permission):
            return bool(self.permission(user))
        return user.has_perm(self.permission)


@dataclass
class MenuSection:
    key: str
    label: str
    order: int
    items: list[MenuItem] = field(default_factory=list)


_sections: dict[str, MenuSection] = {}
_urls: dict[str, str] = {}  # url name -> path: the menu's addresses never change while running


@receiver(setting_changed)
def _forget_urls(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _urls.clear()


def _url(name: str) -> str:
    if (url := _urls.get(name)) is None:
        url = _urls[name] = reverse(name)
    return url


def section(key: str, label, order: int) -> MenuSection:
    return _sections.setdefault(key, MenuSection(key, label, order))


def add(section_key: str, item: MenuItem) -> None:
    _sections[section_key].items.append(item)


def visible_menu(user, path: str) -> list[dict]:
    menu = []
    for sec in sorted(_sections.values(), key=lambda s: s.order):
        items = []
        for item in sec.items:
            if not item.allowed(user):
                continue
            url = _url(item.url_name)
            prefixes = item.active_prefixes or (url,)
            active = url == path if url == "/" else any(path.startswith(p) for p in prefixes)
            items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
        if items:
            menu.append({"label": sec.label, "items": items})
    return menu
