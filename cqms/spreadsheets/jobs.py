"""Imports and exports as background jobs (cqms.jobs), so big files never block a page.

Import: register once in `AppConfig.ready()`, then start the check from the upload view and
the commit from the button the check's job page shows:

    register_import("customers.import", spec, check_label=_("Customer import check"),
                    commit_label=_("Customer import"),
                    commit_url=lambda job: reverse("customers:import_commit", args=[job.pk]))
    job = start_job("customers.import.check", actor=user, input_file=upload)   # upload view
    job = start_import_commit(check_job, actor=user)                            # commit view

Export: `register_export(kind, build, label=...)`; `build(job)` returns an `Export` (columns,
rows, file name) from `job.params` (e.g. the list's filters, applied again for `job.created_by`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.core.database import refresh_statistics
from cqms.core.errors import BusinessRuleError
from cqms.jobs import registry, services
from cqms.jobs.models import Job

from . import exporter, importer

CHECK, COMMIT = "check", "commit"
# An import job's result from the moment its rows are committed: a worker that dies before
# reporting still leaves proof that the file was imported.
SAVED = {"saved": True}


def _spec(spec) -> importer.ImportSpec:
    return spec() if callable(spec) and not isinstance(spec, importer.ImportSpec) else spec


def _error_report(job: Job, report: importer.ImportReport, name: str) -> None:
    """The problems as a workbook too: long lists are easier to work through in Excel."""
    columns = [_("Row"), _("Column"), _("Problem")]
    rows = ((e.row, e.column, e.message) for e in report.errors)
    with services.result_path(job, f"{name}-{_('problems')}.xlsx") as path:
        exporter.write_xlsx(columns, rows, path, _("Problems"))


def register_import(
    kind: str,
    spec: importer.ImportSpec | Callable[[], importer.ImportSpec],
    *,
    check_label,
    commit_label,
    commit_url: Callable[[Job], str] | None = None,
) -> None:
    """Register the job kinds `<kind>.check` (dry run) and `<kind>.commit` (all or nothing).

    `commit_url(check_job)` is the URL of the register's commit view; the check's job page
    shows an "Import" button posting to it when the file has no problem.
    """

    def check(job: Job, progress) -> registry.JobResult:
        current = _spec(spec)
        with job.input_file.open("rb") as handle:
            report = importer.dry_run(
                current,
                handle,
                filename=job.input_filename,
                progress=progress,
                actor=job.created_by,
            )
        data = report.as_dict()
        if report.errors:
            _error_report(job, report, current.name)
            message = _(
                "The file has %(count)s problems. Correct them and upload the file again; "
                "nothing has been imported."
            ) % {"count": len(report.errors)}
        elif not report.rows:
            message = _("The file contains no rows to import.")
        else:
            message = _(
                "The file is correct: %(new)s new, %(updated)s changed and %(unchanged)s "
                "unchanged records. Nothing has been imported yet."
            ) % {"new": report.new, "updated": report.updated, "unchanged": report.unchanged}
            if commit_url is not None:
                data["actions"] = [{"label": _("Import now"), "url": commit_url(job)}]
        return registry.JobResult(data, message=message)

    def commit(job: Job, progress) -> registry.JobResult:
        current = _spec(spec)
        with job.input_file.open("rb") as handle:
            report = importer.commit(
                current,
                handle,
                actor=job.created_by,
                filename=job.input_filename,
                progress=progress,
                on_saved=lambda: Job.objects.filter(pk=job.pk).update(result=SAVED),
            )
        if not report.committed:
            _error_report(job, report, current.name)
            raise registry.JobFailed(
                _(
                    "Nothing was imported because of the problems listed below. Correct them "
                    "and upload the file again."
                ),
                result=report.as_dict(),
            )
        refresh_statistics()  # a large import changes what the query planner should assume
        return registry.JobResult(
            report.as_dict(),
            message=_(
                "Imported: %(new)s new, %(updated)s changed and %(unchanged)s unchanged records."
            )
            % {"new": report.new, "updated": report.updated, "unchanged": report.unchanged},
        )

    registry.register(f"{kind}.{CHECK}", check, check_label, source="import")
    registry.register(f"{kind}.{COMMIT}", commit, commit_label, source="import")


def start_import_commit(check_job: Job, *, actor) -> Job:
    """Start the import of a file whose check succeeded without problems; the commit checks it
    again, so a file that became wrong meanwhile still imports nothing."""
    if not check_job.kind.endswith(f".{CHECK}") or check_job.created_by_id != getattr(
        actor, "pk", None
    ):
        raise BusinessRuleError(_("Only the person who checked the file can import it."))
    result = check_job.result if isinstance(check_job.result, dict) else {}
    if check_job.status != Job.Status.SUCCEEDED or result.get("errors") or not result.get("rows"):
        raise BusinessRuleError(
            _("This file cannot be imported: its check did not finish, or it found problems."),
            code="import_not_checked",
        )
    commit_kind = check_job.kind[: -len(CHECK)] + COMMIT
    imports = Job.objects.filter(kind=commit_kind, params__check_job=check_job.pk)
    # An import whose worker died no longer counts. Swept before the transaction below, so the
    # failure stays recorded when the import is refused.
    services.fail_stale_jobs(imports)
    with transaction.atomic():
        # Two clicks on "Import now" queue one import: the check's row is the lock.
        Job.objects.select_for_update().filter(pk=check_job.pk).exists()
        if imports.filter(~Q(status=Job.Status.FAILED) | Q(result__saved=True)).exists():
            raise BusinessRuleError(
                _("This file has already been imported."), code="import_already_started"
            )
        return services.start_job(
            commit_kind,
            actor=actor,
            params={"check_job": check_job.pk},
            input_file=check_job.input_file,
        )


@dataclass
class Export:
    columns: Sequence[exporter.ExportColumn | str]
    rows: Iterable[Any]
    filename: str  # without extension, e.g. "customers"
    sheet_name: str = ""
    total: int | None = None


def register_export(kind: str, build: Callable[[Job], Export], *, label) -> None:
    """Register an export job; `job.params["format"]` is "xlsx" (default) or "csv"."""

    def run(job: Job, progress) -> registry.JobResult:
        export = build(job)
        fmt = "csv" if job.params.get("format") == "csv" else "xlsx"
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        filename = f"{PurePath(export.filename).name}-{stamp}.{fmt}"
        progress(0, export.total, _("Writing the file."))
        with services.result_path(job, filename) as path:
            if fmt == "csv":
                count = exporter.write_csv(
                    export.columns, export.rows, path, progress=progress, total=export.total
                )
            else:
                count = exporter.write_xlsx(
                    export.columns,
                    export.rows,
                    path,
                    export.sheet_name or export.filename,
                    progress=progress,
                    total=export.total,
                )
        return registry.JobResult(
            {"summary": [{"label": _("Rows exported"), "value": count}], "rows": count},
            message=_("The file is ready: %(count)s rows.") % {"count": count},
        )

    registry.register(kind, run, label)
