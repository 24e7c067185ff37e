"""Registering a complaint: number, clocks from the SLA policy, recurrence, permissions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cqms.audit.models import AuditEntry
from cqms.clocks.services import clocks_for
from cqms.complaints import services
from cqms.complaints.models import Complaint, SlaPolicy, SlaRule
from cqms.customers.tests.factories import make_customer
from cqms.notifications.models import Notification

from .factories import at, register

pytestmark = pytest.mark.django_db


def clocks(complaint):
    return {c.name: c for c in clocks_for(complaint)}


def test_a_normal_complaint_gets_the_default_clocks_across_national_day(sales, customer):
    complaint = register(sales, customer, received_at=at(2026, 9, 30, 10))
    assert complaint.number == "KS2026-0001"
    due = {name: c.due_at for name, c in clocks(complaint).items()}
    assert due["containment"] == at(2026, 10, 1, 10)
    assert due["corrective_action"] == at(2026, 10, 10, 10)
    assert due["acknowledgement"] == at(2026, 10, 8, 10)  # 8 working hours
    assert "closure" in due


def test_numbers_follow_the_rule_and_never_repeat(sales, customer):
    numbers = [register(sales, customer, part_number=f"P-{i}").number for i in range(3)]
    assert numbers == ["KS2026-0001", "KS2026-0002", "KS2026-0003"]


def test_a_customer_policy_replaces_the_default(sales, customer):
    variant = SlaPolicy.objects.get(is_default=False)
    own = SlaPolicy.objects.create(name="主机厂要求", customer=customer)
    for rule in variant.rules.all():
        SlaRule.objects.create(
            policy=own,
            clock=rule.clock,
            severity=rule.severity,
            basis=rule.basis,
            amount=rule.amount,
        )
    urgent = register(sales, customer, severity="urgent", received_at=at(2026, 9, 30, 10))
    normal = register(
        sales, customer, severity="normal", received_at=at(2026, 9, 30, 10), part_number="P-2"
    )
    assert urgent.sla_policy == own
    assert clocks(urgent)["corrective_action"].due_at == at(2026, 10, 2, 10)  # 48 hours
    assert clocks(normal)["corrective_action"].due_at == at(2026, 10, 7, 10)  # 7 days


def test_a_complaint_from_the_past_starts_its_clocks_when_received(sales, customer):
    complaint = register(sales, customer, received_at=at(2026, 11, 2, 9))
    assert clocks(complaint)["containment"].started_at == at(2026, 11, 2, 9)


def test_received_in_the_future_is_refused(sales, customer):
    with pytest.raises(ValidationError) as error:
        register(sales, customer, received_at=at(2099, 1, 1, 8))
    assert "received_at" in error.value.message_dict
    assert Complaint.objects.count() == 0


def test_the_same_customer_reference_is_registered_once(sales, customer):
    register(sales, customer, customer_reference="Q-4711")
    with pytest.raises(ValidationError) as error:
        register(sales, customer, customer_reference="q-4711", part_number="X")
    assert "customer_reference" in error.value.message_dict


def test_a_repeat_is_flagged_and_linked_to_the_earlier_complaint(sales, customer):
    first = register(sales, customer, received_at=at(2026, 3, 1, 9))
    second = register(sales, customer, received_at=at(2026, 9, 1, 9))
    assert second.is_repeat and list(second.repeat_of.all()) == [first]
    other_part = register(sales, customer, part_number="P-9999", received_at=at(2026, 9, 2, 9))
    assert not other_part.is_repeat


def test_a_repeat_matches_the_customers_part_number_too(sales, customer):
    register(
        sales,
        customer,
        part_number="OURS-1",
        customer_part_number="THEIRS-7",
        received_at=at(2026, 2, 1, 9),
    )
    again = register(sales, customer, part_number="OURS-2", customer_part_number="theirs-7")
    assert again.is_repeat


def test_older_than_the_window_is_not_a_repeat(sales, customer):
    register(sales, customer, received_at=at(2025, 8, 1, 9))
    assert not register(sales, customer, received_at=at(2026, 9, 1, 9)).is_repeat


def test_staff_cannot_register_and_outsiders_cannot_use_foreign_customers(make_user, sales):
    staff = make_user("staff1", roles=["staff"], department="sales")
    mine = make_customer(sales, "C200", owner=sales)
    with pytest.raises(PermissionDenied):
        register(staff, mine)
    stranger = make_user("s2", roles=["salesperson"], department="finance")
    with pytest.raises(PermissionDenied):
        register(stranger, mine)


def test_registration_is_audited_and_announced(sales, customer, quality):
    complaint = register(sales, customer, owner=quality)
    entry = AuditEntry.objects.get(record_type="complaints.complaint", action="create")
    assert entry.record_label == complaint.number
    clock_entries = AuditEntry.objects.filter(record_type="clocks.clock")
    assert clock_entries.count() == 4
    assert set(clock_entries.values_list("root_type", flat=True)) == {"complaints.complaint"}
    assert Notification.objects.filter(recipient=quality, event="assigned").exists()


def test_a_safety_complaint_is_major_and_escalated(sales, customer, make_user):
    gm = make_user("gm", roles=["general_manager"], department="gm_office")
    complaint = register(sales, customer, safety_regulatory=True)
    assert complaint.major
    assert Notification.objects.filter(recipient=gm, event="escalated").exists()


def test_acknowledging_stops_the_acknowledgement_clock(sales, customer, quality):
    complaint = register(sales, customer, received_at=at(2026, 9, 30, 10))
    services.acknowledge(complaint, actor=sales)
    complaint.refresh_from_db()
    ack = clocks(complaint)["acknowledgement"]
    assert complaint.status == "acknowledged" and ack.done_at is not None
    assert ack.met is False  # acknowledged today, long after 8 October


def test_a_pause_of_two_working_days_moves_the_corrective_action_by_two(sales, customer, quality):
    complaint = register(sales, customer, received_at=at(2026, 9, 30, 10))
    from cqms.audit import services as audit
    from cqms.clocks import services as clock_services

    with audit.change_transaction():
        clock_services.pause_clock(
            complaint, "corrective_action", reason="等待样品", actor=quality, at=at(2026, 10, 8, 10)
        )
        clock_services.resume_clock(
            complaint, "corrective_action", actor=quality, at=at(2026, 10, 10, 10)
        )
    assert clocks(complaint)["corrective_action"].due_at == at(2026, 10, 13, 10)


def test_handing_over_moves_the_running_clocks_to_the_new_owner(
    sales, customer, quality, make_user
):
    other = make_user("qe.sun", roles=["quality_engineer"], department="quality")
    complaint = register(sales, customer, owner=quality)
    services.hand_over(complaint, to=other, actor=quality, reason="出差")
    assert {c.owner for c in clocks(complaint).values() if c.done_at is None} == {other}
    assert AuditEntry.objects.filter(action="complaints.handed_over", reason="出差").exists()


def test_cancelling_keeps_the_number_and_stops_the_clocks(make_user, sales, customer):
    manager = make_user("sm", roles=["sales_manager"], department="sales")
    complaint = register(sales, customer)
    services.cancel(complaint, reason="重复录入", actor=manager)
    assert all(c.done_at and c.met is None for c in clocks(complaint).values())
    assert Complaint.objects.get(number=complaint.number).status == "cancelled"


def test_keyword_search_finds_chinese_substrings(sales, customer):
    from cqms.complaints.filters import ComplaintFilter

    register(sales, customer, defect_description="连接器端子氧化发黑")
    register(sales, customer, defect_description="标签打印模糊", part_number="P-2")
    found = ComplaintFilter({"q": "氧化"}, queryset=Complaint.objects.all()).qs
    assert [c.defect_description for c in found] == ["连接器端子氧化发黑"]


def test_the_window_is_the_customers_policy_setting(sales, customer):
    first = register(sales, customer, received_at=at(2025, 8, 1, 9))
    policy = SlaPolicy.objects.get(is_default=True)

    def earlier(received_at):
        return list(
            services.earlier_similar(
                customer=customer,
                part_number=first.part_number,
                defect_category=first.defect_category,
                received_at=received_at,
            )
        )

    assert earlier(at(2026, 9, 1, 9)) == []  # default: 12 months
    policy.recurrence_window_months = 13
    policy.save()
    assert earlier(at(2026, 9, 1, 9)) == [first]  # 13 months back is 2025-08-01 09:00
    assert earlier(at(2026, 9, 1, 10)) == []
    assert register(sales, customer, received_at=at(2026, 9, 1, 9)).is_repeat


def test_months_before_keeps_the_time_and_clamps_the_day():
    assert services.months_before(at(2026, 3, 31, 10), 1) == at(2026, 2, 28, 10)
    assert services.months_before(at(2026, 1, 15, 8), 12) == at(2025, 1, 15, 8)
    assert services.months_before(at(2026, 1, 15, 8), 13) == at(2024, 12, 15, 8)
