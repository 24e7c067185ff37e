from __future__ import annotations

from cqms.customers import services
from cqms.customers.models import Customer


def make_customer(actor, code: str, *, owner=None, **values) -> Customer:
    """A customer registered through the service, as the pages do (so it is audited)."""
    defaults = {"code": code, "name": f"测试客户{code}", "name_en": f"Test Customer {code}"}
    if owner is not None:
        defaults["owner"] = owner
        defaults["department"] = owner.department
    return services.create_customer({**defaults, **values}, actor=actor)
