import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError, ConcurrentEditError
from cqms.customers import services
from cqms.customers.models import Customer

from .factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user("sun.li", roles=["sales_manager"], department="sales")


def test_editing_a_customer_name_records_old_and_new_value(manager):
    customer = make_customer(manager, "C100", name="旧名称有限公司")
    services.update_customer(
        customer, {"name": "新名称有限公司"}, actor=manager, expected_version=1, reason="更名"
    )
    entry = AuditEntry.objects.filter(record_type="customers.customer", action="update").get()
    assert entry.actor == manager
    assert entry.reason == "更名"
    assert entry.changes == [{"field": "name", "old": "旧名称有限公司", "new": "新名称有限公司"}]
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("新名称有限公司", 2)


def test_creation_is_audited_with_every_initial_value(manager):
    customer = make_customer(manager, "C101", grade="A")
    entry = AuditEntry.objects.get(record_type="customers.customer", record_id=str(customer.pk))
    values = {change["field"]: change["new"] for change in entry.changes}
    assert entry.action == "create"
    assert values["code"] == "C101"
    assert values["grade"] == "A"
    assert values["owner"] == str(manager.pk)


def test_stale_version_is_refused_and_nothing_is_overwritten(manager, make_user):
    colleague = make_user("zhou.ming", roles=["sales_manager"], department="sales")
    customer = make_customer(manager, "C102", name="甲")
    mine = Customer.objects.get(pk=customer.pk)
    theirs = Customer.objects.get(pk=customer.pk)
    services.update_customer(theirs, {"name": "乙"}, actor=colleague, expected_version=1)
    with pytest.raises(ConcurrentEditError) as error:
        services.update_customer(mine, {"name": "丙"}, actor=manager, expected_version=1)
    assert str(colleague) in str(error.value.message)
    assert Customer.objects.get(pk=customer.pk).name == "乙"
    assert AuditEntry.objects.filter(action="update").count() == 1


def test_duplicate_code_is_a_field_error(manager):
    make_customer(manager, "C103")
    with pytest.raises(ValidationError) as error:
        make_customer(manager, "c103")
    assert "code" in error.value.message_dict


def test_voiding_needs_a_reason_and_blocks_further_changes(manager):
    customer = make_customer(manager, "C104")
    with pytest.raises(ValidationError):
        services.void_customer(customer, actor=manager, reason=" ", expected_version=1)
    services.void_customer(customer, actor=manager, reason="客户已倒闭", expected_version=1)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.VOIDED
    assert AuditEntry.objects.filter(action="void", reason="客户已倒闭").exists()
    with pytest.raises(BusinessRuleError):
        services.update_customer(customer, {"grade": "A"}, actor=manager, expected_version=2)


def test_staff_without_permission_cannot_create_or_change(manager, make_user):
    staff = make_user("huang.wei", roles=["staff"], department="sales")
    customer = make_customer(manager, "C105")
    with pytest.raises(PermissionDenied):
        make_customer(staff, "C106")
    with pytest.raises(PermissionDenied):
        services.update_customer(customer, {"grade": "C"}, actor=staff, expected_version=1)


def test_bulk_change_writes_one_entry_per_customer_in_one_transaction(manager):
    customers = [make_customer(manager, f"C2{i:02d}", grade="B") for i in range(5)]
    count = services.bulk_update_customers(customers, {"grade": "A"}, actor=manager)
    assert count == 5
    assert Customer.objects.filter(grade="A").count() == 5
    assert AuditEntry.objects.filter(action="update", record_type="customers.customer").count() == 5


def test_bulk_change_is_all_or_nothing(manager, make_user):
    other_manager = make_user("qian.hui", roles=["sales_manager"], department="quality")
    mine = make_customer(manager, "C301")
    foreign = make_customer(other_manager, "C302")
    with pytest.raises(PermissionDenied):
        services.bulk_update_customers([mine, foreign], {"grade": "C"}, actor=manager)
    assert Customer.objects.filter(grade="C").count() == 0


def test_a_new_document_revision_supersedes_the_current_one(manager, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    customer = make_customer(manager, "C400")
    pdf = b"%PDF-1.4\n%test\n"
    first = services.add_document(
        customer,
        {"doc_type": "drawing", "title": "Housing", "document_number": "D-1", "revision": "A"},
        SimpleUploadedFile("housing-a.pdf", pdf),
        actor=manager,
    )
    second = services.add_document(
        customer,
        {"doc_type": "drawing", "title": "Housing", "document_number": "D-1", "revision": "B"},
        SimpleUploadedFile("housing-b.pdf", pdf),
        actor=manager,
    )
    first.refresh_from_db()
    assert first.status == "superseded"
    assert second.status == "current"
    assert second.original_filename == "housing-b.pdf"
    assert "housing" not in second.file.name  # stored under a random name


def test_a_file_whose_content_lies_about_its_type_is_refused(manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    customer = make_customer(manager, "C401")
    fake = SimpleUploadedFile("drawing.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError):
        services.add_document(customer, {"doc_type": "drawing", "title": "X"}, fake, actor=manager)
    assert customer.documents.count() == 0


def test_checking_a_portal_moves_its_next_due_date(manager):
    import datetime as dt

    from django.utils import timezone

    customer = make_customer(manager, "C500")
    portal = services.add_portal(
        customer,
        {
            "name": "SRM",
            "url": "https://srm.example.com/",
            "account_owner": manager,
            "check_frequency": "weekly",
        },
        actor=manager,
    )
    assert portal.next_check_due == timezone.localdate()
    services.record_portal_check(portal, actor=manager)
    portal.refresh_from_db()
    assert portal.next_check_due == timezone.localdate() + dt.timedelta(days=7)
    assert AuditEntry.objects.filter(action="customers.portal_checked").count() == 1


def test_a_customer_without_code_gets_the_next_customer_number(manager):
    first = services.create_customer({"name": "甲有限公司"}, actor=manager)
    second = services.create_customer({"name": "乙有限公司"}, actor=manager)
    assert (first.code, second.code) == ("C00001", "C00002")
