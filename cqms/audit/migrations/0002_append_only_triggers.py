"""Audit entries can be inserted but never updated or deleted through the database.

SQLite triggers call `cqms_audit_writable()`, registered on every connection by the audit app
(cqms/audit/guard.py); PostgreSQL triggers read the `cqms.audit_writable` setting.
"""

from django.db import migrations

SQLITE_INSTALL = [
    """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
       WHEN cqms_audit_writable() = 0
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry
       WHEN cqms_audit_writable() = 0
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
]
POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION cqms_audit_append_only() RETURNS trigger AS $$
       BEGIN
         IF coalesce(current_setting('cqms.audit_writable', true), '') = 'on' THEN
           RETURN COALESCE(NEW, OLD);
         END IF;
         RAISE EXCEPTION 'audit entries are append-only';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION cqms_audit_append_only()""",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS cqms_audit_append_only()",
]


def install(apps, schema_editor) -> None:
    _run(schema_editor, SQLITE_INSTALL, POSTGRES_INSTALL)


def remove(apps, schema_editor) -> None:
    _run(schema_editor, SQLITE_REMOVE, POSTGRES_REMOVE)


def _run(schema_editor, sqlite: list[str], postgres: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": sqlite, "postgresql": postgres}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
