"""The 8D steps through the API: read with rows, save with If-Match, complete with the same gates
as the pages (400 for empty fields, 409 for other missing content, 412 for a stale version)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from cqms.complaints.models import EightDStep

from . import eightd_factories as f
from .factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(sales, customer, quality):
    return register(sales, customer, owner=quality)


def api_for(user, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def step_url(complaint, step, suffix=""):
    return f"/api/v1/complaints/{complaint.number}/steps/{step}/{suffix}"


def test_get_a_step_with_its_content_rows_and_version(complaint, quality):
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    response = api_for(quality).get(step_url(complaint, "d3"))
    assert response.status_code == 200
    body = response.json()
    stored = EightDStep.objects.get(complaint=complaint, step="d3")
    assert response["ETag"] == f'"{stored.version}"'
    assert body["status"] == "in_progress" and body["data"]["clean_point"].startswith("批次")
    grid = body["rows"]["containment"]
    assert [row["location"] for row in grid][:2] == ["finished_stock", "wip"]
    assert grid[0]["responsible"] == "qe.zhao" and grid[0]["quantity_checked"] == 500
    assert {field["name"] for field in body["fields"] if field["required"]} == {
        "clean_point",
        "customer_informed_at",
    }


def test_patch_saves_a_draft_with_if_match_and_refuses_a_stale_version(complaint, quality):
    client = api_for(quality)
    assert client.get(step_url(complaint, "d2"))["ETag"] == '"0"'
    response = client.patch(
        step_url(complaint, "d2"),
        {"data": {"what": "外壳划伤"}, "owner": "qe.zhao", "planned_date": "2026-10-02"},
        format="json",
        HTTP_IF_MATCH='"0"',
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"1"' and response.json()["owner"] == "qe.zhao"
    response = client.patch(
        step_url(complaint, "d2"), {"data": {"where": "来料"}, "version": 1}, format="json"
    )
    assert response.json()["data"] == {"what": "外壳划伤", "where": "来料"}
    stale = client.patch(
        step_url(complaint, "d2"), {"data": {"what": "改"}}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412 and stale.json()["code"] == "concurrent_edit"
    assert EightDStep.objects.get(complaint=complaint, step="d2").data["what"] == "外壳划伤"


def test_patch_answers_400_for_bad_input_never_500(complaint, quality):
    client = api_for(quality)
    assert (
        client.patch(step_url(complaint, "d2"), {"data": {"what": "x"}}, format="json").status_code
        == 400
    )
    unknown = client.patch(
        step_url(complaint, "d2"), {"data": {"colour": "red"}, "version": 0}, format="json"
    )
    assert unknown.status_code == 400 and "colour" in unknown.json()["data"][0]
    bad_date = client.patch(
        step_url(complaint, "d3"),
        {"data": {"customer_informed_at": "yesterday"}, "version": 0},
        format="json",
    )
    assert bad_date.status_code == 400 and "customer_informed_at" in bad_date.json()
    assert client.get(step_url(complaint, "d9")).status_code == 400


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_complete_answers_400_naming_empty_fields_and_409_naming_missing_content(
    complaint, quality, language
):
    client = api_for(quality, language)
    response = client.post(step_url(complaint, "d0", "complete/"))
    assert response.status_code == 400
    with translation.override(language):
        expected = _("Fill in “%(field)s” to complete the step.") % {
            "field": _("Symptom as the customer sees it")
        }
        leader = _("The team needs a leader.")
    assert response.json()["symptom"] == [expected]
    response = client.post(step_url(complaint, "d1", "complete/"))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "step_incomplete" and leader in body["missing"]
    assert leader in body["detail"]


def test_complete_through_the_api_moves_the_status(complaint, quality):
    f.acknowledged(complaint, quality)
    f.fill_d3(complaint, quality)
    response = api_for(quality).post(step_url(complaint, "d3", "complete/"))
    assert response.status_code == 200 and response.json()["status"] == "done"
    complaint.refresh_from_db()
    assert complaint.status == "contained"


def test_sales_reads_steps_but_may_not_change_them_and_outsiders_get_404(
    complaint, sales, make_user
):
    client = api_for(sales)
    assert client.get(step_url(complaint, "d0")).status_code == 200
    assert client.patch(step_url(complaint, "d0"), {"data": {}}, format="json").status_code == 403
    assert client.post(step_url(complaint, "d0", "complete/")).status_code == 403
    stranger = api_for(make_user("far", roles=["staff"], department="finance"))
    assert stranger.get(step_url(complaint, "d0")).status_code == 404
    assert stranger.post(step_url(complaint, "d0", "complete/")).status_code == 404
