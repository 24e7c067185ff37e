"""The customer's private verdict link (shared/reliability.md §3.7): a hashed, expiring token
bound to one answered version, spent by the verdict, exchanged for a short session and a clean
address, guessing throttled; it reaches that one answer and nothing else."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cqms.complaints import answers
from cqms.complaints.models import Answer, Complaint, VerdictLink
from cqms.core.errors import BusinessRuleError

from .answering import answerable, contact, link, send
from .factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def answered(sales, customer, quality, member):
    complaint = answerable(sales, customer, quality, member)
    return send(complaint, sales)


@pytest.fixture
def who(customer, sales):
    return contact(customer, sales)


def open_link(client, token):
    """The first visit: the token is exchanged, the browser moves to the clean address."""
    response = client.get(reverse("complaints:verdict_start", args=[token]))
    return response


def test_the_token_is_long_random_and_stored_only_as_a_hash(answered, sales, who):
    token = link(answered, sales, who)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    stored = VerdictLink.objects.get()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(VerdictLink.objects.values())
    assert stored.expires_at > timezone.now() + dt.timedelta(days=13)


def test_the_link_opens_a_clean_page_with_the_answer_and_leaks_no_referrer(
    client, answered, sales, who
):
    token = link(answered, sales, who)
    first = open_link(client, token)
    assert first.status_code == 302 and first["Location"] == reverse("complaints:verdict")
    assert first["Referrer-Policy"] == "no-referrer"
    page = client.get(first["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and token not in html
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    assert answered.complaint.number in html and "外壳表面划伤" in html
    assert 'name="verdict"' in html
    pdf = client.get(reverse("complaints:verdict"), {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"


def test_the_contact_rejects_with_a_reason_and_the_link_is_spent(client, answered, sales, who):
    token = link(answered, sales, who)
    open_link(client, token)
    refused = client.post(reverse("complaints:verdict"), {"verdict": "reject", "reason": ""})
    assert refused.status_code == 200 and Answer.objects.get().verdict == ""
    done = client.post(
        reverse("complaints:verdict"),
        {"verdict": "reject", "reason": "5Why 分析不到位", "containment_rejected": "on"},
    )
    assert done.status_code == 200 and 'data-verdict-done="rejected"' in done.content.decode()
    answer = Answer.objects.get()
    assert (answer.verdict, answer.verdict_contact, answer.verdict_by) == ("rejected", who, None)
    assert answer.containment_rejected
    child = Complaint.objects.get(number=f"{answered.complaint.number}-1")
    assert child.clocks.filter(name="containment").exists()
    assert VerdictLink.objects.get().used_at is not None
    # spent: neither the session nor the token work again
    assert client.get(reverse("complaints:verdict")).status_code == 200  # the neutral page
    again = open_link(client, token)
    assert again.status_code == 410 and "5Why" not in again.content.decode()


def test_the_contact_accepts(client, answered, sales, who):
    open_link(client, link(answered, sales, who))
    client.post(reverse("complaints:verdict"), {"verdict": "accept"})
    complaint = Complaint.objects.get(pk=answered.complaint_id)
    assert complaint.status == Complaint.Status.ACCEPTED


def test_an_expired_link_is_refused(client, answered, sales, who):
    token = link(answered, sales, who, days=1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        response = open_link(client, token)
    assert response.status_code == 410
    assert answered.complaint.number not in response.content.decode()


def test_the_session_ends_with_the_link(client, answered, sales, who):
    token = link(answered, sales, who, days=1)
    open_link(client, token)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        response = client.get(reverse("complaints:verdict"))
    assert response.status_code == 410  # the short session is over


def test_a_wrong_token_is_refused_without_details(client, answered, sales, who):
    link(answered, sales, who)
    response = open_link(client, "x" * 43)
    assert response.status_code == 404
    assert answered.complaint.number not in response.content.decode()


def test_guessing_is_throttled(client, answered, sales, who):
    token = link(answered, sales, who)
    for i in range(20):
        assert open_link(client, f"guess-{i:02d}-" + "y" * 30).status_code == 404
    assert open_link(client, "z" * 43).status_code == 429
    assert open_link(client, token).status_code == 429  # even a right one, for a while


def test_a_staff_verdict_spends_the_link(client, answered, sales, who):
    token = link(answered, sales, who)
    answers.record_verdict(answered, accepted=True, actor=sales)
    assert open_link(client, token).status_code == 410


def test_a_new_link_replaces_the_earlier_one(client, answered, sales, who):
    first = link(answered, sales, who)
    second = link(answered, sales, who)
    assert open_link(client, first).status_code == 410
    assert open_link(client, second).status_code == 302


def test_a_link_of_another_version_is_refused(client, sales, customer, quality, who, member):
    complaint = answerable(sales, customer, quality, member)
    first = send(complaint, sales)
    old_token = link(first, sales, who)
    child = answers.record_verdict(first, accepted=False, reason="不接受", actor=sales)
    from .test_answers import complete_again

    complete_again(child, quality, sales)
    second = send(child, sales)
    assert second.version_number == 2
    response = open_link(client, old_token)
    assert response.status_code == 410
    assert child.number not in response.content.decode()
    with pytest.raises(BusinessRuleError):
        link(first, sales, who)  # no new link to a version that has its verdict
    new_token = link(second, sales, who)
    open_link(client, new_token)
    page = client.get(reverse("complaints:verdict")).content.decode()
    assert child.number in page and 'data-answer-version="2"' in page


def test_the_page_shows_that_one_answer_and_nothing_else(client, answered, sales, who, customer):
    other = register(
        sales, customer, part_number="OTHER-9", defect_description="其他投诉的秘密内容"
    )
    open_link(client, link(answered, sales, who))
    html = client.get(reverse("complaints:verdict")).content.decode()
    assert "其他投诉的秘密内容" not in html and other.number not in html
    # the session opens no staff page
    response = client.get(reverse("complaints:detail", args=[answered.complaint.number]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("complaints:register")).status_code == 302


def test_the_page_speaks_the_customers_language(client, sales, customer, quality, member, who):
    customer.document_language = "en"
    customer.save(update_fields=["document_language"])
    answer = send(answerable(sales, customer, quality, member), sales)
    assert answer.language == "en"
    open_link(client, link(answer, sales, who))
    html = client.get(reverse("complaints:verdict"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'lang="en"' in html and "Problem statement" in html


def test_without_a_session_the_page_asks_for_the_link(client):
    response = client.get(reverse("complaints:verdict"))
    assert response.status_code == 200 and 'data-verdict-page="200"' in response.content.decode()
    assert client.post(reverse("complaints:verdict"), {"verdict": "accept"}).status_code == 200
    assert not Answer.objects.exists()
