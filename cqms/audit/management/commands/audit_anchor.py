"""Anchor the audit chain's head in the anchor file now, or record a restore."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cqms.audit import anchors


class Command(BaseCommand):
    help = (
        "Write the audit chain's head to the anchor file (the job worker does so every "
        f"{anchors.INTERVAL_MINUTES} minutes). After restoring an older backup, --restored "
        "records that the entries after the restored head were lost on purpose."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--restored",
            metavar="NOTE",
            help="Record a restore, e.g. --restored 'backup of 2026-11-24, disk failure'.",
        )

    def handle(self, *args, restored=None, **options):
        if restored is not None:
            anchor = anchors.record_restore(restored)
            self.stdout.write(
                f"Restore recorded as anchor {anchor['seq']} at entry {anchor['entry_id']}."
            )
            return
        anchor, new = anchors.write_anchor("command")
        if anchor is None:
            self.stdout.write("The audit trail is empty: nothing to anchor.")
        else:
            state = "written" if new else "already the newest"
            self.stdout.write(f"Anchor {anchor['seq']} of entry {anchor['entry_id']} {state}.")
