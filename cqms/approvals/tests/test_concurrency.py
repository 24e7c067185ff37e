"""Two people deciding the same task at the same moment produce exactly one decision."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from cqms.approvals import services
from cqms.approvals.models import ApprovalInstance, ApprovalTask
from cqms.approvals.registry import Approver, NodeSpec
from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError
from cqms.organisation import services as org_services

from .kinds import KIND

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_approvals_of_one_task_at_once_make_one_decision(
    use_flow, people, customer, calls, make_user
):

    deputy = make_user("deputy.qm", roles=["quality_engineer"], department="quality")
    org_services.delegate_work(
        delegator=people["qm"],
        delegate=deputy,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        reason="",
        actor=people["qm"],
    )
    use_flow([NodeSpec("Quality", [Approver.role("quality_manager")])])
    instance = services.start(KIND, customer, actor=people["requester"])
    task = instance.tasks.get()
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(user):
        try:
            barrier.wait()
            services.approve(
                ApprovalTask.objects.get(pk=task.pk), actor=user, comment=user.username
            )
            outcomes.append("approved")
        except BusinessRuleError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(u,)) for u in (people["qm"], deputy)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["approved", "task_not_pending"]
    assert ApprovalInstance.objects.get(pk=instance.pk).status == "approved"
    assert AuditEntry.objects.filter(action="approvals.approved").count() == 1
    assert AuditEntry.objects.filter(action="approvals.instance_approved").count() == 1
    assert len([c for c in calls if c[0] == "approved"]) == 1
