"""The audit trail review page: every entry, filterable, newest first, exportable."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from cqms.jobs.services import start_job

from .filters import AuditFilter
from .selectors import can_review, describe_trail

PAGE_SIZE = 50


def _require_reviewer(user) -> None:
    if not can_review(user):
        raise PermissionDenied


def trail(request):
    _require_reviewer(request.user)
    filterset = AuditFilter(request.GET)
    entries = filterset.qs.order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(id__lt=int(before))
    page = list(entries[: PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "audit/trail.html",
        {
            "filter": filterset,
            "entries": describe_trail(page[:PAGE_SIZE]),
            "next_before": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
            "query": query.urlencode(),
        },
    )


def export(request):
    _require_reviewer(request.user)
    if request.method != "POST":
        return redirect("audit:trail")
    job = start_job(
        "audit.export",
        actor=request.user,
        params={
            "filters": request.GET.urlencode(),
            "format": "csv" if request.POST.get("format") == "csv" else "xlsx",
        },
    )
    return redirect(job)
