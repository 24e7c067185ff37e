"""`manage.py demo` fills every page: one user per role, customers with their records, complaints
in every state of their 8D with answers, verdicts, approvals and notifications."""

import datetime as dt
import io
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cqms.approvals import selectors as approvals
from cqms.approvals.models import Signature
from cqms.audit import codes
from cqms.audit.models import AuditEntry
from cqms.clocks import services as clocks
from cqms.complaints import eightd
from cqms.complaints.models import Action, Complaint, VerdictLink
from cqms.customers.models import Customer
from cqms.demo.legacy import LEGACY_REFERENCE
from cqms.demo.management.commands.demo import DEMO_PASSWORD, USERS
from cqms.notifications.models import Notification
from cqms.organisation import access
from cqms.organisation.models import Role, User

pytestmark = pytest.mark.django_db
DEMO_FILES = {}  # where the demo's uploads are stored


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the module inside a transaction rolled back at its end; each
    test runs in its own savepoint within it (the demo takes seconds, the tests milliseconds)."""
    files = tmp_path_factory.mktemp("demo-files")
    DEMO_FILES["dir"] = files
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": files, "base_url": None},
        },
    }
    output = io.StringIO()
    with (
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            STORAGES=storages,
            FILES_DIR=files,
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        call_command("demo", if_empty=True, stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded):
    return loaded


def page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def test_demo_prints_a_login_for_every_role(demo):
    assert DEMO_PASSWORD in demo
    assert User.objects.filter(username__in=[u[0] for u in USERS]).count() == len(USERS)
    assert set(Role.objects.filter(users__isnull=False).values_list("code", flat=True)) == set(
        Role.objects.values_list("code", flat=True)
    )
    for username, *_ in USERS:
        assert f"    {username} " in demo


def test_demo_loads_customers_and_complaints_once(demo, capsys):
    assert Customer.objects.count() >= 10
    assert Customer.objects.exclude(country="中国").exists()
    complaints = Complaint.objects.count()
    call_command("demo", if_empty=True)
    assert Customer.objects.count() >= 10 and Customer.objects.count() < 20
    assert Complaint.objects.count() == complaints


def test_every_demo_change_is_audited_with_a_known_action_and_the_chain_holds(demo, capsys):
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {action for action in actions if not codes.known(action)} == set()
    customers = AuditEntry.objects.filter(record_type="customers.customer", action="create")
    assert customers.count() == Customer.objects.count()
    users = AuditEntry.objects.filter(record_type="organisation.user", action="create")
    assert users.count() == len(USERS)
    roles = AuditEntry.objects.filter(record_type="organisation.user", action="update")
    assert all(entry.changes[0]["field"] == "roles" for entry in roles)
    assert not any("pbkdf2" in str(entry.changes) for entry in users)  # passwords stay out
    registered = AuditEntry.objects.filter(record_type="complaints.complaint", action="create")
    assert registered.count() == Complaint.objects.filter(revision=0).count()
    call_command("audit_verify")
    assert "the chain is intact" in capsys.readouterr().out


def worked():
    """The demo's complaints worked in CQMS, not those imported from the old register."""
    return Complaint.objects.exclude(customer_reference__startswith=LEGACY_REFERENCE)


def test_the_old_register_is_imported_closed_with_its_dates(demo):
    legacy = Complaint.objects.filter(customer_reference__startswith=LEGACY_REFERENCE)
    assert legacy.count() == 18 and set(legacy.values_list("status", flat=True)) == {"closed"}
    assert all(c.closed_at > c.received_at for c in legacy)
    entries = AuditEntry.objects.filter(action="complaints.closed_on_import", source="import")
    assert entries.count() == 18


def test_demo_complaints_span_fourteen_months_and_every_state(demo):
    now = timezone.now()
    originals = worked().filter(revision=0)
    assert 10 <= originals.count() <= 15
    assert originals.filter(received_at__lt=now - dt.timedelta(days=365)).exists()
    assert not Complaint.objects.filter(received_at__gt=now).exists()
    assert {c.status for c in Complaint.objects.all()} >= {
        "registered",
        "contained",
        "analysed",
        "answered",
        "accepted",
        "closed",
        "reopened",
    }
    assert {c.received_by.username for c in originals} >= {"sales", "cs"}
    assert originals.filter(owner__username="qe").count() > originals.count() // 2
    assert originals.filter(severity="urgent").exists()
    # nobody acknowledged the newest ones yet: one of them is already late for its containment
    waiting = Complaint.objects.filter(status="registered", revision=0)
    assert any(clocks.get_clock(c, "containment").overdue for c in waiting)
    # a repeat of a closed complaint, a major one with its quality investigation
    repeat = worked().get(is_repeat=True)
    assert repeat.repeat_of.get().status == "closed"
    major = Complaint.objects.get(major=True)
    assert major.investigation.findings
    # rejected through the customer's link and reopened as <number>-1
    reopened = Complaint.objects.get(revision=1)
    assert reopened.number == f"{reopened.parent.number}-1"
    rejected = reopened.parent.answers.get()
    assert rejected.verdict == "rejected" and rejected.rejection_reason
    # closed with the customer's acceptance and the quality manager's signature
    closed = worked().filter(status="closed")
    assert closed.count() == 2
    for complaint in closed:
        assert complaint.answers.get().verdict == "accepted"
        assert Signature.objects.filter(object_id=complaint.pk, kind=eightd.CLOSURE_KIND).exists()
        assert clocks.get_clock(complaint, "corrective_action").met


def test_the_customer_opens_the_printed_verdict_link(demo, client):
    waiting = Complaint.objects.get(status="answered")
    assert VerdictLink.objects.filter(answer__complaint=waiting, used_at=None).exists()
    url = re.search(r"https?://\S+/complaints/verdict/\S+/", demo).group(0)
    assert waiting.number in demo
    response = client.get(urlsplit(url).path, follow=True)
    assert waiting.number in response.content.decode()


@pytest.mark.parametrize("username", ["qe", "qm", "gm", "sales", "cs"])
def test_complaint_pages_have_content_for_the_demo_users(demo, client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    visible = access.visible(user, Complaint.objects.all())
    assert access.visible(user, worked()).count() >= 2
    register = page(client, "complaints:register")
    for complaint in visible.order_by("-received_at")[:25]:  # the first page
        assert complaint.number in register
    statistics = page(client, "complaints:statistics")
    received = visible.filter(revision=0).count()  # the imported history is within 24 months
    assert f'data-kpi="total">{received}<' in statistics
    detail = access.visible(user, worked()).filter(revision=0).order_by("-version").first()
    html = page(client, "complaints:detail", detail.number)
    assert escape(detail.defect_description) in html
    if username != "cs":  # customer service's complaints have no actions yet
        action = Action.objects.filter(
            complaint__in=visible, complaint__status__in=Complaint.OPEN_STATUSES
        ).first()
        tracking = page(client, "complaints:tracking")
        assert escape(action.description) in tracking
        assert action.complaint.number in tracking


def test_my_approvals_has_the_closure_for_the_quality_manager_and_the_waiver_for_the_gm(
    demo, client
):
    closure = Complaint.objects.get(status="accepted")
    waiver = Complaint.objects.exclude(preventive_waiver_reason="").get()
    for username, complaint, kind in (
        ("qm", closure, eightd.CLOSURE_KIND),
        ("gm", waiver, eightd.WAIVER_KIND),
    ):
        user = User.objects.get(username=username)
        instance = approvals.latest_instance(complaint, kind)
        assert approvals.pending_tasks(instance)[0].assignee == user
        client.force_login(user)
        html = page(client, "approvals:mine")
        assert 'data-count="todo">1<' in html
        assert complaint.number in html
    client.force_login(User.objects.get(username="qm"))
    done = client.get(reverse("approvals:mine"), {"tab": "done"}).content.decode()
    for complaint in worked().filter(status="closed"):
        assert complaint.number in done  # the closures the quality manager signed


@pytest.mark.parametrize("username", ["qe", "qm", "gm", "sales", "head"])
def test_the_inbox_has_notifications_for_the_demo_users(demo, client, username):
    user = User.objects.get(username=username)
    entries = Notification.objects.filter(recipient=user)
    assert entries.exists()
    client.force_login(user)
    html = page(client, "notifications:inbox")
    newest = entries.order_by("-created_at", "-pk").first()
    assert escape(newest.title) in html


@pytest.mark.parametrize("username", ["admin", "sm", "sales", "qe", "staff"])
def test_every_page_has_content_for_the_demo_users(demo, client, username):
    client.force_login(User.objects.get(username=username))
    customer = Customer.objects.filter(owner__username="sales").first()
    pages = [
        "home",
        "customers:list",
        "customers:portals",
        "organisation:chart",
        "organisation:profile",
        "workdays:calendar",
        "jobs:list",
    ]
    for name in pages:
        response = client.get(reverse(name))
        assert response.status_code in (200, 403), (name, response.status_code)
    if username in ("admin", "sm", "sales", "qe"):
        detail = client.get(reverse("customers:detail", args=[customer.pk]))
        assert customer.name in detail.content.decode()
    home = client.get(reverse("home")).content.decode()
    if username == "sales":
        assert "SRM" in home  # a supplier portal is due for the demo salesperson
    if username == "qe":
        action = (
            Action.objects.filter(
                owner__username="qe", status="open", complaint__status__in=Complaint.OPEN_STATUSES
            )
            .order_by("due_date")
            .first()
        )
        assert action.complaint.number in home  # "My complaint actions"


@pytest.mark.parametrize("username", ["qm", "admin"])
def test_the_audit_trail_shows_every_demo_entry_with_a_link_to_its_record(demo, client, username):
    """Every kind of entry the demo writes is drawn on the whole-trail page, page after page,
    each linked to the page of the record it belongs to."""
    client.force_login(User.objects.get(username=username))
    pages = {"complaints.complaint": Complaint, "customers.customer": Customer}
    shown, linked, before = set(), set(), None
    while True:
        response = client.get(reverse("audit:trail"), {"before": before} if before else {})
        assert response.status_code == 200
        for item in response.context["entries"]:
            entry = item["entry"]
            shown.add(entry.pk)
            if entry.root_type in pages:
                record = pages[entry.root_type].objects.get(pk=entry.root_id)
                assert item["url"] == record.get_absolute_url(), entry
                assert f'href="{item["url"]}"' in response.content.decode()
                linked.add(entry.root_type)
        before = response.context["next_before"]
        if not before:
            break
    assert shown == set(AuditEntry.objects.values_list("pk", flat=True))
    assert linked == set(pages)


def test_every_record_history_of_the_demo_renders(demo, client):
    client.force_login(User.objects.get(username="admin"))
    for complaint in Complaint.objects.all():
        response = client.get(reverse("complaints:history", args=[complaint.number]))
        assert response.status_code == 200 and "data-audit-id" in response.content.decode()
    for customer in Customer.objects.all():
        response = client.get(reverse("customers:history", args=[customer.pk]))
        assert response.status_code == 200


def test_the_demos_closed_complaint_of_huadong_is_produced_in_its_own_8d_form(
    demo, client, settings
):
    import openpyxl

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": DEMO_FILES["dir"], "base_url": None},
        },
    }
    from cqms.complaints import example_form

    customer = Customer.objects.get(short_name="华东汽车")
    assert customer.supplier_code and customer.report_form.cells.count() == len(example_form.CELLS)
    closed = Complaint.objects.get(
        customer=customer, status="closed", steps__step="d8", steps__status="done"
    )
    client.force_login(User.objects.get(username="qm"))
    response = client.get(reverse("complaints:report_form", args=[closed.number]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))[example_form.SHEET]
    assert sheet["C4"].value == closed.number and sheet["G3"].value == customer.supplier_code
    assert sheet["C3"].value == "苏州精工汽车部件有限公司"
    assert sheet["F31"].value  # the quality manager's approval of the closure
