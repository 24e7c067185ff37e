"""The 8D steps through their services: drafts, gates, the status they move, locks, rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cqms.clocks import services as clocks
from cqms.complaints import eightd
from cqms.complaints.models import Action, ContainmentAction, EightDStep, Step
from cqms.core.errors import BusinessRuleError, ConcurrentEditError
from cqms.notifications.models import Notification

from . import eightd_factories as f
from .factories import at, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def qm(make_user):
    return make_user("qm.wang", roles=["quality_manager"], department="quality")


@pytest.fixture
def complaint(sales, customer, quality):
    return register(sales, customer, owner=quality)


def refusal(call) -> list[str]:
    """The messages of a refused completion (field errors first, then the other gaps)."""
    with pytest.raises((ValidationError, BusinessRuleError)) as caught:
        call()
    error = caught.value
    if isinstance(error, eightd.StepIncomplete):
        return [str(error.message), *error.missing]
    return [str(m) for m in error.messages]


def test_a_first_draft_creates_the_step_in_progress_and_keeps_it(complaint, quality):
    step = eightd.save_step(
        complaint, "d0", {"symptom": "外壳划伤"}, actor=quality, expected_version=0
    )
    assert (step.status, step.version, step.data["symptom"]) == ("in_progress", 1, "外壳划伤")
    eightd.save_step(
        complaint, "d0", {"emergency_actions": "冻结库存"}, actor=quality, expected_version=1
    )
    step.refresh_from_db()
    assert step.data == {"symptom": "外壳划伤", "emergency_actions": "冻结库存"}
    assert step.version == 2


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (
            "d0",
            lambda: (
                _("Fill in “%(field)s” to complete the step.")
                % {"field": _("Symptom as the customer sees it")}
            ),
        ),
        ("d1", lambda: _("The team needs a leader.")),
        (
            "d2",
            lambda: _("Attach at least one piece of evidence (photo, returned part, data) to D2."),
        ),
        (
            "d3",
            lambda: (
                _("Containment at “%(location)s”: give the result.")
                % {"location": _("Our finished stock")}
            ),
        ),
        (
            "d4",
            lambda: (
                _(
                    "Give at least one verified %(kind)s cause with its 5-Why chain and how "
                    "it was verified."
                )
                % {"kind": _("Occurrence").lower()}
            ),
        ),
        ("d5", lambda: _("Choose at least one permanent corrective action.")),
        (
            "d6",
            lambda: (
                _("Fill in “%(field)s” to complete the step.")
                % {"field": _("Validation after implementation (lots, PPM, capability)")}
            ),
        ),
        (
            "d7",
            lambda: _("%(document)s: say whether it needs updating.") % {"document": _("PFMEA")},
        ),
        (
            "d8",
            lambda: (
                _("Fill in “%(field)s” to complete the step.") % {"field": _("Lessons learned")}
            ),
        ),
    ],
)
def test_each_gate_names_what_is_missing_in_the_users_language(
    complaint, quality, language, step, expected
):
    f.acknowledged(complaint, quality)
    if step == "d3":
        eightd.start_step(complaint, "d3", actor=quality)
    with translation.override(language):
        messages = refusal(lambda: eightd.complete_step(complaint, step, actor=quality))
        assert expected() in " ".join(messages)
    assert eightd.step_status(complaint, step) != "done"


def test_a_later_step_needs_the_one_before(complaint, quality, member):
    f.acknowledged(complaint, quality)
    f.fill_d4(complaint, quality)
    messages = refusal(lambda: eightd.complete_step(complaint, "d4", actor=quality))
    assert _("Complete %(step)s first.") % {"step": Step.D3.label} in " ".join(messages)


def test_d3_opens_with_the_six_locations_and_needs_every_one_answered(complaint, quality, english):
    f.acknowledged(complaint, quality)
    eightd.save_step(complaint, "d3", {"clean_point": "L2610"}, actor=quality, expected_version=0)
    locations = list(complaint.containment.values_list("location", flat=True))
    assert locations == [
        "finished_stock",
        "wip",
        "in_transit",
        "customer_stock",
        "customer_line",
        "external_warehouse",
    ]
    wip = complaint.containment.get(location="wip")
    with pytest.raises(BusinessRuleError):
        eightd.delete_row(wip, actor=quality)
    eightd.update_row(wip, {"result": "not_applicable"}, actor=quality, expected_version=1)
    messages = refusal(lambda: eightd.complete_step(complaint, "d3", actor=quality))
    text = " ".join(messages)
    assert "Work in progress" in text and "why it does not apply" in text
    with pytest.raises(ValidationError) as caught:
        eightd.update_row(
            wip, {"quantity_checked": 5, "quantity_rejected": 6}, actor=quality, expected_version=2
        )
    assert "quantity_rejected" in caught.value.message_dict


def test_completing_d3_needs_acknowledgement(complaint, quality, english):
    f.fill_d3(complaint, quality)
    messages = refusal(lambda: eightd.complete_step(complaint, "d3", actor=quality))
    assert "Acknowledge receipt" in " ".join(messages)


def test_completing_d3_contains_the_complaint_and_stops_the_containment_clock(complaint, quality):
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    step = eightd.complete_step(complaint, "d3", actor=quality)
    complaint.refresh_from_db()
    assert complaint.status == "contained"
    assert (step.status, step.completed_by) == ("done", quality)
    clock = clocks.get_clock(complaint, "containment")
    assert clock.done_at == step.completed_at
    assert clocks.get_clock(complaint, "corrective_action").done_at is None


def test_the_steps_move_the_status_and_d6_may_follow_later(complaint, quality, member):
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    eightd.complete_step(complaint, "d3", actor=quality)
    f.fill_d4(complaint, quality)
    eightd.complete_step(complaint, "d4", actor=quality)
    complaint.refresh_from_db()
    assert complaint.status == "analysed"
    f.fill_d5(complaint, quality)
    eightd.complete_step(complaint, "d5", actor=quality)
    complaint.refresh_from_db()
    assert complaint.status == "analysed"  # D7 still open
    f.fill_d7(complaint, quality)
    eightd.complete_step(complaint, "d7", actor=quality)
    complaint.refresh_from_db()
    assert complaint.status == "actions_answered"
    assert eightd.step_status(complaint, "d6") == "not_started"


def test_a_repeat_complaint_must_say_why_the_earlier_action_failed(
    sales, customer, quality, complaint
):
    repeat = register(sales, customer, received_at=at(2026, 10, 20, 9))
    assert repeat.is_repeat
    f.acknowledged(repeat, quality)
    f.fill_d3(repeat, quality)
    eightd.complete_step(repeat, "d3", actor=quality)
    f.fill_d4(repeat, quality)
    with pytest.raises(ValidationError) as caught:
        eightd.complete_step(repeat, "d4", actor=quality)
    assert "earlier_action_failure" in caught.value.message_dict
    f.save(repeat, "d4", {"earlier_action_failure": "上次只换了夹具，未加点检"}, quality)
    assert eightd.complete_step(repeat, "d4", actor=quality).status == "done"
    # the original complaint is no repeat: its D4 needs no such answer
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    eightd.complete_step(complaint, "d3", actor=quality)
    f.fill_d4(complaint, quality)
    assert eightd.complete_step(complaint, "d4", actor=quality).status == "done"


def test_a_done_step_is_locked_until_the_quality_manager_reopens_it(complaint, quality, qm):
    f.fill_d0(complaint, quality)
    eightd.complete_step(complaint, "d0", actor=quality)
    with pytest.raises(BusinessRuleError) as caught:
        f.save(complaint, "d0", {"symptom": "改"}, quality)
    assert caught.value.code == "step_done"
    with pytest.raises(PermissionDenied):
        eightd.reopen_step(complaint, "d0", reason="补充", actor=quality)
    with pytest.raises(ValidationError):
        eightd.reopen_step(complaint, "d0", reason=" ", actor=qm)
    step = eightd.reopen_step(complaint, "d0", reason="客户要求补充紧急措施", actor=qm)
    assert (step.status, step.completed_at) == ("in_progress", None)
    f.save(complaint, "d0", {"symptom": "改"}, quality)


def test_reopening_d4_takes_the_status_back(complaint, quality, qm):
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    eightd.complete_step(complaint, "d3", actor=quality)
    f.fill_d4(complaint, quality)
    eightd.complete_step(complaint, "d4", actor=quality)
    eightd.reopen_step(complaint, "d4", reason="原因未验证充分", actor=qm)
    complaint.refresh_from_db()
    assert complaint.status == "contained"


def test_two_people_saving_the_same_step_the_second_gets_a_conflict_and_loses_nothing(
    complaint, quality, make_user
):
    colleague = make_user("qe.li", roles=["quality_engineer"], department="quality")
    f.save(complaint, "d2", {"what": "划伤"}, quality)
    # both opened version 1
    eightd.save_step(complaint, "d2", {"what": "划伤 5 mm"}, actor=quality, expected_version=1)
    with pytest.raises(ConcurrentEditError) as caught:
        eightd.save_step(
            complaint, "d2", {"what": "划伤 3 处"}, actor=colleague, expected_version=1
        )
    assert caught.value.changed_by == quality.get_full_name()
    step = EightDStep.objects.get(complaint=complaint, step="d2")
    assert (step.data["what"], step.version) == ("划伤 5 mm", 2)


def test_two_first_saves_of_a_new_step_do_not_overwrite_each_other(complaint, quality, make_user):
    colleague = make_user("qe.li", roles=["quality_engineer"], department="quality")
    eightd.save_step(complaint, "d2", {"what": "A"}, actor=quality, expected_version=0)
    with pytest.raises(ConcurrentEditError):
        eightd.save_step(complaint, "d2", {"what": "B"}, actor=colleague, expected_version=0)
    assert EightDStep.objects.get(complaint=complaint, step="d2").data["what"] == "A"


def test_sales_reads_but_cannot_work_on_the_8d(complaint, sales):
    with pytest.raises(PermissionDenied):
        eightd.save_step(complaint, "d0", {"symptom": "x"}, actor=sales, expected_version=0)
    with pytest.raises(PermissionDenied):
        eightd.add_row(complaint, "team", {"name": "张三", "role": "leader"}, actor=sales)


def test_the_action_owner_updates_their_own_action_but_not_others(
    complaint, quality, member, make_user
):
    other = make_user("prod.zhou", roles=["staff"], department="production")
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    eightd.complete_step(complaint, "d3", actor=quality)
    f.fill_d4(complaint, quality)
    cause = complaint.root_causes.first()
    action = eightd.add_row(
        complaint,
        "corrective",
        {
            "root_cause": cause,
            "description": "更换定位销",
            "owner": member,
            "due_date": dt.date(2026, 10, 15),
            "verification_plan": "3 批",
        },
        actor=quality,
    )
    assert Notification.objects.filter(recipient=member, event="assigned").exists()
    eightd.update_own_action(
        action,
        {"done_at": at(2026, 10, 9, 10), "evidence": "换销记录", "description": "改掉"},
        actor=member,
        expected_version=action.version,
    )
    action.refresh_from_db()
    assert (action.status, action.evidence, action.description) == (
        "done",
        "换销记录",
        "更换定位销",
    )
    with pytest.raises(PermissionDenied):
        eightd.update_own_action(
            action, {"evidence": "别人的"}, actor=other, expected_version=action.version
        )
    with pytest.raises(PermissionDenied):
        eightd.update_row(action, {"description": "改"}, actor=member)


def test_corrective_actions_are_planned_in_d5_and_implemented_in_d6(
    complaint, quality, member, english
):
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    eightd.complete_step(complaint, "d3", actor=quality)
    f.fill_d4(complaint, quality)
    eightd.complete_step(complaint, "d4", actor=quality)
    f.fill_d5(complaint, quality)
    eightd.complete_step(complaint, "d5", actor=quality)
    action = complaint.actions.first()
    with pytest.raises(BusinessRuleError):
        eightd.update_row(action, {"description": "改计划"}, actor=quality)
    eightd.save_step(complaint, "d6", {"validation": "3 批"}, actor=quality, expected_version=0)
    messages = refusal(lambda: eightd.complete_step(complaint, "d6", actor=quality))
    assert "is not implemented yet" in " ".join(messages)
    with pytest.raises(ValidationError):
        eightd.update_row(action, {"status": "effective"}, actor=quality)
    f.fill_d6(complaint, quality)
    assert eightd.complete_step(complaint, "d6", actor=quality).status == "done"
    assert set(complaint.actions.values_list("status", flat=True)) == {"effective"}


def test_root_causes_keep_their_5_why_chain_in_order(complaint, quality):
    cause = eightd.add_row(
        complaint,
        "root_cause",
        {
            "kind": "occurrence",
            "category": "method",
            "description": "作业方法缺失",
            "why_chain": ["为什么一", "  ", "为什么二", "为什么三"],
        },
        actor=quality,
    )
    cause.refresh_from_db()
    assert cause.why_chain == ["为什么一", "为什么二", "为什么三"]
    with pytest.raises(ValidationError) as caught:
        eightd.update_row(cause, {"verified": True}, actor=quality, expected_version=1)
    assert "verification" in caught.value.message_dict


def test_short_report_lets_d1_and_d2_be_not_applicable(complaint, quality):
    with pytest.raises(BusinessRuleError):
        eightd.mark_not_applicable(complaint, "d1", reason="小问题", actor=quality)
    f.save(
        complaint,
        "d0",
        {"symptom": "标签错", "emergency_actions": "换标", "full_8d": "no"},
        quality,
    )
    eightd.complete_step(complaint, "d0", actor=quality)
    step = eightd.mark_not_applicable(complaint, "d1", reason="简易报告", actor=quality)
    assert step.status == "not_applicable"
    with pytest.raises(BusinessRuleError):
        eightd.mark_not_applicable(complaint, "d4", reason="简易报告", actor=quality)


def test_completing_a_step_tells_the_owner_and_the_department_head(complaint, quality, make_user):
    from cqms.organisation.models import Department

    head = make_user("head.qa", roles=["department_head"], department="quality")
    Department.objects.filter(code="quality").update(head=head)
    colleague = make_user("qe.li", roles=["quality_engineer"], department="quality")
    f.fill_d0(complaint, colleague)
    eightd.complete_step(complaint, "d0", actor=colleague)
    told = set(
        Notification.objects.filter(event="step_completed").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"qe.zhao", "head.qa"}


def test_evidence_is_attached_to_its_step(complaint, quality):
    attachment = eightd.add_step_attachment(
        complaint, "d2", SimpleUploadedFile("a.png", f.PNG), actor=quality, description="照片"
    )
    assert attachment.step == "d2"
    assert list(eightd.step_attachments(complaint, "d2")) == [attachment]


def test_the_team_has_one_leader_and_no_one_twice(complaint, quality, member):
    eightd.add_row(complaint, "team", {"user": quality, "role": "leader"}, actor=quality)
    with pytest.raises(ValidationError) as caught:
        eightd.add_row(complaint, "team", {"user": member, "role": "leader"}, actor=quality)
    assert "role" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        eightd.add_row(complaint, "team", {"user": quality, "role": "member"}, actor=quality)
    assert "user" in caught.value.message_dict
    messages = refusal(lambda: eightd.complete_step(complaint, "d1", actor=quality))
    assert _("The team needs at least one member besides the leader.") in messages[-1]


def test_containment_rows_belong_to_their_complaint(complaint, sales, customer, quality):
    other = register(sales, customer, part_number="X-9")
    eightd.start_step(other, "d3", actor=quality)
    row = other.containment.first()
    with pytest.raises(ContainmentAction.DoesNotExist):
        eightd.get_row(complaint, "containment", row.pk)
    assert Action.objects.count() == 0


def _planned_action(complaint, quality):
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    eightd.complete_step(complaint, "d3", actor=quality)
    f.fill_d4(complaint, quality)
    eightd.complete_step(complaint, "d4", actor=quality)
    f.fill_d5(complaint, quality)
    eightd.complete_step(complaint, "d5", actor=quality)
    return Action.objects.filter(complaint=complaint, kind="corrective").first()  # due 10-15


def test_the_d6_message_names_the_date_the_effectiveness_check_must_follow(complaint, quality):
    action = _planned_action(complaint, quality)
    early = {"done_at": at(2026, 10, 10, 9), "effectiveness_due": dt.date(2026, 10, 1)}
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        eightd.update_row(action, early, actor=quality, expected_version=action.version)
    assert caught.value.message_dict["effectiveness_due"] == [
        "The effectiveness check must be on or after the action's due date, 2026-10-15."
    ]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        eightd.update_row(action, early, actor=quality, expected_version=action.version)
    assert "2026年10月15日" in caught.value.message_dict["effectiveness_due"][0]


def test_an_action_is_not_verified_effective_before_its_check_date(complaint, quality, english):
    action = _planned_action(complaint, quality)
    today = timezone.localdate()
    check = today + dt.timedelta(days=7)
    judged = {
        "done_at": at(2026, 10, 10, 9),
        "effectiveness_due": check,
        "effectiveness_result": "连续 3 批无缺陷",
        "status": "effective",
    }
    with pytest.raises(ValidationError) as caught:
        eightd.update_row(action, judged, actor=quality, expected_version=action.version)
    assert caught.value.message_dict["status"] == [
        f"The action can be verified effective only from its check date, {check.isoformat()}."
    ]
    judged["effectiveness_due"] = today
    assert eightd.update_row(action, judged, actor=quality, expected_version=action.version)
    action.refresh_from_db()
    assert action.status == "effective"
