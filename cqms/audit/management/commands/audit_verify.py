"""Verify the audit trail's hash chain; exit status 1 names every altered or removed entry."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from cqms.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Check that no audit entry was altered or removed since it was written."

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = verify_chain()
        seconds = time.perf_counter() - started
        for problem in report.problems:
            where = f"entry {problem.entry_id}" if problem.entry_id else "chain head"
            self.stderr.write(f"{where}: {problem.kind}: {problem.detail}")
        summary = f"{report.checked} audit entries checked in {seconds:.2f} s"
        if not report.ok:
            raise CommandError(f"{summary}: {len(report.problems)} problem(s) found.")
        self.stdout.write(f"{summary}: the chain is intact.")
