"""People and departments by what people type in a spreadsheet, loaded once per file.

A bulk import finds thousands of names; a query per cell made a 50,000-row file take minutes.
These load every candidate in one query and match in Python as the import fields' queries did
(case-insensitive like `iexact`, the first in the model's order when several match).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .models import Department


def key(text) -> str:
    return str(text or "").strip().upper()


class UserLookup:
    """Active users by user name or e-mail (any case), else by full name."""

    def __init__(self):
        users = list(get_user_model().objects.filter(is_active=True).order_by("pk"))
        self.by_login: dict[str, object] = {}
        self.by_name: dict[str, object] = {}
        for user in users:  # the first in pk order wins, as `.first()` did
            self.by_login.setdefault(key(user.username), user)
            if user.email:
                self.by_login.setdefault(key(user.email), user)
            self.by_name.setdefault(str(user), user)

    def find(self, text: str):
        return self.by_login.get(key(text)) or self.by_name.get(text.strip())


class CodeNameLookup:
    """Records by code or English name (any case) or Chinese name, the first in the
    queryset's order when several match (departments, defect categories)."""

    def __init__(self, queryset):
        self.matches: dict[str, object] = {}
        self.all: dict[int, object] = {}
        for item in queryset:
            self.all[item.pk] = item
            for name in (key(item.code), item.name, key(item.name_en)):
                if name:
                    self.matches.setdefault(name, item)

    def find(self, text: str):
        text = text.strip()
        return self.matches.get(key(text)) or self.matches.get(text)


class DepartmentLookup(CodeNameLookup):
    def __init__(self):
        super().__init__(Department.objects.select_related("head"))
