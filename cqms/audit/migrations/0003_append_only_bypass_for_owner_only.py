"""PostgreSQL: the `cqms.audit_writable` setting opens the append-only trigger only for the
table's owner (the role that runs migrations, and the test suite's superuser).

Any role may set a custom setting, so before this any role with UPDATE or DELETE rights passed
the trigger with `SET LOCAL cqms.audit_writable = 'on'`. The application's own role gets INSERT
and SELECT only on the table (`manage.py audit_grants`); this closes the door also for a role
given more rights by mistake. The owner can drop the trigger anyway: what it does is found by
`audit_verify` and the anchors outside the database.
"""

from django.db import migrations

OWNER_ONLY = """CREATE OR REPLACE FUNCTION cqms_audit_append_only() RETURNS trigger AS $$
  BEGIN
    IF coalesce(current_setting('cqms.audit_writable', true), '') = 'on'
       AND EXISTS (SELECT 1 FROM pg_class c
                   WHERE c.oid = TG_RELID AND pg_has_role(current_user, c.relowner, 'MEMBER'))
    THEN
      RETURN COALESCE(NEW, OLD);
    END IF;
    RAISE EXCEPTION 'audit entries are append-only';
  END $$ LANGUAGE plpgsql"""

ANY_ROLE = """CREATE OR REPLACE FUNCTION cqms_audit_append_only() RETURNS trigger AS $$
  BEGIN
    IF coalesce(current_setting('cqms.audit_writable', true), '') = 'on' THEN
      RETURN COALESCE(NEW, OLD);
    END IF;
    RAISE EXCEPTION 'audit entries are append-only';
  END $$ LANGUAGE plpgsql"""


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OWNER_ONLY)


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ANY_ROLE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
