"""The approval engine: modes, actions, conditions, supervisors, delegation, fallback."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cqms.approvals import flows, resolve, services
from cqms.approvals.models import ApprovalFlowRevision, ApprovalInstance, ApprovalNode, ApprovalTask
from cqms.approvals.registry import Approver, NodeSpec
from cqms.audit.models import AuditEntry
from cqms.clocks.models import Clock
from cqms.core.errors import BusinessRuleError
from cqms.notifications.models import Notification
from cqms.organisation import services as org_services
from cqms.organisation.models import Department

from .kinds import KIND

pytestmark = pytest.mark.django_db
Status = ApprovalTask.Status


def start(customer, requester, **data):
    return services.start(KIND, customer, actor=requester, data=data)


def pending(instance):
    return list(instance.tasks.filter(status=Status.PENDING).order_by("pk"))


def statuses(instance):
    return [(t.assignee.username, t.status) for t in instance.tasks.order_by("pk")]


def refresh(instance):
    return ApprovalInstance.objects.get(pk=instance.pk)


def users(make_user, *names, roles=("staff",), department="quality"):
    return [make_user(name, roles=list(roles), department=department) for name in names]


# --- Modes ----------------------------------------------------------------------------------------


def test_sequential_mode_asks_one_approver_after_the_other(
    use_flow, people, customer, calls, make_user
):
    a, b = users(make_user, "a.one", "b.two")
    use_flow([NodeSpec("Review", [Approver.user("a.one"), Approver.user("b.two")])])
    instance = start(customer, people["requester"])
    assert statuses(instance) == [("a.one", "pending"), ("b.two", "queued")]

    services.approve(pending(instance)[0], actor=a)
    assert statuses(instance) == [("a.one", "approved"), ("b.two", "pending")]
    assert refresh(instance).status == "running"

    services.approve(pending(instance)[0], actor=b)
    assert refresh(instance).status == "approved"
    assert calls == [("approved", customer.pk, b.pk)]


def test_all_mode_waits_for_every_approver(use_flow, people, customer, make_user):
    first, second = users(make_user, "a.one", "b.two", roles=["quality_engineer"])
    use_flow([NodeSpec("Countersign", [Approver.role("quality_engineer")], mode="all")])
    instance = start(customer, people["requester"])
    assert statuses(instance) == [("a.one", "pending"), ("b.two", "pending")]

    services.approve(pending(instance)[0], actor=first)
    assert refresh(instance).status == "running"
    services.approve(pending(instance)[0], actor=second)
    assert refresh(instance).status == "approved"


def test_any_mode_completes_on_the_first_approval_and_skips_the_others(
    use_flow, people, customer, make_user
):
    _first, second = users(make_user, "a.one", "b.two", roles=["quality_engineer"])
    use_flow([NodeSpec("Or-sign", [Approver.role("quality_engineer")], mode="any")])
    instance = start(customer, people["requester"])

    services.approve(instance.tasks.get(assignee=second), actor=second)
    assert refresh(instance).status == "approved"
    assert statuses(instance) == [("a.one", "skipped"), ("b.two", "approved")]


def test_steps_run_in_order(use_flow, people, customer):
    use_flow(
        [
            NodeSpec("Quality", [Approver.role("quality_manager")]),
            NodeSpec("General manager", [Approver.role("general_manager")]),
        ]
    )
    instance = start(customer, people["requester"])
    assert [t.assignee for t in pending(instance)] == [people["qm"]]
    services.approve(pending(instance)[0], actor=people["qm"])
    assert [t.assignee for t in pending(instance)] == [people["gm"]]
    assert refresh(instance).current_step == 1


# --- Actions --------------------------------------------------------------------------------------


def test_reject_ends_the_approval_and_calls_on_rejected(
    use_flow, people, customer, calls, make_user
):
    a, _second = users(make_user, "a.one", "b.two", roles=["quality_engineer"])
    use_flow([NodeSpec("Countersign", [Approver.role("quality_engineer")], mode="all")])
    instance = start(customer, people["requester"])

    with pytest.raises(ValidationError):
        services.reject(pending(instance)[0], actor=a, comment="")
    services.reject(pending(instance)[0], actor=a, comment="Drawing revision is wrong")

    instance = refresh(instance)
    assert instance.status == "rejected" and instance.finished_at is not None
    assert statuses(instance) == [("a.one", "rejected"), ("b.two", "cancelled")]
    assert calls == [("rejected", customer.pk, a.pk)]
    decided = Notification.objects.get(event="approval_decided")
    assert decided.recipient == people["requester"]


def test_return_to_an_earlier_step_runs_it_again(use_flow, people, customer):
    use_flow(
        [
            NodeSpec("Quality", [Approver.role("quality_manager")]),
            NodeSpec("General manager", [Approver.role("general_manager")]),
        ]
    )
    instance = start(customer, people["requester"])
    services.approve(pending(instance)[0], actor=people["qm"])
    gm_task = pending(instance)[0]

    with pytest.raises(ValidationError):
        services.return_to(gm_task, actor=people["gm"], step=1, comment="again")
    services.return_to(gm_task, actor=people["gm"], step=0, comment="Add the cost breakdown")

    instance = refresh(instance)
    assert instance.current_step == 0 and instance.status == "running"
    assert [t.assignee for t in pending(instance)] == [people["qm"]]
    assert ApprovalTask.objects.get(pk=gm_task.pk).status == Status.RETURNED
    assert Notification.objects.filter(
        event="approval_returned", recipient=people["requester"]
    ).exists()

    services.approve(pending(instance)[0], actor=people["qm"])
    services.approve(pending(instance)[0], actor=people["gm"])
    assert refresh(instance).status == "approved"


def test_transfer_hands_the_task_to_a_colleague(use_flow, people, customer, make_user):
    (colleague,) = users(make_user, "li.deputy")
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    instance = start(customer, people["requester"])
    task = pending(instance)[0]

    with pytest.raises(PermissionDenied):
        services.transfer(task, actor=colleague, to_user=colleague)
    new = services.transfer(
        task, actor=people["qm"], to_user=colleague, comment="I am at the customer"
    )

    assert ApprovalTask.objects.get(pk=task.pk).status == Status.TRANSFERRED
    assert new.assignee == colleague and new.status == Status.PENDING
    assert Notification.objects.filter(event="approval_requested", recipient=colleague).exists()
    services.approve(new, actor=colleague)
    assert refresh(instance).status == "approved"


def test_administrators_may_hand_on_anyones_task(use_flow, people, customer, make_user):
    (colleague,) = users(make_user, "li.deputy")
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    instance = start(customer, people["requester"])
    new = services.transfer(pending(instance)[0], actor=people["admin"], to_user=colleague)
    services.approve(new, actor=colleague)
    assert refresh(instance).status == "approved"


def test_add_an_approver_before_oneself_then_the_task_comes_back(
    use_flow, people, customer, make_user
):
    (expert,) = users(make_user, "gao.expert")
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")], time_limit_hours=8)])
    instance = start(customer, people["requester"])
    task = pending(instance)[0]

    added = services.add_approver(task, actor=people["qm"], user=expert, position="before")
    task.refresh_from_db()
    assert task.status == Status.WAITING and added.status == Status.PENDING
    clock = Clock.objects.get(object_id=task.pk, name=services.CLOCK)
    assert clock.paused_at is not None  # the approver's time stops while the expert decides

    services.approve(added, actor=expert)
    task.refresh_from_db()
    clock.refresh_from_db()
    assert task.status == Status.PENDING and clock.paused_at is None
    assert refresh(instance).status == "running"
    services.approve(task, actor=people["qm"])
    assert refresh(instance).status == "approved"


def test_add_an_approver_after_oneself_needs_their_approval_too(
    use_flow, people, customer, make_user
):
    a, b = users(make_user, "a.one", "b.two", roles=["quality_engineer"])
    (expert,) = users(make_user, "gao.expert")
    use_flow([NodeSpec("Or-sign", [Approver.role("quality_engineer")], mode="any")])
    instance = start(customer, people["requester"])

    added = services.add_approver(
        instance.tasks.get(assignee=a), actor=a, user=expert, position="after"
    )
    assert added.added == "after" and added.status == Status.PENDING
    assert instance.tasks.get(assignee=b).status == Status.SKIPPED
    assert refresh(instance).status == "running"
    services.approve(added, actor=expert)
    assert refresh(instance).status == "approved"


def test_withdraw_only_by_the_requester(use_flow, people, customer, calls):
    use_flow()
    instance = start(customer, people["requester"])
    task = pending(instance)[0]

    with pytest.raises(PermissionDenied):
        services.withdraw(instance, actor=people["qm"])
    services.withdraw(instance, actor=people["requester"], reason="Wrong customer")

    assert refresh(instance).status == "withdrawn"
    assert ApprovalTask.objects.get(pk=task.pk).status == Status.CANCELLED
    assert calls == [("withdrawn", customer.pk, people["requester"].pk)]
    assert Notification.objects.filter(event="approval_withdrawn", recipient=people["qm"]).exists()
    with pytest.raises(BusinessRuleError):
        services.approve(task, actor=people["qm"])


def test_urge_reminds_the_pending_approvers_once_an_hour(use_flow, people, customer):
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    instance = start(customer, people["requester"])

    with pytest.raises(PermissionDenied):
        services.urge(instance, actor=people["gm"])
    assert services.urge(instance, actor=people["requester"], comment="Customer waits") == 1
    assert Notification.objects.filter(event="approval_urged", recipient=people["qm"]).count() == 1
    with pytest.raises(BusinessRuleError):
        services.urge(instance, actor=people["requester"])
    assert AuditEntry.objects.filter(action="approvals.urged").count() == 1


def test_only_the_approver_may_decide_and_only_once(use_flow, people, customer):
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    instance = start(customer, people["requester"])
    task = pending(instance)[0]
    with pytest.raises(PermissionDenied):
        services.approve(task, actor=people["gm"])
    services.approve(task, actor=people["qm"])
    with pytest.raises(BusinessRuleError):
        services.approve(task, actor=people["qm"])


def test_a_record_runs_one_approval_of_a_kind_at_a_time(use_flow, people, customer):
    use_flow()
    start(customer, people["requester"])
    with pytest.raises(BusinessRuleError):
        start(customer, people["requester"])


# --- Conditions -----------------------------------------------------------------------------------


def test_amount_over_the_threshold_routes_to_the_general_manager_and_under_it_does_not(
    use_flow, people, make_user
):
    from cqms.customers.tests.factories import make_customer

    use_flow(
        [
            NodeSpec("Quality", [Approver.role("quality_manager")]),
            NodeSpec(
                "General manager",
                [Approver.role("general_manager")],
                condition=("amount", ">", 10000),
            ),
        ]
    )
    requester = people["requester"]
    big = start(make_customer(requester, "BIG1", owner=requester), requester, amount=12000)
    small = start(make_customer(requester, "SMALL1", owner=requester), requester, amount="8000")

    assert [node["name"] for node in big.path] == ["Quality", "General manager"]
    assert [node["name"] for node in small.path] == ["Quality"]

    services.approve(pending(big)[0], actor=people["qm"])
    assert [t.assignee for t in pending(big)] == [people["gm"]]
    services.approve(pending(small)[0], actor=people["qm"])
    assert refresh(small).status == "approved"
    assert not small.tasks.filter(assignee=people["gm"]).exists()


def test_conditional_branches_by_priority_with_a_default_branch(use_flow, people, make_user):
    from cqms.customers.tests.factories import make_customer

    use_flow(
        [
            NodeSpec(
                "GM",
                [Approver.role("general_manager")],
                step=1,
                priority=1,
                condition=("amount", ">=", "100000"),
            ),
            NodeSpec(
                "Special",
                [Approver.role("general_manager")],
                step=1,
                priority=2,
                condition=("special", "==", "yes"),
            ),
            NodeSpec("Quality (default)", [Approver.role("quality_manager")], step=1, priority=3),
        ]
    )
    requester = people["requester"]

    def route(code, **data):
        customer = make_customer(requester, code, owner=requester)
        return [node["name"] for node in start(customer, requester, **data).path]

    assert route("C1", amount=150000, special=True) == ["GM"]  # priority 1 wins
    assert route("C2", amount=500, special=True) == ["Special"]
    assert route("C3", amount=500, special=False) == ["Quality (default)"]
    assert route("C4") == ["Quality (default)"]  # no value: no condition holds


def test_conditions_read_the_record_when_the_start_data_does_not_say(use_flow, people):
    from cqms.customers.tests.factories import make_customer

    use_flow(
        [
            NodeSpec(
                "Key account", [Approver.role("general_manager")], condition=("grade", "in", "A, B")
            ),
        ]
    )
    requester = people["requester"]
    graded_a = make_customer(requester, "GA", owner=requester, grade="A")
    graded_c = make_customer(requester, "GC", owner=requester, grade="C")
    assert [n["name"] for n in start(graded_a, requester).path] == ["Key account"]
    # Nothing applies: the administrators decide; it never passes by itself.
    fallback = start(graded_c, requester)
    assert [t.assignee for t in pending(fallback)] == [people["admin"]]
    assert pending(fallback)[0].fallback


# --- Approver rules -------------------------------------------------------------------------------


@pytest.fixture
def tree(make_user):
    """gm_office > sales > customer_service, with a head each."""
    heads = {
        "customer_service": make_user(
            "cs.head", roles=["department_head"], department="customer_service"
        ),
        "sales": make_user("sales.head", roles=["department_head"], department="sales"),
        "gm_office": make_user("the.gm", roles=["general_manager"], department="gm_office"),
    }
    for code, head in heads.items():
        Department.objects.filter(code=code).update(head=head)
    return heads


def test_supervisor_n_levels_up_the_department_tree(tree, people, make_user):
    requester = people["requester"]  # in customer service
    assert resolve.supervisor(requester, levels=1) == tree["customer_service"]
    assert resolve.supervisor(requester, levels=2) == tree["sales"]
    assert resolve.supervisor(requester, levels=3) == tree["gm_office"]
    assert resolve.supervisor(requester, levels=4) is None  # above the top: administrators
    # A head's own supervisor is the head of the department above.
    assert resolve.supervisor(tree["customer_service"], levels=1) == tree["sales"]
    # Of the record's department instead of the requester's.
    sales = Department.objects.get(code="sales")
    assert (
        resolve.supervisor(requester, levels=1, department=sales, of_requester=False)
        == tree["sales"]
    )


def test_supervisor_rules_in_a_flow(use_flow, tree, people, customer):
    use_flow(
        [
            NodeSpec("Direct head", [Approver.supervisor(1)]),
            NodeSpec("Two levels up", [Approver.supervisor(2)]),
            NodeSpec("Record's department, 3 up", [Approver.supervisor(3, of="record")]),
        ]
    )
    instance = start(customer, people["requester"])
    for expected in (tree["customer_service"], tree["sales"], tree["gm_office"]):
        (task,) = pending(instance)
        assert task.assignee == expected
        services.approve(task, actor=expected)
    assert refresh(instance).status == "approved"


def test_a_person_named_on_the_record_approves(use_flow, people, customer):
    use_flow([NodeSpec("Account manager", [Approver.record_field("owner")])])
    instance = start(customer, people["requester"])
    assert [t.assignee for t in pending(instance)] == [customer.owner]


def test_no_approver_found_goes_to_the_administrators_and_never_passes(
    use_flow, people, customer, calls
):
    # The quality department has no head, and nobody has the management representative role.
    use_flow(
        [
            NodeSpec("Quality head", [Approver.department_head("quality")]),
            NodeSpec("Management representative", [Approver.role("management_representative")]),
        ]
    )
    instance = start(customer, people["requester"])
    (task,) = pending(instance)
    assert task.assignee == people["admin"] and task.fallback
    assert Notification.objects.filter(
        event="approval_requested", recipient=people["admin"]
    ).exists()
    services.approve(task, actor=people["admin"])
    (task,) = pending(instance)
    assert task.fallback and refresh(instance).status == "running" and calls == []
    services.approve(task, actor=people["admin"])
    assert refresh(instance).status == "approved"


def test_without_any_administrator_the_start_is_refused(use_flow, people, customer):
    people["admin"].roles.clear()
    use_flow([NodeSpec("Nobody", [Approver.role("management_representative")])])
    with pytest.raises(BusinessRuleError) as refused:
        start(customer, people["requester"])
    assert refused.value.code == "no_approver"
    assert not ApprovalInstance.objects.exists()


# --- Delegation -----------------------------------------------------------------------------------


def test_a_delegate_decides_for_the_approver_and_the_audit_names_both(
    use_flow, people, customer, make_user
):
    deputy = make_user("deputy.qm", roles=["quality_engineer"], department="quality")
    org_services.delegate_work(
        delegator=people["qm"],
        delegate=deputy,
        starts_on=timezone.localdate() - dt.timedelta(days=1),
        ends_on=timezone.localdate() + dt.timedelta(days=7),
        reason="Trade fair",
        actor=people["qm"],
    )
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    instance = start(customer, people["requester"])
    task = pending(instance)[0]
    assert Notification.objects.filter(event="approval_requested", recipient=deputy).exists()

    from cqms.approvals import selectors

    assert list(selectors.to_do(deputy)) == [task]
    services.approve(task, actor=deputy, comment="OK for Wu")

    task.refresh_from_db()
    assert task.assignee == people["qm"] and task.acted_by == deputy
    entry = AuditEntry.objects.get(action="approvals.approved")
    assert entry.actor == deputy
    assert entry.actor_name == deputy.get_full_name()
    assert entry.on_behalf_of_name == "吴强"


# --- Time limits and definitions ------------------------------------------------------------------


def test_a_time_limit_starts_a_clock_that_the_decision_stops(use_flow, people, customer):
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")], time_limit_hours=8)])
    instance = start(customer, people["requester"])
    task = pending(instance)[0]
    clock = Clock.objects.get(object_id=task.pk, name=services.CLOCK)
    assert clock.owner == people["qm"] and clock.basis == "working_hours" and clock.done_at is None
    services.approve(task, actor=people["qm"])
    clock.refresh_from_db()
    assert clock.done_at is not None and clock.met is True


def test_editing_a_flow_publishes_a_revision_and_running_approvals_keep_theirs(
    use_flow, people, make_user
):
    from cqms.audit import services as audit
    from cqms.customers.tests.factories import make_customer

    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    requester = people["requester"]
    first = start(make_customer(requester, "R1", owner=requester), requester)

    node = ApprovalNode.objects.get(flow__kind=KIND)
    with audit.change_transaction():
        audit.save_changes(node, {"name": "Quality director"}, actor=people["admin"])
        flows.publish_revision(node.flow, actor=people["admin"])
    second = start(make_customer(requester, "R2", owner=requester), requester)

    assert (first.flow_revision, second.flow_revision) == (1, 2)
    assert ApprovalFlowRevision.objects.filter(flow=node.flow).count() == 2
    assert pending(first)[0].node_name == "Quality"
    assert pending(second)[0].node_name == "Quality director"
    services.approve(pending(first)[0], actor=people["qm"])
    assert refresh(first).status == "approved"


def test_every_action_is_in_the_records_history(use_flow, people, customer):
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    instance = start(customer, people["requester"])
    services.approve(pending(instance)[0], actor=people["qm"], comment="fine")
    actions = set(
        AuditEntry.objects.filter(
            root_type="customers.customer", root_id=str(customer.pk)
        ).values_list("action", flat=True)
    )
    assert {"approvals.started", "approvals.approved", "approvals.instance_approved"} <= actions
