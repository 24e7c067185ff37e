"""Action codes and the sentence each one shows in the history, in the reader's language.

Apps register their own codes in `AppConfig.ready()`; a test checks that every code written to
the trail has a sentence."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

_labels = {
    "create": _("Created"),
    "update": _("Changed"),
    "delete": _("Deleted"),
    "void": _("Voided"),
}


def register(code: str, label) -> None:
    _labels[code] = label


def label(code: str) -> str:
    return str(_labels.get(code, code))


def known(code: str) -> bool:
    return code in _labels
