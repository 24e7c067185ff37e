"""Widgets the parts share."""

from __future__ import annotations

from django import forms


class SearchPicker(forms.Select):
    """A select that renders only the chosen record; the others are found by typing (the
    front end asks `search_url`), so no page lists thousands of customers or people."""

    search_url: str = ""
    empty_label = ""
    known: dict[str, object] = {}

    def __init__(self, attrs=None):
        super().__init__(
            {"data-searchable": "", "data-search-url": self.search_url, **(attrs or {})}
        )

    def remember(self, *records) -> None:
        """Records the form has loaded already: drawing them as chosen needs no query."""
        self.known = {str(record.pk): record for record in records if record is not None}

    def label(self, record) -> str:
        return str(record)

    def lookup(self, pks: list[str]):
        return self.choices.queryset.filter(pk__in=pks)

    def optgroups(self, name, value, attrs=None):
        chosen = [str(v) for v in value if v not in ("", None)]
        if all(pk in self.known for pk in chosen):
            records = [self.known[pk] for pk in chosen]
        else:
            records = self.lookup(chosen)
        options = [self.create_option(name, "", str(self.empty_label), not chosen, 0)]
        for index, record in enumerate(records, start=1):
            options.append(
                self.create_option(name, str(record.pk), self.label(record), True, index)
            )
        return [(None, options, 0)]
