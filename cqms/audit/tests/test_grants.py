"""PostgreSQL: the application's role can write the trail but not rewrite it (real roles, real
connections). The test suite itself runs as the tables' owner."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from cqms.audit.models import AuditEntry, ChainHead

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="PostgreSQL only"
    ),
    pytest.mark.django_db(transaction=True),
]

CREATE_ENTRY = """
from cqms.audit import services as audit
from cqms.organisation.models import User
with audit.change_transaction():
    user = User.objects.create(username="app.role")
    audit.record(user, "update", actor=user, reason="written by the application's role")
"""
TAMPERING = [
    "UPDATE audit_auditentry SET reason = 'forged'",
    "DELETE FROM audit_auditentry",
    "TRUNCATE audit_auditentry",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_entry_append_only ON audit_auditentry",
    "SET LOCAL cqms.audit_writable = 'on'; UPDATE audit_auditentry SET reason = 'forged'",
    "SET LOCAL cqms.audit_writable = 'on'; DELETE FROM audit_auditentry",
]


@pytest.fixture
def app_role():
    role = f"cqms_app_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'app-role-test'")
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def connect(role: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "localhost",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=role,
        password="app-role-test",
    )


def run_as(role: str, *args: str, anchors: Path) -> subprocess.CompletedProcess:
    db = connection.settings_dict
    url = (
        f"postgres://{role}:app-role-test@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/"
        f"{db['NAME']}"
    )
    environment = {**os.environ, "DATABASE_URL": url, "CQMS_AUDIT_ANCHOR_FILE": str(anchors)}
    environment.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refused(role: str, sql: str) -> bool:
    with connect(role) as conn:
        try:
            conn.execute(sql)
        except psycopg.Error:
            return True
        finally:
            conn.rollback()
    return False


@pytest.mark.slow
def test_the_application_role_writes_the_trail_but_cannot_rewrite_it(app_role, tmp_path):
    call_command("audit_grants", app_role, "--apply")

    written = run_as(app_role, "shell", "-c", CREATE_ENTRY, anchors=tmp_path / "a.jsonl")
    assert written.returncode == 0, written.stderr
    entry = AuditEntry.objects.order_by("id").last()
    assert entry.reason == "written by the application's role"
    assert ChainHead.objects.get().last_id == entry.pk
    verified = run_as(app_role, "audit_verify", anchors=tmp_path / "a.jsonl")
    assert verified.returncode == 0, verified.stderr

    before = list(AuditEntry.objects.values_list("id", "hash", "reason"))
    assert [sql for sql in TAMPERING if not refused(app_role, sql)] == []
    assert list(AuditEntry.objects.values_list("id", "hash", "reason")) == before


def test_the_trigger_setting_opens_the_table_for_its_owner_only(app_role):
    """A role given UPDATE and DELETE by mistake still cannot pass the trigger."""
    call_command("audit_grants", app_role, "--apply")
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT UPDATE, DELETE ON audit_auditentry TO {app_role}")
    with connect(app_role) as conn:
        conn.execute(
            "INSERT INTO audit_auditentry (at, actor_name, on_behalf_of_name, source, "
            "request_id, ip, record_type, record_id, record_label, root_type, root_id, action, "
            "changes, reason, key_id, prev_hash, hash) VALUES (now(), '', '', 'system', '', '', "
            "'x', '1', '', 'x', '1', 'update', '[]', 'original', 'k1', '', '')"
        )
    for sql in TAMPERING[-2:]:
        with connect(app_role) as conn, pytest.raises(psycopg.Error, match="append-only"):
            conn.execute(sql)
    assert AuditEntry.objects.filter(reason="original").count() == 1
    assert not AuditEntry.objects.filter(reason="forged").exists()


def test_grants_are_refused_for_a_role_that_owns_the_trail():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"superuser|owns"):
        call_command("audit_grants", connection.settings_dict["USER"], "--apply")


def test_the_deployment_check_warns_when_cqms_runs_as_the_owner():
    from cqms.audit.checks import app_role_cannot_rewrite_trail

    assert [warning.id for warning in app_role_cannot_rewrite_trail(None)] == ["audit.W001"]
