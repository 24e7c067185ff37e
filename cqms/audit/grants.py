"""PostgreSQL rights of the application's database role: everything it needs, except changing
or removing audit entries.

Two roles: the owner runs `migrate` and owns the tables; the application (web server, job
worker, commands) connects as a role that is neither owner nor superuser and gets these grants.
A role cannot be stopped from changing tables it owns, so the owner's password stays with the
people who run migrations.
"""

from __future__ import annotations

from django.db import connection

AUDIT_TABLE = "audit_auditentry"


def statements(role: str, schema: str) -> list[str]:
    q = connection.ops.quote_name
    role, schema = q(role), q(schema)
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        # Tables created by later migrations (run by the owner) get the same rights.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {q(AUDIT_TABLE)} FROM {role}",
        f"GRANT SELECT, INSERT ON {q(AUDIT_TABLE)} TO {role}",
    ]


def role_problem(role: str) -> str:
    """Why `role` could rewrite the trail whatever it is granted, or ""."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolsuper, pg_has_role(r.oid, c.relowner, 'MEMBER') "
            "FROM pg_roles r, pg_class c "
            "WHERE r.rolname = %s AND c.oid = %s::regclass",
            [role, AUDIT_TABLE],
        )
        row = cursor.fetchone()
    if row is None:
        return f"There is no database role {role!r}: create it first (CREATE ROLE ... LOGIN)."
    superuser, owner = row
    if superuser:
        return f"{role!r} is a superuser: it can change the audit table whatever it is granted."
    if owner:
        return f"{role!r} owns the audit table (or is a member of its owner): use another role."
    return ""


def can_rewrite_trail() -> bool:
    """Whether this connection's role may update or delete audit entries."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, 'UPDATE') OR has_table_privilege(%s, 'DELETE') "
            "OR has_table_privilege(%s, 'TRUNCATE')",
            [AUDIT_TABLE] * 3,
        )
        return bool(cursor.fetchone()[0])
