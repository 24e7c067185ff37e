"""A user picker that loads matching people as you type, instead of listing every user."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy

from .models import User


def user_label(user: User) -> str:
    department = f" · {user.department}" if user.department_id else ""
    return f"{user} ({user.username}){department}"


class UserPicker(forms.Select):
    def __init__(self, attrs=None):
        super().__init__(
            {
                "data-searchable": "",
                "data-search-url": reverse_lazy("organisation:user_search"),
                **(attrs or {}),
            }
        )

    def optgroups(self, name, value, attrs=None):
        """Only the empty choice and the chosen user are rendered; the rest come by search."""
        chosen = [v for v in value if v not in ("", None)]
        users = User.objects.filter(pk__in=chosen).select_related("department") if chosen else []
        options = [self.create_option(name, "", "", not chosen, 0)]
        for index, user in enumerate(users, start=1):
            options.append(self.create_option(name, str(user.pk), user_label(user), True, index))
        return [(None, options, 0)]
