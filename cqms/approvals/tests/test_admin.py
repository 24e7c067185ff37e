"""Administrators edit flows in the administration pages; every save is a new revision."""

import pytest
from django.urls import reverse

from cqms.approvals import flows, services
from cqms.approvals.models import ApprovalFlow, ApprovalFlowRevision
from cqms.approvals.registry import Approver, NodeSpec
from cqms.audit.models import AuditEntry

from .kinds import KIND

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(use_flow, people):
    use_flow(
        [
            NodeSpec("Quality", [Approver.role("quality_manager")]),
            NodeSpec("GM", [Approver.role("general_manager")], condition=("amount", ">", 10000)),
        ]
    )
    from cqms.audit import services as audit

    with audit.change_transaction():
        return flows.flow_for(KIND)


def form_data(flow, **changes):
    nodes = list(flow.nodes.order_by("step"))
    data = {
        "kind": flow.kind,
        "name": flow.name,
        "description": flow.description,
        "is_active": "on",
        "nodes-TOTAL_FORMS": str(len(nodes)),
        "nodes-INITIAL_FORMS": str(len(nodes)),
        "nodes-MIN_NUM_FORMS": "0",
        "nodes-MAX_NUM_FORMS": "1000",
    }
    for i, node in enumerate(nodes):
        data.update(
            {
                f"nodes-{i}-id": node.pk,
                f"nodes-{i}-flow": flow.pk,
                f"nodes-{i}-step": node.step,
                f"nodes-{i}-priority": node.priority,
                f"nodes-{i}-name": node.name,
                f"nodes-{i}-mode": node.mode,
                f"nodes-{i}-condition_field": node.condition_field,
                f"nodes-{i}-condition_operator": node.condition_operator,
                f"nodes-{i}-condition_value": node.condition_value,
                f"nodes-{i}-signature_meaning": node.signature_meaning,
                f"nodes-{i}-time_limit_hours": "",
            }
        )
    data.update(changes)
    return data


@pytest.fixture
def admin_client(client, make_user):
    administrator = make_user(
        "it.admin", roles=["administrator"], department="gm_office", is_staff=True
    )
    client.force_login(administrator)
    return client


def test_saving_a_flow_publishes_a_revision_and_running_approvals_keep_theirs(
    admin_client, flow, people, customer
):
    running = services.start(KIND, customer, actor=people["requester"], data={"amount": 20000})
    url = reverse("admin:approvals_approvalflow_change", args=[flow.pk])
    response = admin_client.post(url, form_data(flow, **{"nodes-1-condition_value": "50000"}))
    assert response.status_code == 302, response.content.decode()[:2000]

    assert ApprovalFlow.objects.get(pk=flow.pk).revision == 2
    latest = ApprovalFlowRevision.objects.get(flow=flow, revision=2)
    assert latest.definition["nodes"][1]["condition"]["value"] == "50000"
    assert running.snapshot["nodes"][1]["condition"]["value"] == "10000"
    assert AuditEntry.objects.filter(record_type="approvals.approvalnode", action="update").exists()

    # Saving without a change publishes nothing new.
    assert (
        admin_client.post(url, form_data(ApprovalFlow.objects.get(pk=flow.pk))).status_code == 302
    )
    assert ApprovalFlowRevision.objects.filter(flow=flow).count() == 2


def test_the_admin_refuses_unknown_condition_fields_and_two_default_branches(admin_client, flow):
    url = reverse("admin:approvals_approvalflow_change", args=[flow.pk])
    response = admin_client.post(url, form_data(flow, **{"nodes-1-condition_field": "colour"}))
    assert response.status_code == 200
    response = admin_client.post(
        url,
        form_data(
            flow,
            **{
                "nodes-1-step": "1",
                "nodes-1-condition_field": "",
                "nodes-1-condition_operator": "",
                "nodes-1-condition_value": "",
            },
        ),
    )
    assert response.status_code == 200
    assert ApprovalFlow.objects.get(pk=flow.pk).revision == 1


def test_the_node_page_edits_approver_rules(admin_client, flow, people):
    node = flow.nodes.get(name="Quality")
    rule = node.rules.get()
    url = reverse("admin:approvals_approvalnode_change", args=[node.pk])
    assert admin_client.get(url).status_code == 200
    data = {
        "step": 1,
        "priority": 1,
        "name": "Quality",
        "mode": "all",
        "condition_field": "",
        "condition_operator": "",
        "condition_value": "",
        "signature_required": "on",
        "signature_meaning": "reviewed",
        "time_limit_hours": "8",
        "rules-TOTAL_FORMS": "2",
        "rules-INITIAL_FORMS": "1",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-id": rule.pk,
        "rules-0-node": node.pk,
        "rules-0-position": 1,
        "rules-0-rule_type": "role",
        "rules-0-role": rule.role_id,
        "rules-0-basis": "requester",
        "rules-0-levels": 1,
        "rules-0-field_name": "",
        "rules-1-node": node.pk,
        "rules-1-position": 2,
        "rules-1-rule_type": "supervisor",
        "rules-1-basis": "record",
        "rules-1-levels": 2,
        "rules-1-field_name": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    definition = (
        ApprovalFlowRevision.objects.filter(flow=flow).order_by("-revision").first().definition
    )
    quality = definition["nodes"][0]
    assert quality["mode"] == "all" and quality["signature"]["required"] is True
    assert quality["rules"] == [
        {"type": "role", "role": "quality_manager"},
        {"type": "supervisor", "basis": "record", "levels": 2},
    ]


def test_default_flows_are_named_in_the_companys_language_whatever_the_process_speaks():
    from django.utils import translation

    from cqms.approvals.models import ApprovalNode

    with translation.override("en"):  # manage.py migrate runs in English
        flows.ensure_default_flows()
    waiver = ApprovalNode.objects.get(flow__kind="complaints.preventive_action_waiver")
    closure = ApprovalNode.objects.get(flow__kind="complaints.eightd_closure")
    assert (waiver.name, closure.name) == ("总经理", "品质经理")
