"""Business-rule errors become 409 (412 for a stale version) with a stable code and a message
in the caller's language; everything else keeps DRF's handling."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cqms.core.errors import BusinessRuleError, ConcurrentEditError


def exception_handler(exc, context):
    if isinstance(exc, BusinessRuleError):
        status = 412 if isinstance(exc, ConcurrentEditError) else exc.status_code
        return Response({"code": exc.code, "detail": str(exc.message)}, status=status)
    return drf_exception_handler(exc, context)
