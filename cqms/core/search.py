"""Search keys: people and customers are found by what a Chinese user types, the name itself, its
pinyin or its initials (李静, lijing, li jing, lj), with one simple query on a stored column.

A model keeps the key in a `SearchKeyField`, fills it in `save()` and returns it from
`derived_columns()`, which `audit.save_changes` writes along with the audited fields it derives
from. Searching compares `query_key(text)` with the column (`icontains`): no per-row work in
Python, whatever the number of rows.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin, pinyin

# A short text (a person's name) is keyed with every reading of its first character as well:
# surnames are where the usual reading is wrong (曾 zeng not ceng, 单 shan, 区 ou, 解 xie).
SHORT_TEXT = 4
_SEPARATORS = re.compile(r"[\s'’·.\-_()（）]+")


class SearchKeyField(models.TextField):
    """Derived from other fields: kept out of the audit trail (those fields are in it)."""

    audit_exclude = True

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", _("search key"))
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


def query_key(text: str) -> str:
    """What a user typed, in the form of the keys: lower case, without spaces or the
    apostrophes an input method puts between syllables."""
    return _SEPARATORS.sub("", (text or "").strip()).lower()


def _has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _spellings(text: str) -> list[list[str]]:
    """The syllables of `text` for each spelling considered; characters that are not Chinese
    stay as they are."""
    usual = lazy_pinyin(text)
    han = [ch for ch in text if _has_han(ch)]
    if len(han) > SHORT_TEXT or not _has_han(text[0]):
        return [usual]
    first = pinyin(text[0], style=Style.NORMAL, heteronym=True)[0]
    return [usual] + [[reading, *usual[1:]] for reading in first if reading != usual[0]]


def search_key(*texts: str) -> str:
    """The key of a record named `texts`: each text without spaces, and for Chinese texts
    its pinyin written out and its initials, separated by spaces (a query never spans two)."""
    tokens: list[str] = []
    for text in texts:
        compact = query_key(text)
        if not compact:
            continue
        tokens.append(compact)
        if not _has_han(compact):
            continue
        for syllables in _spellings(compact):
            parts = [query_key(s) for s in syllables if query_key(s)]
            tokens.append("".join(parts))
            tokens.append("".join(part[0] for part in parts))
    seen: dict[str, None] = dict.fromkeys(t for t in tokens if t)
    return " ".join(seen)
