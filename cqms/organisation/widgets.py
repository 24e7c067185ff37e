"""A user picker that loads matching people as you type, instead of listing every user."""

from __future__ import annotations

from django.urls import reverse_lazy

from cqms.core.widgets import SearchPicker

from .models import User


def user_label(user: User) -> str:
    department = f" · {user.department}" if user.department_id else ""
    return f"{user} ({user.username}){department}"


class UserPicker(SearchPicker):
    search_url = reverse_lazy("organisation:user_search")

    def label(self, user: User) -> str:
        return user_label(user)

    def lookup(self, pks: list[str]):
        return User.objects.filter(pk__in=pks).select_related("department")
