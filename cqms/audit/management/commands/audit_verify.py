"""Verify the audit trail's hash chain and its anchors, and on request every stored file and
electronic signature; exit status 1 names every altered or removed entry, file or signed record."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cqms.audit.verify import further_check, verify_chain

FURTHER = ("files", "signatures")


class Command(BaseCommand):
    help = "Check that no audit entry was altered or removed since it was written."

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors",
            help="Compare with this anchor file (e.g. a copy kept elsewhere) instead of "
            "CQMS_AUDIT_ANCHOR_FILE.",
        )
        parser.add_argument(
            "--files",
            action="store_true",
            help="Also read every stored file and compare it with the digest taken at upload.",
        )
        parser.add_argument(
            "--signatures",
            action="store_true",
            help="Also check every electronic signature against its record and evidence files.",
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
        failed = [] if report.ok else [f"{summary}: {len(report.problems)} problem(s) found."]
        if report.ok:
            self.stdout.write(f"{summary}: the chain is intact.")
        for name in FURTHER:
            if options[name]:
                failed += self._further(name)
        if failed:
            raise CommandError(" ".join(failed))

    def _further(self, name: str) -> list[str]:
        found = further_check(name)
        if found is None:
            return [f"--{name}: no check is installed."]
        counted, check = found
        started = time.perf_counter()
        report = check()
        summary = f"{report.checked} {counted} checked in {time.perf_counter() - started:.2f} s"
        for problem in report.problems:
            self.stderr.write(f"{name}: {problem}")
        for note in report.notes:
            self.stdout.write(f"{name}: {note}")
        if report.ok:
            self.stdout.write(f"{summary}: all match.")
            return []
        return [f"{summary}: {len(report.problems)} problem(s) found."]
