from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from cqms.complaints import services
from cqms.complaints.models import Complaint, DefectCategory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def register(actor, customer, *, attachments=(), **values) -> Complaint:
    """A complaint registered through the service, as Sales does on the page."""
    defaults = {
        "customer": customer,
        "received_at": at(2026, 9, 30, 10),
        "severity": "normal",
        "part_number": "P-1001",
        "defect_description": "外壳表面划伤，长度约 5 mm",
        "quantity_affected": 120,
        "defect_category": DefectCategory.objects.get(code="appearance"),
    }
    return services.register_complaint({**defaults, **values}, actor=actor, attachments=attachments)


def repeated(captured) -> list[str]:
    """The statements a `CaptureQueriesContext` saw more than once with the same parameters."""
    counts = Counter(query["sql"] for query in captured.captured_queries)
    return [sql for sql, count in counts.items() if count > 1]
