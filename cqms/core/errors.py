"""One family of errors for business rules; the web and the API map them to messages and codes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class BusinessRuleError(Exception):
    """A change that the rules do not allow now (state, permission already checked, other rows)."""

    status_code = 409

    def __init__(self, message, code: str = "business_rule"):
        super().__init__(str(message))
        self.message = message
        self.code = code


class ConcurrentEditError(BusinessRuleError):
    """The record changed since the user loaded it."""

    status_code = 409

    def __init__(self, record, *, changed_by: str = "", changed_at=None):
        if changed_by and changed_at:
            from django.utils import formats, timezone

            when = formats.date_format(timezone.localtime(changed_at), "DATETIME_FORMAT")
            message = _(
                "%(record)s was changed by %(user)s at %(when)s after you opened it. "
                "Reload the page to see the current values; your input has been kept below."
            ) % {"record": record, "user": changed_by, "when": when}
        else:
            message = _(
                "%(record)s was changed by someone else after you opened it. "
                "Reload the page to see the current values; your input has been kept below."
            ) % {"record": record}
        super().__init__(message, code="concurrent_edit")
        self.changed_by = changed_by
        self.changed_at = changed_at
