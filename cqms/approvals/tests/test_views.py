"""Approval pages: My approvals, the task page, the approval page, starting from a record."""

import pytest
from django.urls import reverse

from cqms.approvals import services
from cqms.approvals.models import ApprovalInstance, ApprovalTask
from cqms.approvals.registry import Approver, NodeSpec

from .kinds import KIND

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def instance(use_flow, people, customer, make_user):
    make_user("copy.reader", roles=["management_representative"], department="gm_office")
    use_flow(
        [
            NodeSpec(
                "Quality",
                [Approver.role("quality_manager")],
                cc_roles=["management_representative"],
                time_limit_hours=8,
            )
        ]
    )
    return services.start(KIND, customer, actor=people["requester"])


def test_my_approvals_lists_what_waits_with_counts(client, instance, people):
    client.force_login(people["qm"])
    page = client.get(reverse("approvals:mine"), **EN).content.decode()
    task = instance.tasks.get()
    assert f'data-task="{task.pk}"' in page
    assert 'data-count="todo">1<' in page
    assert "Customer review: AP001" in page and "due" in page


def test_approving_on_the_task_page_moves_it_to_done_and_copies(client, instance, people):
    client.force_login(people["qm"])
    task = instance.tasks.get()
    page = client.get(reverse("approvals:task", args=[task.pk]), **EN).content.decode()
    assert 'id="approve-button"' in page and 'name="decide-password"' not in page
    response = client.post(
        reverse("approvals:task", args=[task.pk]),
        {"action": "approve", "decide-version": task.version, "decide-comment": "fine"},
    )
    assert response.status_code == 302
    assert ApprovalInstance.objects.get(pk=instance.pk).status == "approved"
    done = client.get(reverse("approvals:mine") + "?tab=done").content.decode()
    assert f'data-task="{task.pk}"' in done

    client.force_login(ApprovalInstance.objects.get(pk=instance.pk).copies.get().user)
    copied = client.get(reverse("approvals:mine") + "?tab=copied").content.decode()
    assert f'data-approval="{instance.pk}"' in copied


def test_a_stale_page_does_not_decide_twice(client, instance, people):
    client.force_login(people["qm"])
    task = instance.tasks.get()
    services.approve(task, actor=people["qm"])
    response = client.post(
        reverse("approvals:task", args=[task.pk]),
        {"action": "reject", "decide-version": task.version, "decide-comment": "no"},
        **EN,
    )
    assert response.status_code == 302
    assert ApprovalTask.objects.get(pk=task.pk).status == "approved"


def test_reject_without_a_reason_is_refused_on_the_form(client, instance, people):
    client.force_login(people["qm"])
    task = instance.tasks.get()
    response = client.post(
        reverse("approvals:task", args=[task.pk]),
        {"action": "reject", "decide-version": task.version, "decide-comment": ""},
        **EN,
    )
    assert response.status_code == 200
    assert "Give the reason for rejecting." in response.content.decode()
    assert ApprovalTask.objects.get(pk=task.pk).status == "pending"


def test_transfer_and_return_forms(client, use_flow, people, customer, make_user):
    use_flow(
        [
            NodeSpec("Quality", [Approver.role("quality_manager")]),
            NodeSpec("GM", [Approver.role("general_manager")]),
        ]
    )
    instance = services.start(KIND, customer, actor=people["requester"])
    services.approve(instance.tasks.get(), actor=people["qm"])
    task = instance.tasks.get(status="pending")
    client.force_login(people["gm"])
    response = client.post(
        reverse("approvals:task", args=[task.pk]),
        {
            "action": "return",
            "return-version": task.version,
            "return-step": 0,
            "return-comment": "Costs?",
        },
    )
    assert response.status_code == 302
    assert ApprovalTask.objects.get(pk=task.pk).status == "returned"

    deputy = make_user("deputy.qm", roles=["quality_engineer"], department="quality")
    task = instance.tasks.get(status="pending")
    client.force_login(people["qm"])
    response = client.post(
        reverse("approvals:task", args=[task.pk]),
        {"action": "transfer", "transfer-version": task.version, "transfer-user": deputy.pk},
    )
    assert response.status_code == 302
    assert instance.tasks.get(status="pending").assignee == deputy


def test_requester_urges_and_withdraws_from_the_approval_page(client, instance, people):
    client.force_login(people["requester"])
    page = client.get(reverse("approvals:instance", args=[instance.pk]), **EN).content.decode()
    assert 'id="urge-button"' in page and 'id="withdraw-button"' in page
    assert 'data-step-state="current"' in page
    assert client.post(reverse("approvals:urge", args=[instance.pk])).status_code == 302
    assert (
        client.post(reverse("approvals:withdraw", args=[instance.pk]), {"comment": "x"}).status_code
        == 302
    )
    assert ApprovalInstance.objects.get(pk=instance.pk).status == "withdrawn"


def test_starting_from_a_record(client, use_flow, people, customer):
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    client.force_login(people["requester"])
    response = client.post(reverse("approvals:start", args=[KIND, customer.pk]))
    instance = ApprovalInstance.objects.get()
    assert response.status_code == 302 and response["Location"] == instance.get_absolute_url()
    again = client.post(reverse("approvals:start", args=[KIND, customer.pk]))
    assert again.status_code == 302 and ApprovalInstance.objects.count() == 1


def test_my_work_shows_pending_approvals(client, instance, people):
    client.force_login(people["qm"])
    page = client.get(reverse("home"), **EN).content.decode()
    assert 'data-work="approvals"' in page
    assert instance.tasks.get().get_absolute_url() in page


def test_the_task_page_fits_a_phone(client, use_flow, people, customer):
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")], signature=True)])
    instance = services.start(KIND, customer, actor=people["requester"])
    client.force_login(people["qm"])
    page = client.get(reverse("approvals:task", args=[instance.tasks.get().pk])).content.decode()
    assert 'name="viewport"' in page
    assert "btn-lg" in page and 'autocomplete="current-password"' in page


def test_outsiders_get_404(client, instance, people, make_user):
    outsider = make_user("outsider", roles=["sales_manager"], department="finance")
    client.force_login(outsider)
    task = instance.tasks.get()
    for url in (
        reverse("approvals:task", args=[task.pk]),
        reverse("approvals:instance", args=[instance.pk]),
        reverse("approvals:withdraw", args=[instance.pk]),
        reverse("approvals:urge", args=[instance.pk]),
        reverse("approvals:start", args=[KIND, instance.object_id]),
    ):
        assert client.post(url).status_code == 404, url
    assert client.get(reverse("approvals:task", args=[task.pk])).status_code == 404
    assert client.get(reverse("approvals:instance", args=[instance.pk])).status_code == 404


def test_colleagues_who_may_see_the_record_see_its_approval(client, instance, people, make_user):
    colleague = make_user("colleague", roles=["quality_engineer"], department="quality")
    client.force_login(colleague)
    assert client.get(reverse("approvals:instance", args=[instance.pk])).status_code == 200
    # ... but cannot decide or withdraw it.
    task = instance.tasks.get()
    assert client.get(reverse("approvals:task", args=[task.pk])).status_code == 404
    assert client.post(reverse("approvals:withdraw", args=[instance.pk])).status_code == 404


def test_the_record_panel_offers_only_kinds_that_allow_it(rf, use_flow, people, customer):
    from django.template import Context, Template

    from cqms.approvals import registry
    from cqms.customers.models import Customer

    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    registry.register(
        "tests.own_pages_only", label="Own pages", model=Customer, signed_content=lambda c: {}
    )
    try:
        request = rf.get("/")
        request.user = people["requester"]
        html = Template("{% load approvals %}{% approval_panel record %}").render(
            Context({"request": request, "record": customer, "csrf_token": "t"})
        )
    finally:
        registry.unregister("tests.own_pages_only")
    assert f'data-start-approval="{KIND}"' in html
    assert "tests.own_pages_only" not in html


def test_the_record_panel_reads_the_tasks_of_all_its_approvals_at_once(
    rf, instance, people, customer
):
    from django.db import connection
    from django.template import Context, Template
    from django.test.utils import CaptureQueriesContext

    services.withdraw(instance, actor=people["requester"], reason="重新提交")
    again = services.start(KIND, customer, actor=people["requester"])
    request = rf.get("/")
    request.user = people["requester"]
    with CaptureQueriesContext(connection) as queries:
        html = Template("{% load approvals %}{% approval_panel record %}").render(
            Context({"request": request, "record": customer, "csrf_token": "t"})
        )
    reads = [q["sql"] for q in queries.captured_queries if "approvals_approvaltask" in q["sql"]]
    assert len(reads) == 1  # two approvals, one read of their tasks
    assert f'data-approval="{instance.pk}"' in html and f'data-approval="{again.pk}"' in html
    for task in (instance.tasks.get(), again.tasks.get()):  # each route shows its own task
        assert f'data-task="{task.pk}" data-task-status="{task.status}"' in html
