"""The job pages: the user's recent jobs, one job's live progress, its result file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePath

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from . import services
from .models import Job

ERRORS_SHOWN = 500
RECENT_SHOWN = 100
# After this long in the queue, the page says that the worker may not be running.
QUEUE_PATIENCE = timedelta(seconds=30)


def _visible_job(request, pk: int) -> Job:
    """The job if the user started it or may view all jobs; 404 otherwise (no hint it exists)."""
    job = Job.objects.select_related("created_by").filter(pk=pk).first()
    if job is None or not job.can_view(request.user):
        raise Http404
    return job


def job_list(request):
    services.fail_stale_jobs()
    show_all = request.GET.get("all") == "1" and request.user.has_perm("jobs.view_job")
    jobs = Job.objects.select_related("created_by")
    if not show_all:
        jobs = jobs.filter(created_by=request.user)
    return render(
        request,
        "jobs/list.html",
        {
            "jobs": jobs[:RECENT_SHOWN],
            "show_all": show_all,
            "can_view_all": request.user.has_perm("jobs.view_job"),
        },
    )


def job_detail(request, pk: int):
    job = _visible_job(request, pk)
    if services.looks_stopped(job) and services.fail_stale_jobs(Job.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    result = job.result if isinstance(job.result, dict) else {}
    errors = result.get("errors") or []
    context = {
        "job": job,
        "summary": result.get("summary") or [],
        "errors": errors[:ERRORS_SHOWN],
        "error_count": len(errors),
        "actions": [
            a for a in result.get("actions") or [] if str(a.get("url", "")).startswith("/")
        ],
        "waiting_long": job.status == Job.Status.QUEUED
        and job.created_at < timezone.now() - QUEUE_PATIENCE,
    }
    htmx = request.htmx
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        response = render(request, "jobs/detail.html#status", context)
        if job.is_finished:
            # HTTP 286: htmx swaps this last state in and stops polling.
            return HttpResponseStopPolling(response.content)
        return response
    return render(request, "jobs/detail.html", context)


def download(request, pk: int):
    job = _visible_job(request, pk)
    if not job.result_file:
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    filename = job.result_filename or ("result" + PurePath(job.result_file.name).suffix)
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@require_POST
@permission_required("jobs.add_job", raise_exception=True)
def check_worker(request):
    job = services.start_job("jobs.worker_check", actor=request.user)
    return redirect(job)
