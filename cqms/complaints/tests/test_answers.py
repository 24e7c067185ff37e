"""Sending the answer (a frozen version), the customer's verdict, and the reopening <number>-n."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cqms.audit.models import AuditEntry
from cqms.clocks import services as clocks
from cqms.complaints import answers, eightd
from cqms.complaints.models import Answer, Complaint, EightDStep
from cqms.core.errors import BusinessRuleError
from cqms.notifications.models import Notification

from . import eightd_factories as f
from .answering import answerable, contact, send
from .factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def ready(sales, customer, quality, member):
    return answerable(sales, customer, quality, member)


def test_sending_freezes_a_version_stops_the_corrective_clock_and_waits_for_the_verdict(
    ready, sales
):
    answer = send(ready, sales)
    assert (answer.version_number, answer.language, answer.sent_via) == (1, "zh", "email")
    assert ready.status == Complaint.Status.ANSWERED
    corrective = clocks.get_clock(ready, "corrective_action")
    assert corrective.done_at == answer.sent_at and corrective.met is not None
    snapshot = answer.snapshot
    assert snapshot["complaint"]["number"] == ready.number
    assert snapshot["complaint"]["defect_description"] == "外壳表面划伤，长度约 5 mm"
    assert snapshot["steps"]["d4"]["status"] == "done"
    assert len(snapshot["rows"]["root_causes"]) == 2
    assert snapshot["sent"]["via"] == "email"
    assert AuditEntry.objects.filter(action="complaints.answer_sent").exists()
    assert Notification.objects.filter(event="answer_sent", recipient__username="qe.zhao").exists()


def test_the_frozen_version_does_not_follow_later_changes(ready, sales, quality):
    answer = send(ready, sales)
    EightDStep.objects.filter(complaint=ready, step="d4").update(data={"x": "changed"})
    ready.root_causes.update(description="事后修改")
    answer.refresh_from_db()
    assert "事后修改" not in str(answer.snapshot)


def test_the_answer_waits_until_the_actions_are_answered(sales, customer):
    complaint = register(sales, customer)
    with pytest.raises(BusinessRuleError) as refused:
        answers.send_answer(complaint, via="email", actor=sales)
    assert refused.value.code == "not_ready_to_answer"
    assert not Answer.objects.exists()


def test_sending_needs_the_permission_and_the_scope(ready, make_user):
    engineer = make_user("qe.li", roles=["quality_engineer"], department="quality")
    with pytest.raises(PermissionDenied):
        answers.send_answer(ready, via="email", actor=engineer)  # no answer permission
    stranger = make_user("sales.far", roles=["salesperson"], department="finance")
    with pytest.raises(PermissionDenied):
        answers.send_answer(ready, via="email", actor=stranger)  # outside the scope
    assert not Answer.objects.exists()


def test_the_sending_time_and_language_are_checked(ready, sales):
    with pytest.raises(ValidationError) as error:
        answers.send_answer(
            ready, via="email", actor=sales, sent_at=timezone.now() + dt.timedelta(days=2)
        )
    assert "sent_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        answers.send_answer(ready, via="pigeon", language="fr", actor=sales)
    assert set(error.value.message_dict) == {"via", "language"}


def test_acceptance_moves_the_complaint_to_accepted(ready, sales):
    answer = send(ready, sales)
    result = answers.record_verdict(answer, accepted=True, actor=sales)
    ready.refresh_from_db()
    answer.refresh_from_db()
    assert result == ready and ready.status == Complaint.Status.ACCEPTED
    assert (answer.verdict, answer.verdict_by) == ("accepted", sales)
    assert Notification.objects.filter(event="customer_answered").exists()
    with pytest.raises(BusinessRuleError) as again:
        answers.record_verdict(answer, accepted=False, reason="改主意", actor=sales)
    assert again.value.code == "verdict_given"


def test_a_rejection_needs_a_reason(ready, sales):
    answer = send(ready, sales)
    with pytest.raises(ValidationError) as error:
        answers.record_verdict(answer, accepted=False, reason="  ", actor=sales)
    assert "reason" in error.value.message_dict
    ready.refresh_from_db()
    assert ready.status == Complaint.Status.ANSWERED


def test_a_rejection_reopens_the_case_as_number_minus_one_with_fresh_clocks(ready, sales, customer):
    answer = send(ready, sales, sent_at=timezone.now() - dt.timedelta(hours=3))
    who = contact(customer, sales)
    rejected_at = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    child = answers.record_verdict(
        answer,
        accepted=False,
        reason="根本原因分析不充分",
        actor=sales,
        contact=who,
        at=rejected_at,
    )
    ready.refresh_from_db()
    answer.refresh_from_db()
    assert ready.status == Complaint.Status.REOPENED and not ready.is_open
    assert (answer.verdict, answer.verdict_contact, answer.verdict_at) == (
        "rejected",
        who,
        rejected_at,
    )
    assert answer.snapshot["complaint"]["number"] == ready.number  # still readable
    assert child.number == f"{ready.number}-1"
    assert (child.root_number, child.revision, child.parent, child.status) == (
        ready.number,
        1,
        ready,
        Complaint.Status.REGISTERED,
    )
    assert ready.reopen_count == 1 and child.reopen_count == 1
    assert (child.customer, child.part_number, child.defect_description, child.owner) == (
        ready.customer,
        ready.part_number,
        ready.defect_description,
        ready.owner,
    )
    ended = {clock.name: (clock.done_at, clock.met) for clock in clocks.clocks_for(ready)}
    assert ended["closure"] == (rejected_at, None)  # the rejected version's clocks end
    started = {clock.name: clock.started_at for clock in clocks.clocks_for(child)}
    assert started == dict.fromkeys(
        ["acknowledgement", "corrective_action", "closure"], rejected_at
    )  # containment only when it was rejected too
    assert all(clock.done_at is None for clock in clocks.clocks_for(child))
    # the 8D is carried over as a draft: D0–D3 kept, D4–D7 open again, rows copied
    steps = {s.step: s for s in EightDStep.objects.filter(complaint=child)}
    assert {s: steps[s].status for s in ("d0", "d3", "d4", "d5", "d7")} == {
        "d0": "done",
        "d3": "done",
        "d4": "in_progress",
        "d5": "in_progress",
        "d7": "in_progress",
    }
    assert answers.carried_over_from(steps["d4"]) == ready.number
    assert child.root_causes.count() == 2 and child.actions.count() == ready.actions.count()
    assert set(child.actions.values_list("status", flat=True)) == {"open"}
    assert all(
        a.root_cause.complaint_id == child.pk for a in child.actions.exclude(root_cause=None)
    )
    assert child.attachments.count() == ready.attachments.count()


def test_an_inadequate_containment_restarts_the_containment_clock(ready, sales):
    answer = send(ready, sales)
    child = answers.record_verdict(
        answer, accepted=False, reason="围堵不彻底", containment_rejected=True, actor=sales
    )
    names = {clock.name for clock in clocks.clocks_for(child)}
    assert "containment" in names
    assert EightDStep.objects.get(complaint=child, step="d3").status == "in_progress"


def complete_again(child, quality, sales):
    """The reopened case worked through again up to the answer."""
    f.acknowledged(child, sales)
    for step in ("d4", "d5", "d7"):
        eightd.complete_step(child, step, actor=quality)
    child.refresh_from_db()
    return child


def test_a_second_rejection_gives_minus_two_flat_and_versions_count_along_the_case(
    ready, sales, quality
):
    first = answers.record_verdict(send(ready, sales), accepted=False, reason="一", actor=sales)
    complete_again(first, quality, sales)
    answer = send(first, sales)
    assert answer.version_number == 2
    second = answers.record_verdict(answer, accepted=False, reason="二", actor=sales)
    assert second.number == f"{ready.number}-2"  # not -1-1
    assert (second.parent, second.revision, second.root_number) == (first, 2, ready.number)
    ready.refresh_from_db()
    assert ready.reopen_count == 2
    assert [a.version_number for a in answers.case_answers(second)] == [1, 2]


def test_closing_a_reopening_closes_the_rejected_versions_with_it(ready, sales, quality):
    from cqms.audit import services as audit

    child = answers.record_verdict(send(ready, sales), accepted=False, reason="一", actor=sales)
    with audit.change_transaction():
        closed = answers.close_reopened_chain(child, actor=quality)
    ready.refresh_from_db()
    assert closed == [ready] and ready.status == Complaint.Status.CLOSED and ready.closed_at
    assert ready.answers.get().verdict == "rejected"


def test_the_contact_giving_the_verdict_must_belong_to_the_customer(ready, sales, make_user):
    from cqms.customers.tests.factories import make_customer

    other = make_customer(sales, "C999", owner=sales)
    stranger = contact(other, sales, name="外人")
    with pytest.raises(ValidationError):
        answers.record_verdict(send(ready, sales), accepted=True, actor=sales, contact=stranger)


@pytest.mark.django_db(transaction=True)
def test_two_verdicts_at_the_same_time_reopen_once(sales, customer, quality, make_user):
    import threading

    from django.db import connection

    member = make_user("prod.sun", roles=["staff"], department="production")
    answer = send(answerable(sales, customer, quality, member), sales)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def give(reason):
        try:
            barrier.wait(timeout=10)
            results.append(
                answers.record_verdict(
                    Answer.objects.get(pk=answer.pk), accepted=False, reason=reason, actor=sales
                )
            )
        except BusinessRuleError as error:
            errors.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=give, args=(r,)) for r in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 1 and errors == ["verdict_given"]
    assert Complaint.objects.filter(revision__gt=0).count() == 1
    assert Complaint.objects.get(revision=0).reopen_count == 1


def test_reject_complete_the_reopening_accept_and_both_close_with_reopen_count_one(
    client, ready, sales, quality, customer, make_user
):
    from django.test import RequestFactory
    from django.urls import reverse

    from cqms.approvals import selectors as approvals
    from cqms.approvals import services as approval_services
    from cqms.approvals.signing import SignatureInput

    qm = make_user("qm.wang", roles=["quality_manager"], department="quality")
    who = contact(customer, sales)
    first = send(ready, sales)
    token = answers.create_verdict_link(first, contact=who, actor=sales)
    client.get(reverse("complaints:verdict_start", args=[token]))
    client.post(reverse("complaints:verdict"), {"verdict": "reject", "reason": "分析不充分"})
    child = Complaint.objects.get(number=f"{ready.number}-1")
    assert {c.started_at for c in clocks.clocks_for(child)} == {
        first.complaint.answers.get().verdict_at
    }
    complete_again(child, quality, sales)
    f.fill_d6(child, quality)
    eightd.complete_step(child, "d6", actor=quality)
    second = send(child, sales)
    token = answers.create_verdict_link(second, contact=who, actor=sales)
    client.get(reverse("complaints:verdict_start", args=[token]))
    client.post(reverse("complaints:verdict"), {"verdict": "accept"})
    child.refresh_from_db()
    assert child.status == Complaint.Status.ACCEPTED
    f.save(child, "d8", {"lessons_learned": "夹具定位销纳入日点检"}, quality)
    instance = eightd.request_closure(child, actor=quality)
    task = approvals.pending_tasks(instance)[0]
    signature = SignatureInput(
        password="Correct-Horse-42", meaning="approved", request=RequestFactory().post("/")
    )
    approval_services.approve(task, actor=qm, comment="同意结案", signature=signature)
    client.force_login(sales)
    html = client.get(reverse("complaints:register")).content.decode()
    ready.refresh_from_db()
    child.refresh_from_db()
    assert (ready.status, child.status) == ("closed", "closed")
    assert (ready.reopen_count, child.reopen_count) == (1, 1)
    assert ready.number in html and child.number in html
