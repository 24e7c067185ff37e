"""Verify the audit trail's hash chain and its anchors; exit status 1 names every altered or
removed entry."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cqms.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Check that no audit entry was altered or removed since it was written."

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors",
            help="Compare with this anchor file (e.g. a copy kept elsewhere) instead of "
            "CQMS_AUDIT_ANCHOR_FILE.",
        )

    def handle(self, *args, anchors=None, **options):
        started = time.perf_counter()
        report = verify_chain(anchor_path=Path(anchors) if anchors else None)
        seconds = time.perf_counter() - started
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        for problem in report.problems:
            if problem.entry_id:
                where = f"entry {problem.entry_id}"
            else:
                where = "anchors" if problem.kind in ("truncated", "anchor_file") else "chain head"
            self.stderr.write(f"{where}: {problem.kind}: {problem.detail}")
        summary = (
            f"{report.checked} audit entries checked against {report.anchors} anchors "
            f"in {seconds:.2f} s"
        )
        if not report.ok:
            raise CommandError(f"{summary}: {len(report.problems)} problem(s) found.")
        self.stdout.write(f"{summary}: the chain is intact.")
