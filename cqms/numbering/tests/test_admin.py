import pytest
from django.urls import reverse

from cqms.audit.models import AuditEntry
from cqms.numbering import services
from cqms.numbering.models import NumberingRule

pytestmark = pytest.mark.django_db

FORM = {
    "record_type": "test-complaint",
    "prefix": "KS",
    "date_format": "yyyy",
    "separator": "-",
    "width": "4",
    "reset": "yearly",
    "is_active": "on",
}


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user("admin.wu", department=None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_administrator_creates_a_rule_and_it_is_audited(admin_client, complaint_type):
    response = admin_client.post(reverse("admin:numbering_numberingrule_add"), FORM)
    assert response.status_code == 302
    rule = NumberingRule.objects.get(record_type="test-complaint")
    entry = AuditEntry.objects.get(record_type="numbering.numberingrule", record_id=str(rule.pk))
    assert (entry.action, entry.actor.username) == ("create", "admin.wu")


def test_the_form_offers_registered_record_types_and_explains_the_pattern(
    admin_client, complaint_type
):
    page = admin_client.get(
        reverse("admin:numbering_numberingrule_add"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert '<option value="test-complaint">Complaint</option>' in page
    assert "yyyy is the year with four digits" in page


def test_the_change_page_previews_the_next_number(admin_client, complaint_type):
    services.next_number("test-complaint")
    rule = NumberingRule.objects.get()
    page = admin_client.get(
        reverse("admin:numbering_numberingrule_change", args=[rule.pk])
    ).content.decode()
    assert rule.preview() in page
    assert rule.preview().endswith("-0002")


def test_freezing_a_used_prefix_is_shown_on_the_form(admin_client, complaint_type):
    services.next_number("test-complaint")
    rule = NumberingRule.objects.get()
    response = admin_client.post(
        reverse("admin:numbering_numberingrule_change", args=[rule.pk]),
        {**FORM, "date_format": "yy"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "were already issued with another date part or reset" in response.content.decode()
    rule.refresh_from_db()
    assert rule.date_format == "yyyy"


def test_a_valid_change_is_saved_and_audited(admin_client, complaint_type):
    services.next_number("test-complaint")
    rule = NumberingRule.objects.get()
    response = admin_client.post(
        reverse("admin:numbering_numberingrule_change", args=[rule.pk]),
        {**FORM, "separator": "/", "width": "5"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.separator, rule.width, rule.version) == ("/", 5, 2)
    update = AuditEntry.objects.filter(record_id=str(rule.pk), action="update").get()
    assert {c["field"] for c in update.changes} == {"separator", "width"}


def test_rules_cannot_be_deleted(admin_client, complaint_type):
    services.next_number("test-complaint")
    rule = NumberingRule.objects.get()
    response = admin_client.get(reverse("admin:numbering_numberingrule_delete", args=[rule.pk]))
    assert response.status_code == 403


def test_people_without_admin_access_do_not_see_rules(client, make_user, complaint_type):
    client.force_login(make_user("li.na", department=None))
    response = client.get(reverse("admin:numbering_numberingrule_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
