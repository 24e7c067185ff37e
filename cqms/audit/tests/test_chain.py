"""The audit trail is append-only and tampering is detected (acceptance of the foundation)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from cqms.audit import guard
from cqms.audit.models import AuditEntry
from cqms.audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def tamper(sql: str, params: list) -> None:
    """Play a DBA who bypasses the append-only trigger."""
    guard.open_for_current_transaction(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_intact_chain_verifies(trail, capsys):
    call_command("audit_verify")
    assert f"{len(trail)} audit entries checked" in capsys.readouterr().out


def test_changing_an_entry_in_the_database_names_it(trail):
    victim = trail[1]
    changes = '[{"field": "name", "old": "x", "new": "forged"}]'
    tamper("UPDATE audit_auditentry SET changes = %s WHERE id = %s", [changes, victim.pk])
    with pytest.raises(CommandError) as error:
        call_command("audit_verify")
    report = verify_chain()
    assert [(p.entry_id, p.kind) for p in report.problems] == [(victim.pk, "altered")]
    assert "1 problem" in str(error.value)


def test_removing_an_entry_is_reported_at_its_successor(trail):
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [trail[2].pk])
    report = verify_chain()
    assert (trail[3].pk, "broken_link") in [(p.entry_id, p.kind) for p in report.problems]


def test_removing_the_last_entries_is_reported_by_the_head(trail):
    tamper("DELETE FROM audit_auditentry WHERE id >= %s", [trail[-2].pk])
    report = verify_chain()
    assert [p.kind for p in report.problems] == ["head_mismatch"]


def test_the_database_refuses_updates_and_deletes_of_entries(trail):
    guard.WRITABLE = False
    try:
        for sql in ("UPDATE audit_auditentry SET reason = 'x'", "DELETE FROM audit_auditentry"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    finally:
        guard.WRITABLE = True
    assert AuditEntry.objects.count() == len(trail)


@pytest.mark.django_db(transaction=True)
def test_an_entry_outside_the_changes_transaction_is_refused(make_user):
    from cqms.audit import services as audit

    user = make_user("x")
    with pytest.raises(RuntimeError):
        audit.record(user, "update", actor=user)
