"""System checks that fail early with a clear message instead of a broken page later."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from .assets import missing_files


@register(Tags.staticfiles)
def vendor_assets_present(app_configs, **kwargs):
    missing = missing_files()
    if not missing:
        return []
    return [
        Error(
            f"Front-end files are missing from cqms/static/vendor/ ({', '.join(missing[:3])}"
            f"{' …' if len(missing) > 3 else ''}). / 缺少前端文件。",
            hint="Run `npm ci --ignore-scripts` and `python manage.py vendor_assets` "
            "(or simply `make assets`). / 请运行 npm ci 与 manage.py vendor_assets。",
            id="cqms.E001",
        )
    ]


@register()
def excel_parser_is_defused(app_configs, **kwargs):
    import openpyxl

    if openpyxl.DEFUSEDXML:
        return []
    return [
        Error(
            "openpyxl does not use defusedxml, so hostile Excel files could exhaust memory.",
            hint="Install defusedxml (it is in the locked requirements).",
            id="cqms.E002",
        )
    ]


@register()
def job_retry_exceeds_timeout(app_configs, **kwargs):
    cluster = settings.Q_CLUSTER
    if cluster.get("retry", 0) > cluster.get("timeout", 0):
        return []
    return [
        Error(
            "Q_CLUSTER retry must be larger than timeout, or running jobs are started twice.",
            id="cqms.E003",
        )
    ]
