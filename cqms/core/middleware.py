from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .context import change_context

logger = logging.getLogger(__name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def client_ip(request) -> str:
    if getattr(settings, "USE_X_FORWARDED_HOST", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    """Tags every change made during the request with its source, request id and address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")
        if not _REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        if request.path.startswith("/api/"):
            source = "api"
        elif request.path.startswith("/admin/"):
            source = "admin"
        else:
            source = "web"
        with change_context(source=source, request_id=request_id, ip=client_ip(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            # Quality records must not linger in shared browser or proxy caches.
            patch_cache_control(response, no_store=True, private=True)
        return response


class SessionIdleTimeoutMiddleware:
    """Ends a session after a period without requests (Django only knows an absolute age)."""

    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get("last_seen", now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("Your session ended after a period of inactivity."))
                if not request.path.startswith("/api/"):
                    response = redirect_to_login(request.get_full_path())
                    if request.headers.get("HX-Request"):
                        response["HX-Redirect"] = response["Location"]
                    return response
            elif now - last_seen >= self.TOUCH_EVERY or "last_seen" not in request.session:
                request.session["last_seen"] = now
        return self.get_response(request)


def busy_message() -> str:
    return _(
        "The database is busy with another change (for example a large import). Nothing was "
        "saved: try again in a few seconds."
    )


class BusyDatabaseMiddleware:
    """A database still locked after the busy timeout is not a server error: the person gets
    "busy, try again" (503 with Retry-After) in their language, a page or the API's JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .database import RETRY_AFTER_SECONDS, is_busy

        if not is_busy(exception):
            return None
        logger.warning("Database busy on %s %s", request.method, request.path)
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "busy", "detail": busy_message()}, status=503)
        else:
            response = render(request, "busy.html", {"message": busy_message()}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
