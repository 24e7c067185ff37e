"""Access decided in one place, checked for every URL (shared/reliability.md D8, P1–P2).

The matrix names every URL of CQMS. A new URL without an entry fails here until someone says
who may open it; every private URL must turn anonymous visitors away, and every object URL
must answer 404 to a user whose data scope does not include the object.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cqms.approvals.tests.kinds import MATRIX_KIND, matrix_objects
from cqms.complaints.tests.answering import matrix_verdict_token
from cqms.complaints.tests.eightd_factories import matrix_rows
from cqms.complaints.tests.factories import register
from cqms.customers import services
from cqms.customers.tests.factories import make_customer
from cqms.jobs.services import start_job
from cqms.notifications.tests.factories import any_channel, inbox_entry
from cqms.organisation import services as org_services

# The customer's private verdict pages need no account: the private link is their key.
PUBLIC = {"login", "set_language", "health", "complaints:verdict", "complaints:verdict_start"}

# url name -> kwargs builder from the objects fixture; None: the URL takes no arguments
MATRIX = {
    "home": None,
    "login": None,
    "logout": None,
    "password_change": None,
    "password_change_done": None,
    "set_language": None,
    "health": None,
    "organisation:profile": None,
    "organisation:api_token": None,
    "organisation:delegations": None,
    "organisation:revoke_delegation": lambda o: {"pk": o["delegation"].pk},
    "organisation:chart": None,
    "customers:list": None,
    "customers:create": None,
    "customers:bulk_change": None,
    "customers:portals": None,
    "customers:import": None,
    "customers:import_template": None,
    "customers:import_commit": lambda o: {"job_pk": o["job"].pk},
    "customers:export": None,
    "customers:detail": lambda o: {"pk": o["customer"].pk},
    "customers:edit": lambda o: {"pk": o["customer"].pk},
    "customers:void": lambda o: {"pk": o["customer"].pk},
    "customers:history": lambda o: {"pk": o["customer"].pk},
    "customers:document_add": lambda o: {"pk": o["customer"].pk},
    "customers:document_download": lambda o: {
        "pk": o["customer"].pk,
        "document_pk": o["document"].pk,
    },
    "customers:document_view": lambda o: {"pk": o["customer"].pk, "document_pk": o["document"].pk},
    "customers:document_thumbnail": lambda o: {
        "pk": o["customer"].pk,
        "document_pk": o["document"].pk,
    },
    "customers:document_void": lambda o: {"pk": o["customer"].pk, "document_pk": o["document"].pk},
    "customers:portal_checked": lambda o: {"pk": o["customer"].pk, "portal_pk": o["portal"].pk},
    "customers:child_add": lambda o: {"pk": o["customer"].pk, "kind": "contact"},
    "customers:child_edit": lambda o: {
        "pk": o["customer"].pk,
        "kind": "contact",
        "child_pk": o["contact"].pk,
    },
    "complaints:register": None,
    "complaints:create": None,
    "complaints:recurrence": None,
    "complaints:intake_contacts": None,
    "complaints:detail": lambda o: {"number": o["complaint"].number},
    "complaints:history": lambda o: {"number": o["complaint"].number},
    "complaints:attachment_download": lambda o: {
        "number": o["complaint"].number,
        "pk": o["complaint"].attachments.get().pk,
    },
    "complaints:attachment_view": lambda o: {
        "number": o["complaint"].number,
        "pk": o["complaint"].attachments.get().pk,
    },
    "complaints:attachment_thumbnail": lambda o: {
        "number": o["complaint"].number,
        "pk": o["complaint"].attachments.get().pk,
    },
    "complaints:panel_form": lambda o: {"number": o["complaint"].number, "name": "hand-over"},
    "complaints:acknowledge": lambda o: {"number": o["complaint"].number},
    "complaints:hand_over": lambda o: {"number": o["complaint"].number},
    "complaints:pause": lambda o: {"number": o["complaint"].number},
    "complaints:resume": lambda o: {"number": o["complaint"].number, "clock": "containment"},
    "complaints:cancel": lambda o: {"number": o["complaint"].number},
    "api:complaint-list": None,
    "api:complaint-detail": lambda o: {"number": o["complaint"].number},
    "complaints:export": None,
    "complaints:tracking": None,
    "complaints:tracking_export": None,
    "complaints:statistics": None,
    "complaints:statistics_export": None,
    "complaints:statistics_customers": None,
    "complaints:import": None,
    "complaints:import_template": None,
    "complaints:import_commit": lambda o: {"job_pk": o["job"].pk},
    "complaints:verdict": None,
    "complaints:verdict_start": lambda o: {"token": matrix_verdict_token(o)},
    "complaints:report_pdf": lambda o: {"number": o["complaint"].number},
    "complaints:report_xlsx": lambda o: {"number": o["complaint"].number},
    "complaints:report_form": lambda o: {"number": o["complaint"].number},
    "complaints:send_answer": lambda o: {"number": o["complaint"].number},
    "complaints:answer_pdf": lambda o: {"number": o["complaint"].number, "version": 1},
    "complaints:answer_xlsx": lambda o: {"number": o["complaint"].number, "version": 1},
    "complaints:answer_form": lambda o: {"number": o["complaint"].number, "version": 1},
    "complaints:create_link": lambda o: {"number": o["complaint"].number, "version": 1},
    "complaints:record_verdict": lambda o: {"number": o["complaint"].number, "version": 1},
    "complaints:eightd_step": lambda o: {"number": o["complaint"].number, "step": "d3"},
    "complaints:eightd_save": lambda o: {"number": o["complaint"].number, "step": "d2"},
    "complaints:eightd_complete": lambda o: {"number": o["complaint"].number, "step": "d0"},
    "complaints:eightd_start": lambda o: {"number": o["complaint"].number, "step": "d3"},
    "complaints:eightd_reopen": lambda o: {"number": o["complaint"].number, "step": "d0"},
    "complaints:eightd_not_applicable": lambda o: {"number": o["complaint"].number, "step": "d1"},
    "complaints:eightd_attach": lambda o: {"number": o["complaint"].number, "step": "d2"},
    "complaints:eightd_row_add": lambda o: {"number": o["complaint"].number, "kind": "team"},
    "complaints:eightd_grid": lambda o: {"number": o["complaint"].number, "kind": "containment"},
    "complaints:eightd_row_edit": lambda o: {
        "number": o["complaint"].number,
        "kind": "team",
        "pk": matrix_rows(o)["team"].pk,
    },
    "complaints:eightd_row_delete": lambda o: {
        "number": o["complaint"].number,
        "kind": "team",
        "pk": matrix_rows(o)["team"].pk,
    },
    "complaints:eightd_waiver": lambda o: {"number": o["complaint"].number},
    "complaints:eightd_investigation": lambda o: {"number": o["complaint"].number},
    "complaints:eightd_action": lambda o: {
        "number": o["complaint"].number,
        "pk": matrix_rows(o)["action"].pk,
    },
    "api:complaint-step": lambda o: {"number": o["complaint"].number, "step": "d3"},
    "api:complaint-step-complete": lambda o: {"number": o["complaint"].number, "step": "d0"},
    "notifications:inbox": None,
    "notifications:open": lambda o: {"pk": inbox_entry(o["owner"]).pk},
    "notifications:read": lambda o: {"pk": inbox_entry(o["owner"]).pk},
    "notifications:read_all": None,
    "notifications:preferences": None,
    "notifications:channels": None,
    "notifications:channel_create": None,
    "notifications:channel_detail": lambda o: {"pk": any_channel(o["owner"]).pk},
    "notifications:channel_edit": lambda o: {"pk": any_channel(o["owner"]).pk},
    "notifications:channel_test": lambda o: {"pk": any_channel(o["owner"]).pk},
    "approvals:mine": None,
    "approvals:task": lambda o: {"pk": matrix_objects(o)["approval_task"].pk},
    "approvals:instance": lambda o: {"pk": matrix_objects(o)["approval"].pk},
    "approvals:withdraw": lambda o: {"pk": matrix_objects(o)["approval"].pk},
    "approvals:urge": lambda o: {"pk": matrix_objects(o)["approval"].pk},
    "approvals:start": lambda o: {"kind": MATRIX_KIND, "object_id": o["customer"].pk},
    "workdays:calendar": None,
    "jobs:list": None,
    "jobs:check_worker": None,
    "jobs:detail": lambda o: {"pk": o["job"].pk},
    "jobs:download": lambda o: {"pk": o["job"].pk},
    "audit:trail": None,
    "organisation:user_search": None,
    "audit:export": None,
    "api:api-root": None,
    "api:customer-list": None,
    "api:customer-detail": lambda o: {"code": o["customer"].code},
    "api:customer-void": lambda o: {"code": o["customer"].code},
    "api:contact-list": None,
    "api:contact-detail": lambda o: {"pk": o["contact"].pk},
    "api:notification-list": None,
    "api:notification-detail": lambda o: {"pk": inbox_entry(o["owner"]).pk},
    "api:notification-read": lambda o: {"pk": inbox_entry(o["owner"]).pk},
    "api:notification-read-all": None,
    "api:schema": None,
    "api:docs": None,
}
# Object URLs that a colleague outside the owner's data scope must not reach.
SCOPED = [name for name, kwargs in MATRIX.items() if kwargs is not None and name not in PUBLIC]


def url_names(patterns=None, namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_has_an_entry_in_the_access_matrix():
    names = {name for name in url_names() if not name.startswith("admin:")}
    assert names - MATRIX.keys() == set(), "add the new URLs to MATRIX with their access rule"
    assert MATRIX.keys() - names == set(), "remove URLs that no longer exist from MATRIX"


@pytest.fixture
def objects(make_user):
    owner = make_user("owner", roles=["sales_manager"], department="sales")
    customer = make_customer(owner, "ACL1")
    contact = services.add_contact(customer, {"name": "张伟"}, actor=owner)
    document = services.add_document(
        customer,
        {"doc_type": "drawing", "title": "D"},
        SimpleUploadedFile("d.pdf", b"%PDF-1.4\n"),
        actor=owner,
    )
    portal = services.add_portal(
        customer,
        {"name": "SRM", "url": "https://srm.example.com/", "account_owner": owner},
        actor=owner,
    )
    delegation = org_services.delegate_work(
        delegator=owner,
        delegate=make_user("deputy", roles=["salesperson"]),
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2099, 1, 1),
        reason="",
        actor=owner,
    )
    job = start_job("customers.export", actor=owner, params={"format": "xlsx"})
    complaint = register_complaint(customer, owner)
    return {
        "owner": owner,
        "customer": customer,
        "contact": contact,
        "document": document,
        "portal": portal,
        "job": job,
        "delegation": delegation,
        "complaint": complaint,
    }


def register_complaint(customer, actor):
    photo = SimpleUploadedFile("ACL1.pdf", b"%PDF-1.4\n")
    return register(actor, customer, defect_description="ACL1 划伤", attachments=[photo])


def build(name, objects):
    kwargs = MATRIX[name]
    return reverse(name, kwargs=kwargs(objects) if kwargs else None)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(set(MATRIX) - PUBLIC))
def test_anonymous_visitors_are_turned_away(client, objects, name):
    url = build(name, objects)
    for method in (client.get, client.post):
        response = method(url)
        if name.startswith("api:"):
            assert response.status_code in (401, 403), (name, method)
        else:
            assert response.status_code == 302, (name, method, response.status_code)
            assert response["Location"].startswith(reverse("login")), name


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_urls_answer_without_login(client, objects, name):
    response = client.get(build(name, objects), follow=True)  # the verdict link redirects
    assert response.status_code in (200, 405), name


@pytest.mark.django_db
@pytest.mark.parametrize("name", SCOPED)
def test_colleagues_outside_the_scope_get_404(client, objects, make_user, name):
    # Same roles as the owner, other department: permissions yes, data scope no.
    outsider = make_user("outsider", roles=["sales_manager"], department="finance")
    client.force_login(outsider)
    url = build(name, objects)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code in (404, 405), (name, method, response.status_code)
        assert b"ACL1" not in response.content
