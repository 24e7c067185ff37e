"""A consistent backup of the database and the uploaded files, with a manifest to check it by.
The audit chain's head is anchored first (cqms/audit/anchors.py).

SQLite is copied with its online backup API while CQMS keeps running (a plain file copy of a
live database with its WAL can be torn); PostgreSQL is dumped with pg_dump.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Back up the database and uploaded files into a new folder with a SHA-256 manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Folder for backups (default: DATA_DIR/backups).")

    def handle(self, *args, output=None, **options):
        from cqms.audit.anchors import anchor_file, write_anchor

        root = Path(output) if output else settings.DATA_DIR / "backups"
        target = root / f"cqms-{timezone.now():%Y%m%d-%H%M%S}"
        target.mkdir(parents=True, exist_ok=False)
        head = apps.get_model("audit", "ChainHead").objects.filter(pk=1).first()
        # Anchored before the copy, so the copy holds at least the anchored entry.
        anchor, _new = write_anchor("backup")
        manifest = {
            "created_at": timezone.now().isoformat(),
            "database": self.backup_database(target),
            "files": self.backup_files(target / "files"),
            "audit_head": {"last_id": head.last_id, "last_hash": head.last_hash} if head else None,
            "audit_anchor": anchor,
        }
        if anchor_file().exists():
            # For a lost data folder only: a restore keeps the newer anchor file (README).
            shutil.copy2(anchor_file(), target / anchor_file().name)
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        self.stdout.write(
            f"Backup written to {target}: database {manifest['database']['file']}, "
            f"{len(manifest['files'])} files."
        )
        return None

    def backup_database(self, target: Path) -> dict:
        db = settings.DATABASES["default"]
        if connection.vendor == "sqlite":
            copy = target / "cqms.db"
            source = sqlite3.connect(str(db["NAME"]), timeout=30)
            destination = sqlite3.connect(str(copy))
            try:
                with destination:
                    source.backup(destination)
                check = destination.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                destination.close()
                source.close()
            if check != "ok":
                raise CommandError(f"The copy failed its integrity check: {check}")
            return {"engine": "sqlite", "file": copy.name, "sha256": sha256(copy)}
        if connection.vendor == "postgresql":
            dump = target / "cqms.dump"
            if shutil.which("pg_dump") is None:
                raise CommandError("pg_dump is not installed (apt install postgresql-client).")
            environment = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
            command = [
                "pg_dump",
                "-Fc",
                "-f",
                str(dump),
                "-h",
                str(db.get("HOST") or "localhost"),
                "-p",
                str(db.get("PORT") or 5432),
                "-U",
                str(db.get("USER") or "postgres"),
                str(db["NAME"]),
            ]
            # The arguments come from settings, not from users.
            result = subprocess.run(command, env=environment, capture_output=True, text=True)  # noqa: S603
            if result.returncode != 0:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
            return {"engine": "postgresql", "file": dump.name, "sha256": sha256(dump)}
        raise CommandError(f"No backup method for the {connection.vendor} database.")

    def backup_files(self, target: Path) -> dict[str, str]:
        if not isinstance(default_storage, FileSystemStorage):
            self.stdout.write("Files are in object storage: back them up with its versioning.")
            return {}
        source = Path(default_storage.location)
        if not source.exists():
            return {}
        shutil.copytree(source, target)
        return {
            str(path.relative_to(target)): sha256(path)
            for path in sorted(target.rglob("*"))
            if path.is_file()
        }
