"""Electronic signatures: password at signing, lockout, manifestation, content binding and
tamper evidence (shared/reliability.md S1–S5, S8)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cqms.approvals import selectors, services, signing
from cqms.approvals.models import ApprovalInstance, ApprovalTask, Signature
from cqms.approvals.registry import Approver, NodeSpec
from cqms.approvals.signing import SignatureInput
from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError
from cqms.customers import services as customer_services
from cqms.customers.tests.factories import make_customer
from cqms.notifications.models import Notification
from cqms.organisation import services as org_services

from .kinds import KIND

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-Horse-42"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def signing_request(path="/approvals/"):
    return RequestFactory().post(path, REMOTE_ADDR="10.0.0.7")


def entry(password=PASSWORD, meaning="approved", **extra):
    return SignatureInput(password=password, meaning=meaning, request=signing_request(), **extra)


@pytest.fixture
def signed_flow(use_flow):
    use_flow(
        [
            NodeSpec(
                "Quality manager",
                [Approver.role("quality_manager")],
                signature=True,
                meaning="reviewed",
            )
        ]
    )


@pytest.fixture
def instance(signed_flow, people, customer):
    return services.start(KIND, customer, actor=people["requester"])


def task_of(instance):
    return instance.tasks.get(status="pending")


def post_decision(client, task, *, action="approve", password=PASSWORD, username=None, **fields):
    data = {
        "action": action,
        "decide-version": task.version,
        "decide-comment": fields.pop("comment", ""),
        "decide-password": password,
        "decide-meaning": fields.pop("meaning", "approved"),
        **{f"decide-{k}": v for k, v in fields.items()},
    }
    if username is not None:
        data["decide-username"] = username
    return client.post(reverse("approvals:task", args=[task.pk]), data, **EN)


# --- Signing --------------------------------------------------------------------------------------


def test_the_right_password_signs_with_meaning_reason_and_content_hash(instance, people, customer):
    task = task_of(instance)
    services.approve(
        task, actor=people["qm"], comment="8D is complete", signature=entry(meaning="reviewed")
    )

    signature = Signature.objects.get()
    assert (signature.signer, signature.meaning, signature.reason) == (
        people["qm"],
        "reviewed",
        "8D is complete",
    )
    assert signature.signer_name == "吴强" and signature.record_version == customer.version
    assert signature.content_hash == signing.content_hash(customer, KIND)
    assert signing.verify(signature, customer) == signing.VALID
    assert ApprovalInstance.objects.get(pk=instance.pk).status == "approved"
    assert AuditEntry.objects.filter(action="approvals.signed", actor=people["qm"]).exists()

    (row,) = selectors.signature_rows(customer)
    assert row["name"] == "吴强" and row["meaning"] == "reviewed" and row["valid"] is True
    assert row["reason"] == "8D is complete"
    assert row["time_text"].endswith("+08:00")  # local time with its offset


def test_verify_uses_the_content_hash_the_caller_computed_once(
    instance, people, customer, django_assert_num_queries
):
    services.approve(task_of(instance), actor=people["qm"], signature=entry(meaning="reviewed"))
    signature = Signature.objects.get()
    current = signing.current_content(customer, KIND)

    with django_assert_num_queries(0):  # no second reading of the signed content
        assert signing.verify(signature, customer, current=current) == signing.VALID
    other = signing.Current("0" * 64)
    assert signing.verify(signature, customer, current=other) == signing.CHANGED


def test_a_node_with_a_signature_refuses_a_decision_without_one(instance, people):
    with pytest.raises(BusinessRuleError) as refused:
        services.approve(task_of(instance), actor=people["qm"])
    assert refused.value.code == "signature_required"
    with pytest.raises(ValidationError):
        services.approve(task_of(instance), actor=people["qm"], signature=entry(meaning="rejected"))
    assert not Signature.objects.exists()


def test_a_reason_is_required_where_the_node_says_so(use_flow, people, customer):
    use_flow(
        [
            NodeSpec(
                "GM waiver",
                [Approver.role("general_manager")],
                signature=True,
                reason_required=True,
            )
        ]
    )
    instance = services.start(KIND, customer, actor=people["requester"])
    with pytest.raises(ValidationError):
        services.approve(task_of(instance), actor=people["gm"], signature=entry())
    services.approve(
        task_of(instance),
        actor=people["gm"],
        comment="Single occurrence, no systemic cause",
        signature=entry(),
    )
    assert Signature.objects.get().reason == "Single occurrence, no systemic cause"


def test_a_rejection_is_signed_with_the_meaning_rejected(instance, people):
    services.reject(
        task_of(instance), actor=people["qm"], comment="Root cause not proven", signature=entry()
    )
    assert Signature.objects.get().meaning == "rejected"


def test_a_wrong_password_never_signs(instance, people):
    task = task_of(instance)
    with pytest.raises(signing.SignatureRefused):
        services.approve(task, actor=people["qm"], signature=entry(password="wrong-password-1"))
    assert not Signature.objects.exists()
    assert ApprovalTask.objects.get(pk=task.pk).status == "pending"
    # The refusal stays in the audit trail although the change was refused.
    assert AuditEntry.objects.filter(
        action="approvals.signature_refused", record_id=str(task.pk)
    ).exists()


def test_someone_elses_password_does_not_sign(instance, people):
    with pytest.raises(signing.SignatureRefused):
        services.approve(
            task_of(instance),
            actor=people["qm"],
            signature=entry(username="zhang.zong"),  # the GM's credentials on the QM's task
        )
    assert not Signature.objects.exists()


def test_wrong_passwords_are_throttled_by_the_lockout(client, instance, people, settings):
    client.force_login(people["qm"])
    task = task_of(instance)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = post_decision(client, task, password=f"wrong-{attempt}", username="wu.qiang")
        assert response.status_code == 200
    assert "Too many wrong passwords" in response.content.decode()
    # Locked: even the right password does not sign now.
    response = post_decision(client, task, username="wu.qiang")
    assert "Too many wrong passwords" in response.content.decode()
    assert not Signature.objects.exists()
    assert ApprovalTask.objects.get(pk=task.pk).status == "pending"
    assert (
        AuditEntry.objects.filter(action="approvals.signature_refused").count()
        == settings.AXES_FAILURE_LIMIT + 1
    )
    # The same lockout as the log-in page, and the administrators are told.
    client.logout()
    login = client.post(reverse("login"), {"username": "wu.qiang", "password": PASSWORD})
    assert login.status_code == 429
    assert Notification.objects.filter(
        event="signature_locked_out", recipient=people["admin"]
    ).exists()


def test_the_first_signature_of_a_session_asks_for_the_user_name(client, instance, people):
    client.force_login(people["qm"])
    task = task_of(instance)
    page = client.get(reverse("approvals:task", args=[task.pk]), **EN).content.decode()
    assert 'name="decide-username"' in page and 'name="decide-password"' in page
    response = post_decision(client, task)  # no user name
    assert response.status_code == 200 and not Signature.objects.exists()
    session_before = client.session.session_key
    response = post_decision(client, task, username="wu.qiang", meaning="verified")
    assert response.status_code == 302
    assert Signature.objects.get().meaning == "verified"
    assert client.session.session_key != session_before  # re-authentication rotates the session


def test_a_delegate_signs_as_themselves_on_behalf_of_the_approver(instance, people, make_user):
    deputy = make_user("deputy.qm", roles=["quality_engineer"], department="quality")
    org_services.delegate_work(
        delegator=people["qm"],
        delegate=deputy,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        reason="Leave",
        actor=people["qm"],
    )
    services.approve(
        task_of(instance),
        actor=deputy,
        signature=SignatureInput(password=PASSWORD, meaning="approved", request=signing_request()),
    )
    signature = Signature.objects.get()
    assert (signature.signer, signature.on_behalf_of) == (deputy, people["qm"])
    (row,) = selectors.signature_rows(instance.record)
    assert row["on_behalf_of"] == "吴强"


class CodeCard:
    """A one-time code provider as a later part would plug in."""

    def required_for(self, user):
        return user.username == "wu.qiang"

    def verify(self, user, code):
        return code == "246810"


def test_a_second_factor_plugs_into_signing(instance, people):
    signing.set_second_factor(CodeCard())
    try:
        with pytest.raises(signing.SignatureRefused):
            services.approve(task_of(instance), actor=people["qm"], signature=entry(otp="000000"))
        services.approve(task_of(instance), actor=people["qm"], signature=entry(otp="246810"))
    finally:
        signing.set_second_factor(None)
    assert Signature.objects.get().method == "password+otp"


# --- Binding and tamper evidence ------------------------------------------------------------------


@pytest.fixture
def signed(instance, people, customer):
    services.approve(task_of(instance), actor=people["qm"], comment="ok", signature=entry())
    customer.refresh_from_db()
    return Signature.objects.get()


def test_editing_the_signed_content_shows_the_signature_no_longer_matches(
    client, signed, people, customer
):
    customer_services.update_customer(
        customer,
        {"name": "改名后的客户"},
        actor=people["requester"],
        expected_version=customer.version,
    )
    (row,) = selectors.signature_rows(customer)
    assert row["valid"] is False and row["state"] == "changed"

    client.force_login(people["requester"])
    page = client.get(
        reverse("approvals:instance", args=[signed.instance_id]), **EN
    ).content.decode()
    assert 'data-signature-state="changed"' in page
    assert "no longer matches" in page


def test_editing_a_field_outside_the_signed_content_keeps_the_signature(signed, people, customer):
    customer_services.update_customer(
        customer,
        {"phone": "0512-12345678"},
        actor=people["requester"],
        expected_version=customer.version,
    )
    assert selectors.signature_rows(customer)[0]["valid"] is True


def test_tampering_with_a_signature_row_is_detected(signed, customer):
    Signature.objects.filter(pk=signed.pk).update(meaning="reviewed")  # a DBA edits the row
    (row,) = selectors.signature_rows(customer)
    assert row["state"] == "tampered" and row["valid"] is False


def test_a_signature_moved_to_another_record_does_not_match(signed, people):
    other = make_customer(
        people["requester"], "OTHER", owner=people["requester"], name=signed.record.name
    )
    Signature.objects.filter(pk=signed.pk).update(object_id=other.pk)
    assert signing.verify(Signature.objects.get(pk=signed.pk), other) == signing.TAMPERED


def test_the_record_panel_and_the_signature_partial_render(rf, signed, people, customer):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = people["requester"]
    html = Template(
        "{% load approvals %}{% approval_panel record %}{% signatures_for record %}"
    ).render(Context({"request": request, "record": customer, "csrf_token": "x"}))
    assert html.count('data-signature-state="valid"') == 2
    assert 'data-approval-status="approved"' in html
