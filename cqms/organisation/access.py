"""Who may see which records: the one place where data scope is decided.

Every list, search, export, API endpoint and detail page filters through `scope()`; object
pages use `get_visible_or_404()`, so a record outside the user's scope answers 404 (not 403,
which would confirm that it exists).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404

from .access_cache import remembered
from .models import Delegation, Department, Role

SCOPE_WIDTH = {
    Role.DataScope.OWN: 0,
    Role.DataScope.DEPARTMENT: 1,
    Role.DataScope.SUBTREE: 2,
    Role.DataScope.ALL: 3,
}


def data_scope(user) -> str:
    """The widest data scope among the user's active roles (superusers see everything)."""
    if not user.is_active:
        return Role.DataScope.OWN
    if user.is_superuser:
        return Role.DataScope.ALL
    scopes = active_roles(user).values()
    return max(scopes, key=SCOPE_WIDTH.__getitem__, default=Role.DataScope.OWN)


def active_roles(user) -> dict[str, str]:
    """The codes of the user's active roles with their data scopes: read once per request or,
    with a shared cache, while access does not change (access_cache)."""
    return remembered(
        user,
        "roles",
        lambda: dict(user.roles.filter(is_active=True).values_list("code", "data_scope")),
    )


def acting_for(user) -> list:
    """The user and everyone who delegated their work to the user today."""
    cached = getattr(user, "_cqms_acting_for", None)
    if cached is None:
        # Kept between requests as ids: the people themselves are read again only for the few
        # who act for someone.
        ids = remembered(user, "delegators", lambda: _delegator_ids(user))
        people = type(user)._default_manager.in_bulk(ids) if ids else {}
        delegators = [people[pk] for pk in ids if pk in people]
        cached = user._cqms_acting_for = [user, *delegators]
    return cached


def _delegator_ids(user) -> list[int]:
    return list(
        Delegation.objects.active()
        .filter(delegate=user, delegator__is_active=True)
        .values_list("delegator_id", flat=True)
    )


def department_ids(department_id: int | None, *, with_descendants: bool) -> list[int]:
    if department_id is None:
        return []
    if not with_descendants:
        return [department_id]
    root = Department.objects.get(pk=department_id)
    return list(
        Department.objects.descendants(root, include_self=True).values_list("pk", flat=True)
    )


def _scope_departments(person, width: str) -> list[int]:
    """The departments a person's scope covers, kept on the user object for the request."""
    cache = person.__dict__.setdefault("_cqms_scope_departments", {})
    if width not in cache:
        cache[width] = department_ids(
            person.department_id, with_descendants=width == Role.DataScope.SUBTREE
        )
    return cache[width]


def scope_q(
    user,
    *,
    owner_fields: Iterable[str] = ("owner",),
    department_field: str | None = "department",
    department_fields: Iterable[str] = (),
) -> Q | None:
    """A filter for the records `user` may see, or None when the user may see all of them.
    A record may belong to several departments (a complaint: the responsible department and
    the customer's): `department_fields` names them all."""
    departments = tuple(department_fields) or ((department_field,) if department_field else ())
    condition = Q(pk__in=[])
    for person in acting_for(user):
        width = data_scope(person)
        if width == Role.DataScope.ALL:
            return None
        for field in owner_fields:
            condition |= Q(**{field: person})
        if departments and width != Role.DataScope.OWN:
            ids = _scope_departments(person, width)
            for field in departments if ids else ():
                condition |= Q(**{f"{field}__in": ids})
    return condition


def scope(user, queryset: QuerySet, **fields) -> QuerySet:
    """`queryset` narrowed to what `user` may see. Keyword arguments name the model's owner
    and department fields when they differ from `owner` and `department`."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    condition = scope_q(user, **fields)
    return queryset if condition is None else queryset.filter(condition)


def get_visible_or_404(user, queryset: QuerySet, **lookup):
    try:
        return scope(user, queryset, **getattr(queryset.model, "SCOPE_FIELDS", {})).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def visible(user, queryset: QuerySet) -> QuerySet:
    """`scope()` with the field names the model declares in `SCOPE_FIELDS`."""
    return scope(user, queryset, **getattr(queryset.model, "SCOPE_FIELDS", {}))


def can(user, action: str, obj) -> bool:
    """May `user` do `action` ("view", "change", "void" ...) to this record: the model
    permission from a role, and the record inside the user's data scope."""
    permission = f"{obj._meta.app_label}.{action}_{obj._meta.model_name}"
    if not user.has_perm(permission):
        return False
    return visible(user, type(obj)._base_manager.filter(pk=obj.pk)).exists()
