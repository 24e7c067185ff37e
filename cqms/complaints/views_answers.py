"""Pages of the answer to the customer: sending, the private verdict link, the verdict, the 8D
report downloads; the registers' exports, the tracking list and the legacy import.

The customer's pages (`verdict_start`, `verdict`) need no account: the private link's token is
exchanged at the first visit for a short session bound to that one answered version, then the
browser moves to a clean address without the token.
"""

from __future__ import annotations

import time
from urllib.parse import quote, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from cqms.core.database import custom_plans
from cqms.core.errors import BusinessRuleError
from cqms.core.forms import apply_service
from cqms.core.middleware import client_ip
from cqms.jobs.models import Job
from cqms.jobs.services import start_job
from cqms.spreadsheets.importer import build_template
from cqms.spreadsheets.jobs import start_import_commit

from . import answers, customer_forms, reports, selectors
from . import spreadsheets as sheets
from .forms_answers import (
    ImportForm,
    PublicVerdictForm,
    SendAnswerForm,
    StaffVerdictForm,
    VerdictLinkForm,
)
from .models import Answer, Complaint, CustomerReportForm, EightDStep, Step, VerdictLink

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "complaints_verdict"
SESSION_SECONDS = 30 * 60
GUESS_LIMIT = 20  # unknown tokens per address ...
GUESS_WINDOW = 15 * 60  # ... within this many seconds
DOCUMENT_TO_PAGE = {"zh": "zh-hans", "en": "en"}


# --- On the complaint page ---------------------------------------------------------------------


def panel_context(request, complaint: Complaint) -> dict:
    """What the answers panel of the complaint page shows."""
    may_answer = answers.may_answer(request.user, complaint)
    sent = selectors.answers_sent(complaint)
    pending = next(
        (a for a in sent if not a.verdict and complaint.status == Complaint.Status.ANSWERED),
        None,
    )
    context = {
        "answers_sent": sent,
        "answer_pending": pending,
        "may_answer": may_answer,
        "can_send": may_answer and complaint.status == Complaint.Status.ACTIONS_ANSWERED,
        "customer_form": selectors.customer_report_form(complaint.customer),
        "report_final": complaint.status == Complaint.Status.CLOSED
        and complaint.steps.filter(step=Step.D8, status=EightDStep.Status.DONE).exists(),
    }
    if context["can_send"]:
        context["send_form"] = SendAnswerForm(complaint=complaint)
    if may_answer and pending is not None:
        context["link_form"] = VerdictLinkForm(complaint=complaint)
        context["verdict_form"] = StaffVerdictForm(complaint=complaint)
    return context


def _complaint(request, number: str) -> Complaint:
    return selectors.complaint_for_user_or_404(request.user, number)


def _answer(complaint: Complaint, version: int) -> Answer:
    return get_object_or_404(Answer, complaint=complaint, version_number=version)


def _back_with_errors(request, complaint: Complaint, form) -> HttpResponse:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    return redirect(complaint)


@require_POST
def send_answer(request, number: str):
    complaint = _complaint(request, number)
    if not answers.may_answer(request.user, complaint):
        raise PermissionDenied
    form = SendAnswerForm(request.POST, complaint=complaint)
    sent = []
    if form.is_valid() and apply_service(
        form,
        lambda: sent.append(
            answers.send_answer(
                complaint,
                via=form.cleaned_data["via"],
                language=form.cleaned_data["language"],
                contact=form.cleaned_data["contact"],
                sent_at=form.cleaned_data["sent_at"],
                actor=request.user,
            )
        ),
    ):
        messages.success(
            request,
            _("Version %(version)s of the answer is recorded as sent and frozen.")
            % {"version": sent[0].version_number},
        )
        return redirect(complaint)
    return _back_with_errors(request, complaint, form)


@require_POST
def create_link(request, number: str, version: int):
    complaint = _complaint(request, number)
    if not answers.may_answer(request.user, complaint):
        raise PermissionDenied
    answer = _answer(complaint, version)
    form = VerdictLinkForm(request.POST, complaint=complaint)
    tokens = []
    if form.is_valid() and apply_service(
        form,
        lambda: tokens.append(
            answers.create_verdict_link(
                answer,
                contact=form.cleaned_data["contact"],
                days=form.cleaned_data["days"],
                actor=request.user,
            )
        ),
    ):
        link = VerdictLink.objects.get(token_hash=answers.hash_token(tokens[0]))
        url = request.build_absolute_uri(answers.verdict_url(tokens[0]))
        response = render(
            request,
            "complaints/answers/link_created.html",
            {
                "complaint": complaint,
                "answer": answer,
                "link": link,
                "url": url,
                "mailto": _verdict_mail(complaint, answer, link, url),
            },
        )
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    return _back_with_errors(request, complaint, form)


def _verdict_mail(complaint, answer, link, url: str) -> str:
    """A mailto: link that opens the user's own mail program with the link written out."""
    values = {
        "number": " / ".join(filter(None, [complaint.number, complaint.customer_reference])),
        "version": answer.version_number,
        "contact": link.contact.name,
        "until": formats.date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT"),
        "url": url,
    }
    subject = _("Your verdict on our answer to complaint %(number)s") % values
    body = (
        _(
            "Dear %(contact)s,\n\nplease give your verdict on version %(version)s of our answer "
            "to complaint %(number)s with this private link, valid until %(until)s:\n\n"
            "%(url)s\n\nAnyone with the link can give the verdict: please do not forward it."
        )
        % values
    )
    return "mailto:{}?subject={}&body={}".format(
        quote(link.contact.email or "", safe="@"), quote(subject, safe=""), quote(body, safe="")
    )


@require_POST
def record_verdict(request, number: str, version: int):
    complaint = _complaint(request, number)
    if not answers.may_answer(request.user, complaint):
        raise PermissionDenied
    answer = _answer(complaint, version)
    form = StaffVerdictForm(request.POST, complaint=complaint)
    result = []
    if form.is_valid() and apply_service(
        form,
        lambda: result.append(
            answers.record_verdict(
                answer,
                accepted=form.accepted,
                reason=form.cleaned_data["reason"],
                containment_rejected=form.cleaned_data["containment_rejected"],
                contact=form.cleaned_data["contact"],
                at=form.cleaned_data["at"],
                actor=request.user,
            )
        ),
    ):
        target = result[0]
        if target.pk == complaint.pk:
            messages.success(request, _("The customer's acceptance is recorded."))
        else:
            messages.success(
                request,
                _("The rejection is recorded. The case continues as %(number)s.")
                % {"number": target.number},
            )
        return redirect(target)
    return _back_with_errors(request, complaint, form)


# --- Report downloads --------------------------------------------------------------------------


def _file(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _language(request, complaint: Complaint) -> str:
    wanted = request.GET.get("language", "")
    return wanted if wanted in reports.DOCUMENT_LANGUAGES else complaint.customer.document_language


def _internal(request) -> bool:
    """The internal copy keeps the supplier's own time limits; the customer's copy does not."""
    return request.GET.get("copy") == "internal"


def _live_name(complaint: Complaint, snapshot: dict, request, extension: str) -> str:
    state = "" if snapshot.get("closed") else "-draft"
    copy = "-internal" if _internal(request) else ""
    return f"8D-{complaint.number}{state}{copy}.{extension}"


def _answer_name(complaint: Complaint, version: int, request, extension: str) -> str:
    copy = "-internal" if _internal(request) else ""
    return f"8D-{complaint.number}-v{version}{copy}.{extension}"


@permission_required("complaints.view_complaint", raise_exception=True)
def report_pdf(request, number: str):
    """The 8D as it stands now: a draft, or the final report once the 8D is closed."""
    complaint = _complaint(request, number)
    snapshot = reports.build_snapshot(complaint)
    content = reports.render_pdf(
        snapshot, _language(request, complaint), internal=_internal(request)
    )
    return _file(content, "application/pdf", _live_name(complaint, snapshot, request, "pdf"))


@permission_required("complaints.view_complaint", raise_exception=True)
def report_xlsx(request, number: str):
    complaint = _complaint(request, number)
    snapshot = reports.build_snapshot(complaint)
    content = reports.render_xlsx(
        snapshot, _language(request, complaint), internal=_internal(request)
    )
    return _file(content, XLSX, _live_name(complaint, snapshot, request, "xlsx"))


@permission_required("complaints.view_complaint", raise_exception=True)
def report_form(request, number: str):
    """The 8D as it stands now in the customer's own form (404 when the customer has none)."""
    complaint = _complaint(request, number)
    form = _customer_form(complaint)
    snapshot = reports.build_snapshot(complaint)
    context = reports.report_context(snapshot, _language(request, complaint))
    content = customer_forms.fill(form, context, snapshot)
    state = "" if snapshot.get("closed") else "-draft"
    return _file(content, XLSX, f"8D-{complaint.number}{state}-{complaint.customer.code}.xlsx")


@permission_required("complaints.view_complaint", raise_exception=True)
def answer_pdf(request, number: str, version: int):
    """The answered version exactly as sent, in the language it was sent in, with the
    customer's acceptance once given."""
    complaint = _complaint(request, number)
    answer = _answer(complaint, version)
    content = reports.render_pdf(
        reports.answer_snapshot(answer),
        answer.language,
        version=answer.version_number,
        internal=_internal(request),
    )
    return _file(content, "application/pdf", _answer_name(complaint, version, request, "pdf"))


@permission_required("complaints.view_complaint", raise_exception=True)
def answer_xlsx(request, number: str, version: int):
    complaint = _complaint(request, number)
    answer = _answer(complaint, version)
    content = reports.render_xlsx(
        reports.answer_snapshot(answer),
        answer.language,
        version=answer.version_number,
        internal=_internal(request),
    )
    return _file(content, XLSX, _answer_name(complaint, version, request, "xlsx"))


@permission_required("complaints.view_complaint", raise_exception=True)
def answer_form(request, number: str, version: int):
    """An answered version in the customer's own form."""
    complaint = _complaint(request, number)
    answer = _answer(complaint, version)
    form = _customer_form(complaint)
    snapshot = reports.answer_snapshot(answer)
    context = reports.report_context(snapshot, answer.language, version=answer.version_number)
    content = customer_forms.fill(form, context, snapshot)
    name = f"8D-{complaint.number}-v{version}-{complaint.customer.code}.xlsx"
    return _file(content, XLSX, name)


def _customer_form(complaint: Complaint) -> CustomerReportForm:
    form = selectors.customer_report_form(complaint.customer)
    if form is None:
        raise Http404
    return form


# --- The customer's private pages --------------------------------------------------------------


def _private(response: HttpResponse, *, referrer: str = "same-origin") -> HttpResponse:
    """No caching, no indexing. The address carrying the token is never sent as a referrer
    ("no-referrer"); the clean pages send their address only to CQMS itself ("same-origin"):
    under "no-referrer" browsers send `Origin: null` with the verdict form, which the CSRF
    check rightly refuses."""
    response["Referrer-Policy"] = referrer
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _guess_key(request) -> str:
    return f"complaints:verdict-guesses:{client_ip(request) or 'unknown'}"


def _throttled(request) -> bool:
    return (cache.get(_guess_key(request)) or 0) >= GUESS_LIMIT


def _count_guess(request) -> None:
    key = _guess_key(request)
    cache.add(key, 0, GUESS_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.set(key, 1, GUESS_WINDOW)


def _closed_page(request, status: int, *, referrer: str = "same-origin") -> HttpResponse:
    """Invalid, expired, used or throttled: the same few words, no details."""
    return _private(
        render(
            request, "complaints/answers/verdict_closed.html", {"status": status}, status=status
        ),
        referrer=referrer,
    )


@login_not_required
@never_cache
def verdict_start(request, token: str):
    """The private link: exchange the token for a short session, then drop it from the URL."""
    if _throttled(request):
        return _closed_page(request, 429, referrer="no-referrer")
    link = answers.link_for_token(token)
    if link is None:
        _count_guess(request)
        return _closed_page(request, 404, referrer="no-referrer")
    if not answers.link_usable(link):
        return _closed_page(request, 410, referrer="no-referrer")
    until = min(time.time() + SESSION_SECONDS, link.expires_at.timestamp())
    request.session[SESSION_KEY] = {"link": link.pk, "until": until}
    request.session.cycle_key()
    return _private(redirect("complaints:verdict"), referrer="no-referrer")


def _session_link(request) -> VerdictLink | bool | None:
    """The link of this browser's session; None without one, False when it expired."""
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    if stored.get("until", 0) < time.time():
        request.session.pop(SESSION_KEY, None)
        return False
    return (
        VerdictLink.objects.select_related("answer__complaint__customer", "contact")
        .filter(pk=stored.get("link"))
        .first()
        or False
    )


def _page_language(request, answer: Answer) -> str:
    return DOCUMENT_TO_PAGE.get(answer.language, request.LANGUAGE_CODE)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def verdict(request):
    """The answered version for the customer's contact: read the 8D, accept or reject it."""
    link = _session_link(request)
    if link is None:
        return _private(render(request, "complaints/answers/verdict_closed.html", {"status": 200}))
    if link is False or not answers.link_usable(link):
        request.session.pop(SESSION_KEY, None)
        return _closed_page(request, 410)
    answer = link.answer
    complaint = answer.complaint
    if request.GET.get("format") == "pdf":
        content = reports.render_pdf(
            answer.snapshot, answer.language, version=answer.version_number
        )
        return _private(
            _file(content, "application/pdf", f"8D-{complaint.number}-v{answer.version_number}.pdf")
        )
    with override(_page_language(request, answer)):
        form = PublicVerdictForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done = []
            if apply_service(
                form,
                lambda: done.append(
                    answers.record_verdict(
                        answer,
                        accepted=form.accepted,
                        reason=form.cleaned_data["reason"],
                        containment_rejected=form.cleaned_data["containment_rejected"],
                        link=link,
                    )
                ),
            ):
                request.session.pop(SESSION_KEY, None)
                return _private(
                    render(
                        request,
                        "complaints/answers/verdict_done.html",
                        {"answer": answer, "complaint": complaint, "accepted": form.accepted},
                    )
                )
        return _private(
            render(
                request,
                "complaints/answers/verdict.html",
                {
                    "answer": answer,
                    "complaint": complaint,
                    "contact": link.contact,
                    "link": link,
                    "form": form,
                    "report_html": reports.render_html(
                        answer.snapshot, answer.language, version=answer.version_number
                    ),
                },
            )
        )


# --- Registers: export, tracking list ----------------------------------------------------------


def _list_filters(request, list_name: str) -> str:
    """The filters and sorting of the list the export button was pressed on. The list filters
    in place (htmx) and keeps its address current, so the page's address (the Referer of the
    button's request) is what the user sees; the form's own query string is the fallback."""
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.path == reverse(list_name) and referer.netloc in ("", request.get_host()):
        query = QueryDict(referer.query, mutable=True)
    else:
        query = request.GET.copy()
    query.pop("page", None)  # every page of the list, not the one on screen
    return query.urlencode()


def _start_export(request, kind: str, list_name: str):
    job = start_job(
        kind,
        actor=request.user,
        params={
            "filters": _list_filters(request, list_name),
            "format": "csv" if request.POST.get("format") == "csv" else "xlsx",
        },
    )
    return redirect(job)


@require_POST
@permission_required("complaints.export_complaint", raise_exception=True)
def register_export(request):
    """The register exactly as filtered (the page's query string), as a background job."""
    return _start_export(request, sheets.EXPORT_KIND, "complaints:register")


@permission_required("complaints.view_complaint", raise_exception=True)
@custom_plans()  # filtered by customer and owner, as the register (ADR 0013)
def tracking(request):
    """客户抱怨处理追踪一览表: every action of the open complaints."""
    filterset = sheets.TrackingFilter(
        request.GET, queryset=sheets.tracking_queryset(request.user), request=request
    )
    table = sheets.TrackingTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    template = "complaints/tracking.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(
        request, template, {"filter": filterset, "table": table, "today": timezone.localdate()}
    )


@require_POST
@permission_required("complaints.export_complaint", raise_exception=True)
def tracking_export(request):
    return _start_export(request, sheets.TRACKING_EXPORT_KIND, "complaints:tracking")


# --- Legacy import -----------------------------------------------------------------------------


@permission_required("complaints.import_complaint", raise_exception=True)
def import_complaints(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = start_job(
            f"{sheets.IMPORT_KIND}.check", actor=request.user, input_file=form.cleaned_data["file"]
        )
        return redirect(job)
    return render(request, "complaints/answers/import.html", {"form": form})


@permission_required("complaints.import_complaint", raise_exception=True)
def import_template(request):
    response = HttpResponse(build_template(sheets.import_spec()), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, _("complaint-import-template") + ".xlsx"
    )
    return response


@require_POST
@permission_required("complaints.import_complaint", raise_exception=True)
def import_commit(request, job_pk: int):
    check = get_object_or_404(Job, pk=job_pk, created_by=request.user)
    if not check.kind.startswith(sheets.IMPORT_KIND + "."):
        raise Http404
    try:
        job = start_import_commit(check, actor=request.user)
    except BusinessRuleError as error:
        messages.error(request, error.message)
        return redirect(check)
    return redirect(job)
