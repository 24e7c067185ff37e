"""A test approval kind on customers, so the engine is tested without the parts that use it."""

from __future__ import annotations

from cqms.approvals import registry
from cqms.approvals.registry import Approver, ConditionField, FlowSpec, NodeSpec
from cqms.customers.models import Customer

KIND = "tests.customer_review"
MATRIX_KIND = "tests.matrix_check"


def signed_content(customer: Customer) -> dict:
    return {"code": customer.code, "name": customer.name, "grade": customer.grade}


def register(nodes=None, *, calls: list | None = None, **extra) -> registry.ApprovalKind:
    """Register KIND with these default nodes (one quality-manager signature by default);
    `calls` collects the callbacks as ("approved" | "rejected" | "withdrawn", record pk)."""
    calls = calls if calls is not None else []
    kind = extra.pop("kind", KIND)

    def callback(name):
        return lambda record, instance, actor: calls.append((name, record.pk, actor.pk))

    nodes = nodes or [
        NodeSpec(
            "Quality manager",
            [Approver.role("quality_manager")],
            signature=True,
            meaning="approved",
        )
    ]
    options = {
        "label": "Customer review",
        "model": Customer,
        "signed_content": signed_content,
        "condition_fields": {
            "amount": ConditionField("Amount", "decimal"),
            "grade": ConditionField("Grade", "text"),
            "special": ConditionField("Special contract", "boolean"),
        },
        "on_approved": callback("approved"),
        "on_rejected": callback("rejected"),
        "on_withdrawn": callback("withdrawn"),
        "default_flow": FlowSpec("Customer review", nodes),
        "start_on_panel": True,
        **extra,
    }
    return registry.register(kind, **options)


def matrix_objects(objects: dict) -> dict:
    """For tests/test_access_matrix.py: an approval of the matrix customer, its owner the
    requester and the approver."""
    if "approval_task" not in objects:
        from cqms.approvals import services

        registry.register(
            MATRIX_KIND,
            label="Access check",
            model=Customer,
            signed_content=signed_content,
            default_flow=FlowSpec(
                "Access check", [NodeSpec("Owner", [Approver.record_field("owner")])]
            ),
            start_on_panel=True,
        )
        owner = objects["owner"]
        instance = services.start(MATRIX_KIND, objects["customer"], actor=owner)
        objects["approval"] = instance
        objects["approval_task"] = instance.tasks.get()
    return objects
