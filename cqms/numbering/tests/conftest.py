from __future__ import annotations

import pytest

from cqms.numbering import registry
from cqms.numbering.registry import RuleDefaults


@pytest.fixture
def register_type():
    """Register record types for one test and forget them afterwards."""
    keys = []

    def register(key: str = "widget", label: str = "Widget", **defaults):
        entry = registry.register(key, label=label, default=RuleDefaults(**defaults))
        keys.append(key)
        return entry

    yield register
    for key in keys:
        registry.unregister(key)


@pytest.fixture
def complaint_type(register_type):
    """The complaint pattern of the issue: KS2026-0012, yearly reset."""
    return register_type(
        "test-complaint",
        label="Complaint",
        prefix="KS",
        date_format="yyyy",
        separator="-",
        width=4,
        reset="yearly",
    )
