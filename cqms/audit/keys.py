"""The audit key, and CQMS's refusal to start without the key its audit trail was written with.

A restore that brings back the database but not the key must not end with a new key: every
entry would then look altered. The embedded run creates its key file on first use, and only
while the trail is empty; with entries present and no key, or with a key that verifies neither
the first nor the last entry, the system check (runserver, qcluster, migrate and other commands)
and the WSGI/ASGI start-up refuse with what to restore.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

from cqms.core.keyfiles import local_secret


class AuditKeyProblem(ImproperlyConfigured):
    pass


def audit_key() -> str:
    """The HMAC key of the audit chain (and of the seals that reuse it)."""
    if not settings.AUDIT_KEY:
        problem = missing_key_problem()
        if problem:
            raise AuditKeyProblem(problem)
        settings.AUDIT_KEY = local_secret(settings.AUDIT_KEY_FILE)
    return settings.AUDIT_KEY


def _edges():
    """The first and last entries of the trail, or None when it is empty or has no table yet."""
    from .models import AuditEntry

    if "audit_auditentry" not in connection.introspection.table_names():
        return None
    entries = AuditEntry.objects.order_by("id")
    first, last = entries.first(), entries.last()
    return None if first is None else (first, last)


def missing_key_problem() -> str:
    if settings.AUDIT_KEY:
        return ""
    edges = _edges()
    if edges is None:
        return ""
    last = edges[1]
    return (
        f"CQMS refuses to start: the audit trail holds entries (the last is #{last.pk} of "
        f"{last.at:%Y-%m-%d}) but the audit key they were written with is missing: "
        f"CQMS_AUDIT_KEY and CQMS_AUDIT_KEY_FILE are not set and {settings.AUDIT_KEY_FILE} "
        "does not exist. A new key would make every entry look altered, so none is created. "
        f"Restore the file audit_key from the backup of the data folder to "
        f"{settings.AUDIT_KEY_FILE} (or set CQMS_AUDIT_KEY_FILE to the restored key), then "
        "start again. / 审计追踪已有条目，但缺少写入这些条目时使用的审计密钥，CQMS 拒绝启动。"
        f"请从数据目录的备份中把 audit_key 文件恢复到 {settings.AUDIT_KEY_FILE}"
        "（或用 CQMS_AUDIT_KEY_FILE 指向恢复的密钥），然后重新启动。"
    )


def wrong_key_problem() -> str:
    """Every entry fails with a wrong key; one failing entry is tampering, for audit_verify."""
    from .chain import compute_hash

    edges = None if not settings.AUDIT_KEY else _edges()
    if edges is None:
        return ""
    if any(compute_hash(entry, entry.prev_hash) == entry.hash for entry in edges):
        return ""
    return (
        "CQMS refuses to start: the audit key does not verify the audit trail (neither its "
        f"first entry #{edges[0].pk} nor its last #{edges[1].pk}), so it is not the key the "
        "trail was written with. Restore the key that was in use (CQMS_AUDIT_KEY, "
        f"CQMS_AUDIT_KEY_FILE or {settings.AUDIT_KEY_FILE} from the backup), then start "
        "again; `manage.py audit_verify` names the entries. / 审计密钥与审计追踪不符，CQMS "
        "拒绝启动。请恢复写入条目时使用的审计密钥，然后重新启动。"
    )


def start_problem() -> str:
    """What stops CQMS from starting, or "" (also when the database cannot be asked now)."""
    try:
        return missing_key_problem() or wrong_key_problem()
    except DatabaseError:
        return ""


def refuse_to_start_without_key() -> None:
    """Called by cqms/wsgi.py and cqms/asgi.py, which run no system checks."""
    problem = start_problem()
    if problem:
        raise AuditKeyProblem(problem)
