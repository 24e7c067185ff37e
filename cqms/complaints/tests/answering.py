"""Complaints brought to the answer through the real services: 8D done up to D7, answer sent,
private links for the customer's contact."""

from __future__ import annotations

from cqms.complaints import answers
from cqms.complaints.models import Answer, Complaint
from cqms.customers import services as customer_services

from . import eightd_factories as f
from .factories import register


def answerable(sales, customer, quality, member, **values) -> Complaint:
    """A registered complaint whose 8D is done up to D7: the answer may be sent."""
    complaint = register(sales, customer, owner=quality, **values)
    return f.through_d7(complaint, quality, member)


def send(complaint: Complaint, actor, **values) -> Answer:
    answer = answers.send_answer(complaint, via=values.pop("via", "email"), actor=actor, **values)
    complaint.refresh_from_db()
    return answer


def contact(customer, actor, name="王经理", **values):
    return customer_services.add_contact(
        customer, {"name": name, "email": "wang@example.com", **values}, actor=actor
    )


def link(answer: Answer, actor, who, **values) -> str:
    return answers.create_verdict_link(answer, contact=who, actor=actor, **values)


def matrix_verdict_token(objects) -> str:
    """For the access matrix: a usable private link to an answered version of the fixture's
    complaint (its 8D done by a quality engineer, the answer sent by the owner)."""
    from cqms.organisation.tests.factories import make_user

    complaint = objects["complaint"]
    quality = make_user("acl.qe", roles=["quality_engineer"], department="quality")
    member = make_user("acl.member", roles=["staff"], department="production")
    f.through_d7(complaint, quality, member)
    answer = send(complaint, objects["owner"])
    return link(answer, objects["owner"], objects["contact"])
