from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .work import work_for


def home(request):
    """My work: what is really assigned to the user, from every part of CQMS."""
    sections = work_for(request.user)
    return render(
        request,
        "core/home.html",
        {
            "alerts": [s for s in sections if s.level == "warning"],
            "sections": [s for s in sections if s.level != "warning"],
        },
    )


@login_not_required
@require_POST
def set_language(request):
    """Django's language switch, remembered on the account so e-mails follow it too."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and check_for_language(language) and user.language != language:
        user.__class__.objects.filter(pk=user.pk).update(language=language)
    return response


@login_not_required
@never_cache
def health(request):
    """For the IT department's monitoring: the process answers and the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def server_error(request):
    """Django's 500 page, except for a database still locked after the busy timeout (raised
    where no view could answer, e.g. saving the session): that is "busy, try again", 503."""
    import sys

    from django.views.defaults import server_error as default_server_error

    from .middleware import BusyDatabaseMiddleware

    error = sys.exc_info()[1]
    if error is not None:
        response = BusyDatabaseMiddleware(None).process_exception(request, error)
        if response is not None:
            return response
    return default_server_error(request)


@login_not_required
def csrf_failure(request, reason=""):
    """A translated page with a way back (Django already logs the reason)."""
    back = request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "/"
    return render(request, "403_csrf.html", {"back_url": back}, status=403)
