import pytest
from django.utils import translation

from cqms.customers.tests.factories import make_customer


@pytest.fixture
def sales(make_user):
    return make_user("sales.li", roles=["salesperson"], department="sales")


@pytest.fixture
def quality(make_user):
    return make_user("qe.zhao", roles=["quality_engineer"], department="quality")


@pytest.fixture
def customer(sales):
    return make_customer(sales, "C100", owner=sales, name="华东汽车制造有限公司")


@pytest.fixture
def english():
    """Messages in English, for tests that read a refusal's wording."""
    with translation.override("en"):
        yield
