"""Administrators edit the defect catalogue and SLA policies in the admin; rules are audited."""

import pytest
from django.urls import reverse

from cqms.audit.models import AuditEntry
from cqms.complaints.models import DefectCategory, SlaPolicy, SlaRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(make_user):
    return make_user("root", roles=["administrator"], is_staff=True, is_superuser=True)


def test_a_policy_with_its_rules_is_created_and_every_row_audited(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:complaints_slapolicy_add"),
        {
            "name": "华东汽车 CSR",
            "is_active": "on",
            "description": "",
            "recurrence_window_months": "24",
            "rules-TOTAL_FORMS": "1",
            "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
            "rules-0-clock": "containment",
            "rules-0-severity": "",
            "rules-0-complaint_type": "",
            "rules-0-basis": "calendar_hours",
            "rules-0-amount": "12",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = SlaPolicy.objects.get(name="华东汽车 CSR")
    assert policy.recurrence_window_months == 24
    rule = SlaRule.objects.get(policy=policy)
    entries = AuditEntry.objects.filter(action="create", actor_name=str(administrator))
    assert entries.filter(record_type="complaints.slapolicy", record_id=str(policy.pk)).exists()
    assert entries.filter(record_type="complaints.slarule", record_id=str(rule.pk)).exists()


def test_a_window_out_of_range_is_refused(client, administrator):
    client.force_login(administrator)
    policy = SlaPolicy.objects.get(is_default=True)
    url = reverse("admin:complaints_slapolicy_change", args=[policy.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "name": policy.name,
        "is_default": "on",
        "is_active": "on",
        "recurrence_window_months": "0",
        "rules-TOTAL_FORMS": "0",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert (
        response.status_code == 200
        and "recurrence_window_months" in response.context["adminform"].form.errors
    )
    policy.refresh_from_db()
    assert policy.recurrence_window_months == 12


def test_categories_are_switched_off_not_deleted(client, administrator):
    client.force_login(administrator)
    category = DefectCategory.objects.get(code="packaging")
    url = reverse("admin:complaints_defectcategory_delete", args=[category.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert DefectCategory.objects.filter(pk=category.pk).exists()
