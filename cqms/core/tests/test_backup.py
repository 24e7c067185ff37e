import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from cqms.customers import services
from cqms.customers.tests.factories import make_customer


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backup_is_consistent_and_restores_with_a_verified_audit_trail(make_user, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL path uses pg_dump; this checks the embedded database")
    manager = make_user("sun.li", roles=["sales_manager"])
    customer = make_customer(manager, "BK1", name="备份测试客户")
    services.add_document(
        customer,
        {"doc_type": "drawing", "title": "Drawing"},
        SimpleUploadedFile("d.pdf", b"%PDF-1.4\nbackup\n"),
        actor=manager,
    )
    call_command("backup", output=str(tmp_path / "backups"))

    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    copy = sqlite3.connect(folder / "cqms.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT name FROM customers_customer").fetchall() == [("备份测试客户",)]
    head = copy.execute("SELECT last_id, last_hash FROM audit_chainhead").fetchone()
    assert list(head) == [manifest["audit_head"]["last_id"], manifest["audit_head"]["last_hash"]]
    assert len(manifest["files"]) == 1
    assert manifest["audit_anchor"]["entry_id"] == head[0]
    copy.close()

    # The restored database verifies with the same audit key.
    verify = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / 'cqms.db'}",
            # The backup's copy of the anchors, written right before the database was copied.
            "CQMS_AUDIT_ANCHOR_FILE": str(folder / "audit-anchors.jsonl"),
        },
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert verify.returncode == 0, verify.stderr
    assert "the chain is intact" in verify.stdout


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_is_a_restorable_dump(make_user, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the embedded database is checked by the test above")
    manager = make_user("sun.li", roles=["sales_manager"])
    make_customer(manager, "BK2", name="备份测试客户二")
    call_command("backup", output=str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["engine"] == "postgresql"
    listing = subprocess.run(
        ["pg_restore", "--list", str(folder / "cqms.dump")], capture_output=True, text=True
    )
    assert listing.returncode == 0, listing.stderr
    assert "TABLE DATA public customers_customer" in listing.stdout
    assert "TABLE DATA public audit_auditentry" in listing.stdout
