"""Model selects read their choices in one plain query (core/forms.ChoicesInOneRead), not
through a server-side cursor, with the choices Django and django-filter would give."""

from __future__ import annotations

import django_filters
import pytest
from django import forms
from django.db import connection

from cqms.organisation.models import Role

pytestmark = pytest.mark.django_db


class RoleFilter(django_filters.FilterSet):
    role = django_filters.ModelChoiceFilter(
        queryset=Role.objects.order_by("code"), null_label="none", method="keep"
    )
    roles = django_filters.ModelMultipleChoiceFilter(
        queryset=Role.objects.order_by("code"), method="keep"
    )

    class Meta:
        model = Role
        fields: list = []

    def keep(self, queryset, name, value):
        return queryset


class RoleForm(forms.Form):
    role = forms.ModelChoiceField(queryset=Role.objects.order_by("code"), empty_label="—")
    roles = forms.ModelMultipleChoiceField(queryset=Role.objects.order_by("code"))


def named_cursors(read) -> list:
    """The names of the server-side cursors `read` used (PostgreSQL names them)."""
    names = []

    def spy(execute, sql, params, many, context):
        names.append(getattr(context["cursor"].cursor, "name", None))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        read()
    return [name for name in names if name]


def test_model_selects_offer_the_choices_django_would():
    roles = [(role.pk, str(role)) for role in Role.objects.order_by("code")]
    assert roles, "the standard roles come with the migrations"
    form = RoleForm()
    assert [(str(v), str(label)) for v, label in form.fields["role"].choices] == [
        ("", "—"),
        *[(str(pk), label) for pk, label in roles],
    ]
    assert [(v.value, label) for v, label in form.fields["roles"].choices] == roles
    fields = RoleFilter().form.fields
    assert [str(v) for v, _label in fields["role"].choices][:2] == ["", "null"]
    assert [v.value for v, _label in fields["roles"].choices] == [pk for pk, _label in roles]


def test_model_selects_read_their_choices_without_a_server_side_cursor():
    form, filters = RoleForm(), RoleFilter().form
    assert named_cursors(lambda: [str(form[name]) for name in form.fields]) == []
    assert named_cursors(lambda: [str(filters[name]) for name in filters.fields]) == []
    if connection.vendor == "postgresql":  # where Django's own way would have opened one
        assert named_cursors(lambda: list(Role.objects.iterator()))
