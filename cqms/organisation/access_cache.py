"""What a user may do, kept between requests while nobody changes access.

Every page asks for the user's permissions, roles and delegators: three statements, about 3 ms
of a PostgreSQL page (most of it Django compiling them). Where the cache is shared by every
process (Redis, `settings.ACCESS_CACHE`), the answers are kept under a stamp that any change to
roles, permissions, people or delegations replaces once it is committed; the next request then
reads the database again. A per-process cache could not see another process's change, so
without Redis the answers are kept for one request only, as before.

Changes are seen through save(), delete(), the many-to-many managers and audit.save_changes;
a queryset's update() of these models is not, and must be followed by `forget_everyone()`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

STAMP = "cqms:access:stamp"
TIMEOUT = 3600  # seconds; only to let unused entries go, correctness comes from the stamp


def remembered(user, name: str, compute: Callable):
    """`compute()` for `user`, once per request (on the user object) and, with a shared cache,
    until access changes."""
    entry = getattr(user, "_cqms_access", None)  # not __dict__: request.user is a lazy proxy
    if entry is None:
        key = _key(user) if settings.ACCESS_CACHE else None
        entry = user._cqms_access = {"key": key, "facts": cache.get(key, {}) if key else {}}
    facts = entry["facts"]
    if name not in facts:
        facts[name] = compute()
        if entry["key"]:
            cache.set(entry["key"], facts, TIMEOUT)
    return facts[name]


def _key(user) -> str:
    stamp = cache.get(STAMP)
    if stamp is None:
        cache.add(STAMP, uuid.uuid4().hex, None)
        stamp = cache.get(STAMP)
    # Delegations start and end with the day.
    return f"cqms:access:{stamp}:{user.pk}:{timezone.localdate().isoformat()}"


def forget_everyone() -> None:
    """Called for any change to access: at once, for what runs in the same transaction, and
    again after the commit, so that a request that read the old rows meanwhile cannot keep
    them under the new stamp."""
    if settings.ACCESS_CACHE:
        _new_stamp()
        transaction.on_commit(_new_stamp)


def _new_stamp() -> None:
    cache.set(STAMP, uuid.uuid4().hex, None)


# A person's fields that the kept answers depend on: a superuser holds every permission, and
# only active people delegate (a login writes last_login, a profile its name and phone).
USER_FIELDS = {"is_active", "is_superuser"}


def user_changed(sender, *, update_fields=None, fields=None, **kwargs):
    names = fields if fields is not None else update_fields  # audit's `changed`, or post_save
    if names is None or USER_FIELDS & set(names):
        forget_everyone()


def changed(sender, **kwargs):
    forget_everyone()


def connect() -> None:
    from django.contrib.auth.models import Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from cqms.audit.signals import changed as audited

    from .models import Delegation, Role, User

    # audit.save_changes writes with an UPDATE, which post_save does not see.
    for signal in (post_save, audited):
        signal.connect(user_changed, sender=User, dispatch_uid="access-user")
        for model in (Role, Delegation, Permission):
            signal.connect(changed, sender=model, dispatch_uid=f"access-{model.__name__}")
    for model in (User, Role, Delegation, Permission):
        post_delete.connect(changed, sender=model, dispatch_uid=f"access-{model.__name__}")
    for through in (User.roles.through, User.user_permissions.through, Role.permissions.through):
        m2m_changed.connect(changed, sender=through, dispatch_uid=f"access-{through.__name__}")
