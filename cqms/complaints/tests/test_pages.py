import pytest
from django.urls import reverse
from django.utils import timezone

from cqms.complaints.models import Complaint, DefectCategory, SlaPolicy

from .factories import register

pytestmark = pytest.mark.django_db


def test_register_page_shows_each_complaints_clocks_and_filters(client, sales, customer):
    urgent = register(sales, customer, severity="urgent", part_number="U-1")
    register(sales, customer, part_number="N-1")
    client.force_login(sales)
    html = client.get(reverse("complaints:register"), {"severity": "urgent"}).content.decode()
    assert urgent.number in html and "N-1" not in html
    assert 'data-clock="containment"' in html and 'data-state="overdue"' in html


def test_register_rows_show_flags_reference_and_reopen_count_escaped(client, sales, customer):
    flagged = register(sales, customer, part_number="F-1")
    Complaint.objects.filter(pk=flagged.pk).update(
        major=True,
        is_repeat=True,
        reopen_count=2,
        customer_reference="PO-7",
        defect_description="<b>毛刺</b> on edge",
    )
    plain = register(sales, customer, part_number="P-1", received_at=timezone.now())
    client.force_login(sales)
    html = client.get(reverse("complaints:register"), {"sort": "part_number"}).content.decode()
    rows = html.split("<tbody")[1].split("</tbody>")[0].split("<tr")[1:]
    assert "F-1" in rows[0] and "P-1" in rows[1]
    assert 'class="table-danger"' in rows[0] and "table-danger" not in rows[1]
    assert '<span class="badge text-bg-danger">重大</span>' in rows[0]
    assert 'title="重复发生">重复发生</span>' in rows[0] and "PO-7" in rows[0]
    assert '<span class="badge text-bg-secondary">2</span>' in rows[0]
    assert "&lt;b&gt;毛刺&lt;/b&gt;" in rows[0] and "<b>" not in html
    assert "重大" not in rows[1] and "重复发生" not in rows[1]
    assert "text-bg-secondary" not in rows[1]
    assert plain.get_absolute_url() in rows[1]


def test_a_single_flag_is_drawn_as_a_badge_not_escaped(client, sales, customer):
    only_major = register(sales, customer, part_number="M-1")
    only_repeat = register(sales, customer, part_number="R-1")
    Complaint.objects.filter(pk=only_major.pk).update(major=True)
    Complaint.objects.filter(pk=only_repeat.pk).update(is_repeat=True)
    client.force_login(sales)
    html = client.get(reverse("complaints:register"), {"sort": "part_number"}).content.decode()
    rows = html.split("<tbody")[1].split("</tbody>")[0].split("<tr")[1:]
    assert "M-1" in rows[0] and "R-1" in rows[1]
    assert '<span class="badge text-bg-danger">重大</span>' in rows[0]
    assert 'title="重复发生">重复发生</span>' in rows[1]
    assert "&lt;span" not in html


def test_the_register_says_when_nothing_matches(client, sales, customer):
    register(sales, customer, part_number="F-1")
    client.force_login(sales)
    html = client.get(reverse("complaints:register"), {"q": "nothing-like-this"}).content.decode()
    assert '<td colspan="11" class="text-body-secondary">没有符合筛选条件的客户抱怨。</td>' in html


def test_register_page_query_count_does_not_grow(
    client, sales, customer, django_assert_max_num_queries
):
    for i in range(20):
        register(sales, customer, part_number=f"Q-{i}")
    client.force_login(sales)
    with django_assert_max_num_queries(20):
        client.get(reverse("complaints:register"))


def test_intake_page_registers_with_photos(client, sales, customer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(sales)
    category = DefectCategory.objects.get(code="dimension")
    response = client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "received_at": "2026-11-20T09:30",
            "channel": "email",
            "complaint_type": "quality",
            "part_number": "P-55",
            "quantity_affected": "12",
            "defect_category": category.pk,
            "defect_description": "孔径超差",
            "severity": "normal",
            "detection_point": "incoming",
            "attachments": [SimpleUploadedFile("defect.png", b"\x89PNG\r\n\x1a\nxxxx")],
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == complaint.get_absolute_url()
    assert complaint.attachments.get().original_filename == "defect.png"


def test_intake_page_shows_recurrence_while_typing(client, sales, customer):
    earlier = register(sales, customer, part_number="R-1")
    client.force_login(sales)
    html = client.get(
        reverse("complaints:recurrence"),
        {
            "customer": customer.pk,
            "part_number": "R-1",
            "defect_category": earlier.defect_category_id,
        },
    ).content.decode()
    assert earlier.number in html and 'data-recurrence="found"' in html
    assert "12 个月" in html


def test_the_recurrence_panel_names_the_customers_window(client, sales, customer):
    policy = SlaPolicy.objects.get(is_default=True)
    policy.recurrence_window_months = 18
    policy.save()
    client.force_login(sales)
    html = client.get(
        reverse("complaints:recurrence"), {"customer": customer.pk, "part_number": "NEW-1"}
    ).content.decode()
    assert 'data-recurrence="none"' in html and "18 个月" in html


def test_detail_page_and_outsiders_get_404(client, sales, customer, make_user):
    complaint = register(sales, customer)
    client.force_login(sales)
    html = client.get(complaint.get_absolute_url()).content.decode()
    assert complaint.number in html and "外壳表面划伤" in html
    outsider = make_user("out", roles=["quality_engineer"], department="finance")
    # quality engineers see all complaints (their role's scope is "all"): use a staff member
    stranger = make_user("far", roles=["staff"], department="finance")
    client.force_login(stranger)
    assert client.get(complaint.get_absolute_url()).status_code == 404
    assert outsider.has_perm("complaints.view_complaint")


def test_acknowledge_button(client, sales, customer):
    complaint = register(sales, customer)
    client.force_login(sales)
    client.post(reverse("complaints:acknowledge", args=[complaint.number]))
    complaint.refresh_from_db()
    assert complaint.status == "acknowledged"


def test_secondary_forms_open_on_request_and_post_where_they_did(client, sales, customer, quality):
    """Hand-over, pause and cancel load when their panel opens (htmx), or on a page of their
    own without JavaScript; each posts to its transition as before."""
    complaint = register(sales, customer)
    client.force_login(quality)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert 'name="reason"' not in page  # none of the three is drawn with the page
    for name, action in (("hand-over", "hand_over"), ("pause", "pause")):
        url = reverse("complaints:panel_form", args=[complaint.number, name])
        assert f'hx-get="{url}"' in page
        fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
        assert f'action="{reverse(f"complaints:{action}", args=[complaint.number])}"' in fragment
        assert "<html" not in fragment
        assert "<html" in client.get(url).content.decode()  # without JavaScript: a page
    client.post(
        reverse("complaints:pause", args=[complaint.number]),
        {"clock": "containment", "reason": "等客户寄回样品"},
    )
    assert complaint.clocks.get(name="containment").paused_at is not None


def test_secondary_forms_follow_permission_scope_and_status(client, sales, customer, make_user):
    complaint = register(sales, customer)
    cancel = reverse("complaints:panel_form", args=[complaint.number, "cancel"])
    client.force_login(sales)  # registers complaints, may not cancel them
    assert client.get(cancel).status_code == 403
    assert "cancel" not in client.get(complaint.get_absolute_url()).content.decode().lower()
    stranger = make_user("far", roles=["staff"], department="finance")
    client.force_login(stranger)
    hand_over = reverse("complaints:panel_form", args=[complaint.number, "hand-over"])
    assert client.get(hand_over).status_code == 404
    client.force_login(sales)
    unknown = reverse("complaints:panel_form", args=[complaint.number, "x"])
    assert client.get(unknown).status_code == 404
    Complaint.objects.filter(pk=complaint.pk).update(status=Complaint.Status.CLOSED)
    assert 'name="to"' not in client.get(hand_over).content.decode()


def test_the_open_filter_matches_the_partial_index_of_open_complaints():
    """The register's "open" filter and the partial index name the same statuses, written
    into the SQL the same way: only then may a prepared statement's plan use the index."""
    from django.db import connection

    from cqms.complaints.filters import ComplaintFilter
    from cqms.complaints.models import OPEN_STATUS_CODES

    index = next(i for i in Complaint._meta.indexes if i.name == "complaint_open_recent_idx")
    assert OPEN_STATUS_CODES == list(Complaint.OPEN_STATUSES) == index.condition.children[0][1]
    editor = connection.SchemaEditorClass(connection, collect_sql=True)  # SQL only, no change
    index_sql = str(index.create_sql(Complaint, editor))
    codes = ", ".join(f"'{code}'" for code in OPEN_STATUS_CODES)
    assert f"IN ({codes})" in index_sql
    register = ComplaintFilter({"status": "open"}, queryset=Complaint.objects.all()).qs
    sql, params = register.query.sql_with_params()
    assert f"IN ({codes})" in sql and not params
