"""Reads of complaints, always within the reader's data scope."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from cqms.clocks.models import Clock
from cqms.customers.models import Contact
from cqms.organisation import access
from cqms.organisation.models import User

from . import services
from .models import ClockName, Complaint, Step

# Where in the 8D a complaint stands, by status (the register's "step" filter).
STEP_OF_STATUS = {
    Complaint.Status.REGISTERED: Step.D0,
    Complaint.Status.ACKNOWLEDGED: Step.D3,
    Complaint.Status.CONTAINED: Step.D4,
    Complaint.Status.ANALYSED: Step.D5,
    Complaint.Status.ACTIONS_ANSWERED: Step.D6,
    Complaint.Status.ANSWERED: Step.D8,
    Complaint.Status.ACCEPTED: Step.D8,
}


def complaints_visible_to(user) -> QuerySet[Complaint]:
    return access.visible(user, Complaint.objects.all())


def with_register_columns(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """What a register row shows: customer, owner, category and the clocks, in few queries.
    The clocks go to a list (`Complaint.loaded_clocks`): prefetched into `clocks.all()`,
    Django built a filtered queryset per complaint, a third of the register page's time."""
    return queryset.select_related(
        "customer", "owner", "defect_category", "department"
    ).prefetch_related(
        Prefetch("clocks", queryset=Clock.objects.order_by("due_at"), to_attr="clock_list")
    )


def complaint_for_user_or_404(user, number: str) -> Complaint:
    """The complaint with what every page of it shows. Five joins, not nine: PostgreSQL plans
    each more table of one statement (nine joins took 3.5 ms to plan, four 0.4 ms); the people
    who received and acknowledged it come in one more query, the rest when shown."""
    joined = Complaint.objects.select_related(
        "customer", "owner", "department", "defect_category", "sla_policy"
    )
    complaint = access.get_visible_or_404(user, joined, number=number)
    ids = {complaint.received_by_id, complaint.acknowledged_by_id} - {None}
    people = User.objects.in_bulk(ids) if ids else {}
    complaint.received_by = people.get(complaint.received_by_id)
    complaint.acknowledged_by = people.get(complaint.acknowledged_by_id)
    return services.mark_seen(user, complaint)


def overdue_q(now=None) -> Q:
    """Complaints with a running clock past its due time."""
    now = now or timezone.now()
    late = Clock.objects.filter(
        complaint=OuterRef("pk"), done_at=None, paused_at=None, due_at__lt=now
    )
    return Q(Exists(late))


def ordered_clocks(complaint: Complaint, clocks: list[Clock] | None = None) -> list[Clock]:
    """The complaint's clocks in procedure order (`clocks`: already loaded ones)."""
    order = {name: index for index, name in enumerate(ClockName.values)}
    clocks = complaint.loaded_clocks if clocks is None else clocks
    clocks = sorted(clocks, key=lambda clock: order.get(clock.name, 99))
    # Each clock's name label reads its content type: give them the cached one instead of
    # one query per clock.
    complaint_type = ContentType.objects.get_for_model(Complaint)
    for clock in clocks:
        if clock.content_type_id == complaint_type.pk:
            clock.content_type = complaint_type
    return clocks


def answers_sent(complaint: Complaint) -> list:
    """The answers sent to the customer, oldest first, with the people and contacts they name.
    Those come in two more queries when there are answers: joined, they made the query of a
    complaint without any three times as costly (most complaints, until they are answered)."""
    sent = list(complaint.answers.defer("snapshot").order_by("version_number"))
    people = User.objects.in_bulk(
        ({a.sent_by_id for a in sent} | {a.verdict_by_id for a in sent}) - {None}
    )
    contacts = Contact.objects.in_bulk(
        ({a.sent_to_id for a in sent} | {a.verdict_contact_id for a in sent}) - {None}
    )
    for answer in sent:
        answer.sent_by = people.get(answer.sent_by_id)
        answer.verdict_by = people.get(answer.verdict_by_id)
        answer.sent_to = contacts.get(answer.sent_to_id)
        answer.verdict_contact = contacts.get(answer.verdict_contact_id)
    return sent


def customer_report_form(customer):
    """The customer's own 8D form, if an administrator mapped one and it is active."""
    from .models import CustomerReportForm

    return (
        CustomerReportForm.objects.filter(customer=customer, is_active=True)
        .prefetch_related("cells")
        .first()
    )
