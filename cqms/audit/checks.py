"""Start-up checks of the audit trail. The key check runs without the `database` tag on purpose,
so that runserver, qcluster and migrate refuse too (see keys.py)."""

from __future__ import annotations

from django.core.checks import Error, Warning, register
from django.db import DatabaseError, connection

from .grants import can_rewrite_trail
from .keys import start_problem


@register()
def audit_key_matches_trail(app_configs, **kwargs):
    problem = start_problem()
    return [Error(problem, id="audit.E001")] if problem else []


@register(deploy=True)
def app_role_cannot_rewrite_trail(app_configs, **kwargs):
    if connection.vendor != "postgresql":
        return []
    try:
        rewrite = can_rewrite_trail()
    except DatabaseError:  # no table yet, or no database to ask
        return []
    if not rewrite:
        return []
    return [
        Warning(
            "CQMS connects to PostgreSQL as a role that may update, delete or truncate audit "
            "entries (the tables' owner or a superuser).",
            hint="Run CQMS as a role prepared with `manage.py audit_grants ROLE --apply` and "
            "keep the owner for migrate (README, production deployment).",
            id="audit.W001",
        )
    ]
