import pytest

from cqms.audit.models import AuditEntry
from cqms.customers import services
from cqms.customers.tests.factories import make_customer


@pytest.fixture
def trail(make_user):
    """A customer created and renamed three times: four entries or more, in id order."""
    manager = make_user("sun.li", roles=["sales_manager"])
    customer = make_customer(manager, "T1", name="原名称")
    for version, name in enumerate(["名称二", "名称三", "名称四"], start=1):
        services.update_customer(customer, {"name": name}, actor=manager, expected_version=version)
    return list(AuditEntry.objects.order_by("id"))
