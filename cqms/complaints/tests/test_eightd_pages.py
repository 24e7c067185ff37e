"""The 8D cards on the complaint page: saving a card with htmx, completing from the page with the
missing content named, the concurrent-save conflict, the grids and rows, the owner's action page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cqms.complaints import eightd, services
from cqms.complaints.models import EightDStep, Step

from . import eightd_factories as f
from .factories import register, repeated

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def member(make_user):
    return make_user("prod.sun", roles=["staff"], department="production")


@pytest.fixture
def complaint(sales, customer, quality):
    return register(sales, customer, owner=quality)


def url(name, complaint, **kwargs):
    return reverse(f"complaints:{name}", kwargs={"number": complaint.number, **kwargs})


def test_the_complaint_page_shows_nine_step_cards_and_opens_the_current_ones(
    client, complaint, quality
):
    f.save(complaint, "d2", {"what": "外壳划伤"}, quality)  # a draft: in progress
    client.force_login(quality)
    html = client.get(complaint.get_absolute_url()).content.decode()
    for step in Step.values:
        assert f'id="step-{step}"' in html
    # D0 (the first step not done) and D2 (in progress) are open; the others open on request.
    assert html.count("data-step-form") == 2
    assert html.count("data-open-step") == 7
    assert 'name="d0-version"' in html and 'name="d2-version"' in html
    assert "data-approval-panel" in html
    card = client.get(url("eightd_step", complaint, step="d5"), HTTP_HX_REQUEST="true")
    assert "data-step-form" in card.content.decode()


def test_sales_reads_the_8d_without_forms_and_cannot_post(client, complaint, quality, sales):
    f.save(complaint, "d0", {"symptom": "外壳划伤 NG"}, quality)
    client.force_login(sales)
    html = client.get(complaint.get_absolute_url()).content.decode()
    assert "外壳划伤 NG" in html and "data-step-form" not in html
    response = client.post(url("eightd_save", complaint, step="d0"), {"d0-version": "1"})
    assert response.status_code == 403


def test_saving_a_step_with_htmx_swaps_only_its_card(client, complaint, quality):
    client.force_login(quality)
    response = client.post(
        url("eightd_save", complaint, step="d2"),
        {"d2-version": "0", "d2-what": "P-1001 外壳划伤", "d2-owner": str(quality.pk)},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<section") and 'id="step-d2"' in html
    assert "data-card-message" in html and "P-1001 外壳划伤" in html
    step = EightDStep.objects.get(complaint=complaint, step="d2")
    assert (step.data["what"], step.owner, step.status) == (
        "P-1001 外壳划伤",
        quality,
        "in_progress",
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_complete_on_the_page_is_refused_naming_what_is_missing_and_keeps_the_input(
    client, complaint, quality, language
):
    client.force_login(quality)
    response = client.post(
        url("eightd_complete", complaint, step="d2"),
        {"d2-version": "0", "d2-what": "划伤", "d2-where": "来料检验"},
        HTTP_ACCEPT_LANGUAGE=language,
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "data-missing" in html
    with translation.override(language):
        statement = _("Fill in “%(field)s” to complete the step.") % {
            "field": _("Problem statement")
        }
        evidence = _("Attach at least one piece of evidence (photo, returned part, data) to D2.")
    assert statement in html
    assert evidence in html
    assert "来料检验" in html  # the input stays
    step = EightDStep.objects.get(complaint=complaint, step="d2")
    assert step.status == "in_progress" and step.data["where"] == "来料检验"
    # the kept input carries the version now stored: saving again works
    assert f'name="d2-version" value="{step.version}"' in html


def test_completing_from_the_page_reloads_it_with_the_new_status(client, complaint, quality):
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    client.force_login(quality)
    stored = EightDStep.objects.get(complaint=complaint, step="d3")
    response = client.post(url("eightd_complete", complaint, step="d3"), {}, **HX)
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    complaint.refresh_from_db()
    assert complaint.status == "contained"
    stored.refresh_from_db()
    assert stored.status == "done"


def test_two_people_saving_the_same_step_on_the_page_the_second_sees_a_conflict(
    client, complaint, quality, make_user
):
    colleague = make_user(
        "qe.li", roles=["quality_engineer"], department="quality", first_name="丽", last_name="李"
    )
    f.save(complaint, "d2", {"what": "划伤"}, quality)  # version 1, both open the page
    client.force_login(quality)
    client.post(
        url("eightd_save", complaint, step="d2"), {"d2-version": "1", "d2-what": "划伤 5 mm"}, **HX
    )
    client.force_login(colleague)
    response = client.post(
        url("eightd_save", complaint, step="d2"),
        {"d2-version": "1", "d2-what": "三处划伤", "d2-statement": "我写的问题陈述"},
        **{**HX, **EN},
    )
    html = response.content.decode()
    assert "was changed by" in html and quality.get_full_name() in html
    assert "your input has been kept below" in html
    assert "三处划伤" in html and "我写的问题陈述" in html
    step = EightDStep.objects.get(complaint=complaint, step="d2")
    assert (step.data["what"], step.data.get("statement", ""), step.version) == ("划伤 5 mm", "", 2)


def test_the_containment_grid_saves_every_row_at_once(client, complaint, quality):
    f.acknowledged(complaint, quality)
    client.force_login(quality)
    html = client.post(url("eightd_start", complaint, step="d3"), **HX).content.decode()
    assert html.count("data-location=") == 6
    rows = list(complaint.containment.all())
    data = {}
    for row in rows:
        prefix = f"containment-{row.pk}"
        data.update(
            {
                f"{prefix}-version": row.version,
                f"{prefix}-location": row.location,
                f"{prefix}-method": "100% 目检",
                f"{prefix}-responsible": quality.pk,
                f"{prefix}-done_at": "2026-09-30T15:00",
                f"{prefix}-quantity_checked": "100",
                f"{prefix}-quantity_rejected": "2",
                f"{prefix}-result": "sorted",
                f"{prefix}-note": "",
            }
        )
    bad = f"containment-{rows[0].pk}-quantity_rejected"
    data[bad] = "101"
    html = client.post(url("eightd_grid", complaint, kind="containment"), data, **{**HX, **EN})
    html = html.content.decode()
    assert "More parts rejected than checked." in html
    assert not complaint.containment.filter(method="100% 目检").exists()  # all or nothing
    data[bad] = "2"
    client.post(url("eightd_grid", complaint, kind="containment"), data, **HX)
    assert complaint.containment.filter(method="100% 目检", quantity_rejected=2).count() == 6
    client.post(
        url("eightd_save", complaint, step="d3"),
        {
            "d3-version": EightDStep.objects.get(complaint=complaint, step="d3").version,
            "d3-clean_point": "L2610 绿点",
            "d3-customer_informed_at": "2026-09-30T16:00",
        },
        **HX,
    )
    response = client.post(url("eightd_complete", complaint, step="d3"), {}, **HX)
    assert response.status_code == 204
    complaint.refresh_from_db()
    assert complaint.status == "contained"


def test_team_rows_are_added_edited_and_removed_on_the_page(client, complaint, quality, member):
    client.force_login(quality)
    client.post(
        url("eightd_row_add", complaint, kind="team"),
        {"card": "d1", "team-new-user": quality.pk, "team-new-role": "leader"},
        **HX,
    )
    html = client.post(
        url("eightd_row_add", complaint, kind="team"),
        {"card": "d1", "team-new-user": member.pk, "team-new-role": "leader"},
        **{**HX, **EN},
    ).content.decode()
    assert "The team already has a leader." in html
    client.post(
        url("eightd_row_add", complaint, kind="team"),
        {
            "card": "d1",
            "team-new-user": member.pk,
            "team-new-role": "member",
            "team-new-department": "生产部",
        },
        **HX,
    )
    row = complaint.team.get(user=member)
    client.post(
        url("eightd_row_edit", complaint, kind="team", pk=row.pk),
        {
            "card": "d1",
            f"team-{row.pk}-user": member.pk,
            f"team-{row.pk}-role": "member",
            f"team-{row.pk}-contact": "13800000000",
        },
        **HX,
    )
    row.refresh_from_db()
    assert row.contact == "13800000000"
    response = client.post(url("eightd_complete", complaint, step="d1"), {}, **HX)
    assert response.status_code == 204
    # D1 is done now: its rows are locked until the quality manager reopens it
    html = client.post(
        url("eightd_row_delete", complaint, kind="team", pk=row.pk), {"card": "d1"}, **{**HX, **EN}
    ).content.decode()
    assert "Ask the quality manager to reopen it" in html
    assert complaint.team.count() == 2


def test_a_root_cause_is_entered_with_its_5_why_chain(client, complaint, quality):
    client.force_login(quality)
    client.post(
        url("eightd_row_add", complaint, kind="root_cause"),
        {
            "card": "d4",
            "root_cause-new-kind": "occurrence",
            "root_cause-new-category": "machine",
            "root_cause-new-description": "定位销磨损",
            "root_cause-new-why_chain": ["为什么划伤", "", "为什么接触", "为什么磨损"],
            "root_cause-new-verification": "复现试验",
            "root_cause-new-verified": "on",
        },
        **HX,
    )
    cause = complaint.root_causes.get()
    assert cause.why_chain == ["为什么划伤", "为什么接触", "为什么磨损"] and cause.verified
    html = client.get(complaint.get_absolute_url()).content.decode()
    assert "为什么磨损" in html  # the page shows the chain
    edit = url("eightd_row_edit", complaint, kind="root_cause", pk=cause.pk) + "?card=d4"
    card = client.get(url("eightd_step", complaint, step="d4"), **HX).content.decode()
    assert f'hx-get="{edit}"' in card and "data-why-chain" not in card  # the form on request
    html = client.get(edit, **HX).content.decode()
    assert "data-why-chain" in html and 'value="为什么磨损"' in html


def test_evidence_is_attached_to_a_step_from_its_card(client, complaint, quality):
    client.force_login(quality)
    response = client.post(
        url("eightd_attach", complaint, step="d2"),
        {"d2-file-file": SimpleUploadedFile("photo.png", f.PNG), "d2-file-description": "划伤照片"},
        **HX,
    )
    assert "photo.png" in response.content.decode()
    assert complaint.attachments.get().step == "d2"


def test_without_htmx_a_refusal_shows_the_card_on_its_own_page(client, complaint, quality):
    client.force_login(quality)
    response = client.post(url("eightd_complete", complaint, step="d0"), {"d0-version": "0"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "data-missing" in html
    response = client.post(
        url("eightd_save", complaint, step="d0"), {"d0-version": "1", "d0-symptom": "划伤"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#step-d0")


def test_the_quality_manager_reopens_a_step_from_its_card(client, complaint, quality, make_user):
    qm = make_user("qm.wang", roles=["quality_manager"], department="quality")
    f.fill_d0(complaint, quality)
    eightd.complete_step(complaint, "d0", actor=quality)
    client.force_login(quality)
    html = client.get(complaint.get_absolute_url()).content.decode()
    assert "data-reopen" not in html
    assert (
        client.post(
            url("eightd_reopen", complaint, step="d0"), {"d0-reopen-reason": "补充"}, **HX
        ).status_code
        == 403
    )
    client.force_login(qm)
    response = client.post(
        url("eightd_reopen", complaint, step="d0"), {"d0-reopen-reason": "客户要求补充"}, **HX
    )
    assert response.status_code == 204
    assert eightd.step_status(complaint, "d0") == "in_progress"


def test_the_waiver_is_requested_from_the_d7_card(client, complaint, quality, make_user):
    make_user("gm.chen", roles=["general_manager"], department="gm_office")
    client.force_login(quality)
    html = client.post(url("eightd_waiver", complaint), {"waiver-reason": ""}, **HX)
    assert 'id="step-d7"' in html.content.decode()
    response = client.post(url("eightd_waiver", complaint), {"waiver-reason": "不经济"}, **HX)
    assert response.status_code == 204
    html = client.get(complaint.get_absolute_url()).content.decode()
    assert 'data-waiver="running"' in html


def test_the_investigation_of_a_major_complaint_is_saved_and_completed(
    client, sales, customer, quality
):
    major = register(sales, customer, owner=quality, major=True)
    client.force_login(quality)
    html = client.get(major.get_absolute_url()).content.decode()
    assert 'data-investigation="missing"' in html
    client.post(
        url("eightd_investigation", major),
        {
            "investigation-version": "0",
            "investigation-scope": "L2609 全批",
        },
    )
    response = client.post(
        url("eightd_investigation", major),
        {
            "investigation-version": "1",
            "investigation-scope": "L2609 全批",
            "investigation-findings": "磨损",
            "complete": "1",
        },
        **EN,
    )
    assert response.status_code == 200 and "Fill in" in response.content.decode()
    response = client.post(
        url("eightd_investigation", major),
        {
            "investigation-version": "2",
            "investigation-scope": "L2609 全批",
            "investigation-findings": "磨损",
            "investigation-risk_to_other_customers": "无",
            "investigation-improvement": "寿命管理",
            "complete": "1",
        },
    )
    assert response.status_code == 302
    assert major.investigation.completed_at is not None


def test_the_action_owner_records_the_implementation_on_the_action_page(
    client, complaint, quality, member, make_user
):
    action = eightd.add_row(
        complaint,
        "preventive",
        {
            "description": "点检表增加定位销",
            "owner": member,
            "due_date": "2026-10-30",
            "verification_plan": "抽查",
        },
        actor=quality,
    )
    page = url("eightd_action", complaint, pk=action.pk)
    client.force_login(member)  # production staff: the complaint is outside their scope
    assert client.get(complaint.get_absolute_url()).status_code == 404
    assert "点检表增加定位销" in client.get(page).content.decode()
    response = client.post(
        page,
        {
            "action-version": action.version,
            "action-done_at": "2026-10-20T10:00",
            "action-evidence": "点检表 C 版",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.evidence) == ("done", "点检表 C 版")
    other = make_user("prod.zhou", roles=["staff"], department="production")
    client.force_login(other)
    assert client.get(page).status_code == 404
    assert client.post(page, {"action-evidence": "x"}).status_code == 404


def test_outsiders_get_404_on_every_8d_page(client, complaint, quality, make_user):
    f.save(complaint, "d0", {"symptom": "x"}, quality)
    stranger = make_user("far", roles=["staff"], department="finance")
    client.force_login(stranger)
    for name, kwargs in [
        ("eightd_step", {"step": "d0"}),
        ("eightd_save", {"step": "d0"}),
        ("eightd_complete", {"step": "d0"}),
        ("eightd_row_add", {"kind": "team"}),
        ("eightd_grid", {"kind": "containment"}),
        ("eightd_waiver", {}),
        ("eightd_investigation", {}),
    ]:
        assert client.post(url(name, complaint, **kwargs), **HX).status_code == 404, name
    assert client.get(url("eightd_step", complaint, step="d0")).status_code == 404


def test_the_complaint_page_query_count_does_not_grow_with_rows(client, complaint, quality, member):
    f.acknowledged(complaint, quality)
    f.fill_d1(complaint, quality, member)
    f.fill_d3(complaint, quality)
    f.fill_d4(complaint, quality)
    f.fill_d5(complaint, quality)
    f.fill_d7(complaint, quality)
    client.force_login(quality)
    page = complaint.get_absolute_url()
    client.get(page)
    with CaptureQueriesContext(connection) as before:
        client.get(page)
    eightd.add_row(complaint, "team", {"name": "质检 李", "role": "member"}, actor=quality)
    f.fill_d4(complaint, quality)  # more causes and actions too
    f.fill_d5(complaint, quality)
    with CaptureQueriesContext(connection) as after:
        assert client.get(page).status_code == 200
    assert len(after) == len(before) <= 30


def test_the_complaint_page_reads_nothing_twice(client, complaint, quality, member):
    f.acknowledged(complaint, quality)
    f.fill_d1(complaint, quality, member)
    f.fill_d3(complaint, quality)
    services.pause_clock(complaint, "closure", reason="等客户退样", actor=quality)
    client.force_login(quality)
    client.get(complaint.get_absolute_url())  # the session and caches as on a second visit
    with CaptureQueriesContext(connection) as page:
        assert client.get(complaint.get_absolute_url()).status_code == 200
    assert repeated(page) == []


def test_a_rows_edit_and_add_forms_come_when_their_button_or_panel_is_used(
    client, complaint, quality, member
):
    f.acknowledged(complaint, quality)
    f.fill_d1(complaint, quality, member)
    row = complaint.team.order_by("pk").first()
    edit = url("eightd_row_edit", complaint, kind="team", pk=row.pk) + "?card=d1"
    add = url("eightd_row_add", complaint, kind="team") + "?card=d1"
    client.force_login(quality)
    card = client.get(url("eightd_step", complaint, step="d1"), **HX).content.decode()
    assert f'hx-get="{edit}"' in card and f'hx-get="{add}"' in card
    assert f'name="team-{row.pk}-role"' not in card and 'name="team-new-role"' not in card
    fragment = client.get(edit, **HX).content.decode()
    assert f'name="team-{row.pk}-role"' in fragment and "<html" not in fragment
    assert 'hx-target="#step-d1"' in fragment  # the saved row comes back in its card
    page = client.get(edit).content.decode()  # without JavaScript: a page of its own
    assert f'name="team-{row.pk}-role"' in page and "<html" in page
    assert 'name="team-new-role"' in client.get(add, **HX).content.decode()


def test_a_refused_row_comes_back_with_its_form_open(client, complaint, quality, member):
    f.acknowledged(complaint, quality)
    f.fill_d1(complaint, quality, member)
    row = complaint.team.order_by("pk").first()
    client.force_login(quality)
    response = client.post(
        url("eightd_row_edit", complaint, kind="team", pk=row.pk),
        {"card": "d1", f"team-{row.pk}-version": "1", f"team-{row.pk}-role": "nonsense"},
        **HX,
    )
    html = response.content.decode()
    assert f'id="edit-team-{row.pk}"' in html and 'class="collapse show"' in html
    assert f'name="team-{row.pk}-role"' in html and "is-invalid" in html


def test_row_forms_are_for_those_who_work_on_an_open_complaint(
    client, complaint, quality, member, sales, make_user
):
    f.acknowledged(complaint, quality)
    f.fill_d1(complaint, quality, member)
    row = complaint.team.order_by("pk").first()
    edit = url("eightd_row_edit", complaint, kind="team", pk=row.pk) + "?card=d1"
    client.force_login(sales)  # registered it and sees it; quality works on the 8D
    assert client.get(edit, **HX).status_code == 403
    client.force_login(make_user("sales.other", roles=["salesperson"], department="sales"))
    assert client.get(edit, **HX).status_code == 404  # outside the data scope
    qm = make_user("qm.wang", roles=["quality_manager"], department="quality")
    services.cancel(complaint, reason="客户撤回", actor=qm)
    client.force_login(qm)
    assert client.get(edit, **HX).status_code in (403, 404)  # nobody works on it any more
