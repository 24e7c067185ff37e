"""Business-rule errors become 409 (412 for a stale version) with a stable code and a message
in the caller's language; a busy database becomes 503 "try again"; everything else keeps DRF's
handling."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cqms.core.database import RETRY_AFTER_SECONDS, is_busy
from cqms.core.errors import BusinessRuleError, ConcurrentEditError
from cqms.core.middleware import busy_message


def exception_handler(exc, context):
    if isinstance(exc, BusinessRuleError):
        status = 412 if isinstance(exc, ConcurrentEditError) else exc.status_code
        return Response({"code": exc.code, "detail": str(exc.message)}, status=status)
    if is_busy(exc):  # still locked after the busy timeout: try again, not a server error
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return Response({"code": "busy", "detail": busy_message()}, status=503, headers=headers)
    return drf_exception_handler(exc, context)
