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

    known: dict[str, User] = {}

    def remember(self, *users: User | None) -> None:
        """Users the form has loaded already: rendering them as chosen needs no query."""
        self.known = {str(user.pk): user for user in users if user is not None}

    def optgroups(self, name, value, attrs=None):
        """Only the empty choice and the chosen user are rendered; the rest come by search."""
        chosen = [str(v) for v in value if v not in ("", None)]
        if all(pk in self.known for pk in chosen):
            users = [self.known[pk] for pk in chosen]
        else:
            users = User.objects.filter(pk__in=chosen).select_related("department")
        options = [self.create_option(name, "", "", not chosen, 0)]
        for index, user in enumerate(users, start=1):
            options.append(self.create_option(name, str(user.pk), user_label(user), True, index))
        return [(None, options, 0)]
