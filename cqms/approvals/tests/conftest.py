from __future__ import annotations

import pytest

from cqms.approvals import registry
from cqms.customers.tests.factories import make_customer

from . import kinds


@pytest.fixture
def calls():
    return []


@pytest.fixture
def use_flow(calls):
    """Register the test kind with the given default nodes for one test."""

    def use(nodes=None, **extra):
        return kinds.register(nodes, calls=calls, **extra)

    yield use
    registry.unregister(kinds.KIND)


@pytest.fixture
def people(make_user):
    """A requester in customer service and approvers with the standard roles."""
    return {
        "requester": make_user(
            "chen.jing",
            roles=["sales_manager"],
            department="customer_service",
            first_name="静",
            last_name="陈",
        ),
        "qm": make_user(
            "wu.qiang",
            roles=["quality_manager"],
            department="quality",
            first_name="强",
            last_name="吴",
        ),
        "gm": make_user(
            "zhang.zong",
            roles=["general_manager"],
            department="gm_office",
            first_name="总",
            last_name="张",
        ),
        "admin": make_user("admin.it", roles=["administrator"], department="gm_office"),
    }


@pytest.fixture
def customer(people):
    return make_customer(people["requester"], "AP001", owner=people["requester"])
