"""Append-only protection of the audit table at the database level.

SQLite triggers call `cqms_audit_writable()`, a function registered on each connection; it
answers 0 unless the test suite has opened the guard (Django's flush between tests deletes
rows). Another program without the function cannot change rows either: the trigger fails.
PostgreSQL triggers read the `cqms.audit_writable` setting instead.
"""

from __future__ import annotations

WRITABLE = False  # only the test suite sets this


def register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "cqms_audit_writable", 0, lambda: int(WRITABLE), deterministic=False
        )


def open_for_current_transaction(connection) -> None:
    """Let this transaction change audit rows (tests that play a tampering DBA)."""
    global WRITABLE
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cqms.audit_writable = 'on'")
    else:
        WRITABLE = True
