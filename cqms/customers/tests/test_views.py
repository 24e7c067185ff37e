import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqms.audit.models import AuditEntry
from cqms.customers.models import Customer

from .factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user("sun.li", roles=["sales_manager"], department="sales")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_list_searches_chinese_substrings_and_filters(manager_client, manager):
    make_customer(manager, "A1", name="华东汽车制造有限公司", classification="key")
    make_customer(manager, "A2", name="岭南电器有限公司", classification="normal")
    page = manager_client.get(reverse("customers:list"), {"q": "汽车"}).content.decode()
    assert "华东汽车制造有限公司" in page and "岭南电器有限公司" not in page
    page = manager_client.get(
        reverse("customers:list"), {"classification": "normal"}
    ).content.decode()
    assert "岭南电器有限公司" in page and "华东汽车制造有限公司" not in page


def test_htmx_filtering_returns_only_the_list_fragment(manager_client, manager):
    make_customer(manager, "A3")
    response = manager_client.get(reverse("customers:list"), {"q": "A3"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="list-results"')
    assert "<html" not in html


def test_list_is_paginated_and_sortable(manager_client, manager):
    for i in range(30):
        make_customer(manager, f"P{i:02d}")
    first = manager_client.get(reverse("customers:list")).content.decode()
    assert "P00" in first and "P29" not in first
    reverse_sorted = manager_client.get(
        reverse("customers:list"), {"sort": "-code"}
    ).content.decode()
    assert "P29" in reverse_sorted and "P00" not in reverse_sorted


def test_list_query_count_does_not_grow_with_rows(
    manager_client, manager, django_assert_max_num_queries
):
    for i in range(25):
        make_customer(manager, f"Q{i:02d}")
    with django_assert_max_num_queries(25):
        manager_client.get(reverse("customers:list"))


def test_voided_customers_are_hidden_unless_asked_for(manager_client, manager):
    from cqms.customers import services

    customer = make_customer(manager, "V1", name="作废客户")
    services.void_customer(customer, actor=manager, reason="重复录入", expected_version=1)
    assert "作废客户" not in manager_client.get(reverse("customers:list")).content.decode()
    shown = manager_client.get(reverse("customers:list"), {"status": "voided"}).content.decode()
    assert "作废客户" in shown


def test_create_page_saves_and_redirects_to_the_customer(manager_client):
    response = manager_client.post(
        reverse("customers:create"),
        {
            "code": "NEW1",
            "name": "新客户有限公司",
            "classification": "key",
            "grade": "A",
            "industry": "automotive",
            "document_language": "zh",
            "country": "中国",
            "status": "active",
        },
    )
    customer = Customer.objects.get(code="NEW1")
    assert response.status_code == 302 and response["Location"] == customer.get_absolute_url()
    assert customer.owner.username == "sun.li"
    assert AuditEntry.objects.filter(record_id=str(customer.pk), action="create").exists()


def test_create_page_shows_translated_field_errors(manager_client):
    response = manager_client.post(
        reverse("customers:create"), {"name": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert "必填项" in response.content.decode()
    assert Customer.objects.count() == 0


def test_edit_with_a_stale_version_shows_who_changed_it_and_keeps_the_input(
    manager_client, manager, make_user
):
    from cqms.customers import services

    colleague = make_user("zhou.ming", roles=["sales_manager"], department="sales")
    customer = make_customer(manager, "E1", name="原名")
    services.update_customer(customer, {"name": "同事改的"}, actor=colleague, expected_version=1)
    response = manager_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "version": 1,
            "code": "E1",
            "name": "我改的",
            "classification": "normal",
            "grade": "B",
            "industry": "automotive",
            "document_language": "zh",
            "country": "中国",
            "owner": manager.pk,
            "department": manager.department.pk,
            "status": "active",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert str(colleague) in html and "我改的" in html
    assert Customer.objects.get(pk=customer.pk).name == "同事改的"


def test_customer_outside_the_scope_answers_404(client, make_user, manager):
    customer = make_customer(manager, "S1")
    outsider = make_user("other", roles=["salesperson"], department="quality")
    client.force_login(outsider)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404
    assert client.get(reverse("customers:history", args=[customer.pk])).status_code == 404


def test_detail_shows_history_with_old_and_new_values(manager_client, manager):
    from cqms.customers import services

    customer = make_customer(manager, "H1", name="旧名")
    services.update_customer(customer, {"name": "新名"}, actor=manager, expected_version=1)
    html = manager_client.get(reverse("customers:history", args=[customer.pk])).content.decode()
    assert "旧名" in html and "新名" in html


def test_document_upload_and_download_through_the_checked_view(manager_client, manager):
    customer = make_customer(manager, "D1")
    response = manager_client.post(
        reverse("customers:document_add", args=[customer.pk]),
        {
            "doc_type": "quality_agreement",
            "title": "质量协议",
            "revision": "A",
            "upload": SimpleUploadedFile(
                "协议.pdf", b"%PDF-1.4\nhello\n", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    document = customer.documents.get()
    download = manager_client.get(
        reverse("customers:document_download", args=[customer.pk, document.pk])
    )
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_an_archive_file_changed_in_storage_is_not_served(manager_client, manager):
    from pathlib import Path

    from cqms.customers import services

    customer = make_customer(manager, "D2")
    document = services.add_document(
        customer,
        {"doc_type": "drawing", "title": "图纸"},
        SimpleUploadedFile("图纸.pdf", b"%PDF-1.4\nrev A\n"),
        actor=manager,
    )
    Path(document.file.path).write_bytes(b"%PDF-1.4\nrev B\n")
    url = reverse("customers:document_download", args=[customer.pk, document.pk])
    response = manager_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "“图纸.pdf” no longer matches the fingerprint" in response.content.decode()
    assert AuditEntry.objects.filter(
        action="files.download_refused", root_id=str(customer.pk), actor=manager
    ).exists()


def test_bulk_change_from_the_list(manager_client, manager):
    a, b = make_customer(manager, "B1"), make_customer(manager, "B2")
    manager_client.post(
        reverse("customers:bulk_change"),
        {
            "field": "classification",
            "classification": "key",
            "selection": [a.pk, b.pk],
        },
    )
    assert set(Customer.objects.values_list("classification", flat=True)) == {"key"}


def test_portal_due_today_is_on_the_owners_work_page(manager_client, manager):
    from cqms.customers import services

    customer = make_customer(manager, "W1")
    services.add_portal(
        customer,
        {
            "name": "Lakeshore SRM",
            "url": "https://srm.example.com/",
            "account_owner": manager,
            "check_frequency": "weekly",
        },
        actor=manager,
    )
    html = manager_client.get(reverse("home")).content.decode()
    assert "Lakeshore SRM" in html


def test_edit_page_saves_the_change_and_records_old_and_new(manager_client, manager):
    customer = make_customer(manager, "ED1", name="旧名称", grade="B")
    response = manager_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "version": 1,
            "code": "ED1",
            "name": "新名称",
            "name_en": "Test Customer ED1",
            "classification": "normal",
            "grade": "A",
            "industry": "automotive",
            "document_language": "zh",
            "country": "中国",
            "owner": manager.pk,
            "department": manager.department.pk,
            "status": "active",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.grade, customer.version) == ("新名称", "A", 2)
    entry = AuditEntry.objects.filter(record_id=str(customer.pk), action="update").get()
    assert {c["field"]: (c["old"], c["new"]) for c in entry.changes} == {
        "name": ("旧名称", "新名称"),
        "grade": ("B", "A"),
    }
