"""Copy the front-end files CQMS uses from node_modules/ into cqms/static/vendor/."""

from __future__ import annotations

import json
import shutil

from django.core.management.base import BaseCommand, CommandError

from cqms.core.assets import PACKAGES, VENDOR_FILES, node_modules_dir, vendor_dir


class Command(BaseCommand):
    requires_system_checks = []  # it is the cure for the missing-assets check
    help = "Copy Bootstrap, Bootstrap Icons, htmx, ECharts and Tom Select into static/vendor/."

    def handle(self, *args, **options):
        source_root, target_root = node_modules_dir(), vendor_dir()
        missing = [src for src in VENDOR_FILES.values() if not (source_root / src).is_file()]
        if missing:
            raise CommandError(
                f"{len(missing)} files are missing under {source_root} (first: {missing[0]}). "
                "Run `npm ci --ignore-scripts` first."
            )
        for destination, source in VENDOR_FILES.items():
            target = target_root / destination
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source_root / source, target)
        versions = {
            name: json.loads((source_root / name / "package.json").read_text())["version"]
            for name in PACKAGES
        }
        (target_root / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n")
        summary = ", ".join(f"{name} {version}" for name, version in versions.items())
        self.stdout.write(f"Copied {len(VENDOR_FILES)} files into {target_root}: {summary}")
