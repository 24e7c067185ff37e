"""English words with several meanings get the Chinese word of the meaning meant (pgettext),
and the pages address the user as 您."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from cqms.audit import services as audit
from cqms.clocks import services as clocks
from cqms.complaints.tests import eightd_factories as f
from cqms.complaints.tests.factories import at, register
from cqms.customers.tests.factories import make_customer

CATALOGUE = Path(__file__).resolve().parent.parent / "cqms/locale/zh_Hans/LC_MESSAGES/django.po"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


@pytest.fixture
def people(make_user):
    return {
        "sales": make_user("sales.li", roles=["salesperson"], department="sales"),
        "quality": make_user("qe.zhao", roles=["quality_engineer"], department="quality"),
    }


@pytest.fixture
def complaint(people):
    customer = make_customer(people["sales"], "C100", owner=people["sales"])
    return register(people["sales"], customer, owner=people["quality"], detection_point="field")


def badge(html: str, text: str) -> bool:
    return f'badge text-bg-secondary">{text}</span>' in html or f">{text}</span>" in html


@pytest.mark.django_db
def test_the_complaint_page_says_registered_found_in_the_field_and_paused(
    client, people, complaint
):
    with audit.change_transaction():
        clocks.pause_clock(
            complaint,
            "corrective_action",
            reason="等待样品",
            actor=people["quality"],
            at=at(2026, 10, 8, 10),
        )
    client.force_login(people["quality"])
    html = client.get(complaint.get_absolute_url(), **ZH).content.decode()
    assert "已登记" in html and "登记时间" not in html  # the status, not a date
    assert "市场" in html and "字段" not in html  # the detection point "Field"
    assert "已暂停" in html and "暂停时间" not in html  # a clock's state


@pytest.mark.django_db
def test_corrective_actions_are_measures_and_the_row_buttons_operations(client, people, complaint):
    quality = people["quality"]
    f.fill_d4(complaint, quality)
    f.fill_d5(complaint, quality)
    client.force_login(quality)
    card = client.get(
        reverse("complaints:eightd_step", kwargs={"number": complaint.number, "step": "d5"}),
        HTTP_HX_REQUEST="true",
        **ZH,
    ).content.decode()
    assert '<th scope="col">措施</th>' in card
    assert '<span class="visually-hidden">操作</span>' in card
    action = complaint.actions.first()
    page = client.get(
        reverse("complaints:eightd_action", kwargs={"number": complaint.number, "pk": action.pk}),
        **ZH,
    ).content.decode()
    assert f"{complaint.number} · 措施" in page and "· 操作" not in page


@pytest.mark.django_db
def test_a_finished_step_is_done_and_decided_approvals_are_done_work(client, people, complaint):
    from cqms.complaints.models import EightDStep

    assert str(EightDStep.Status.DONE.label) != "已办"
    client.force_login(people["quality"])
    html = client.get(reverse("approvals:mine"), **ZH).content.decode()
    assert '已办 <span class="badge' in html
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(EightDStep.Status.DONE.label) == "已完成"


@pytest.mark.django_db
def test_the_audit_trail_keeps_field_and_action_as_operation_words(client, make_user, complaint):
    client.force_login(make_user("admin.wang", roles=["administrator"], department="gm_office"))
    html = client.get(reverse("audit:trail"), **ZH).content.decode()
    assert "<th>操作</th>" in html


@pytest.mark.django_db
def test_the_people_picker_speaks_chinese(client, people):
    client.force_login(people["sales"])
    html = client.get(reverse("complaints:create"), **ZH).content.decode()
    assert 'data-picker-no-results="没有找到匹配项"' in html
    assert 'data-picker-remove="移除"' in html
    script = (Path(__file__).resolve().parent.parent / "cqms/static/cqms/js/app.js").read_text()
    assert "texts.pickerNoResults" in script and "no_results" in script


def test_the_user_is_addressed_as_nin_throughout():
    text = CATALOGUE.read_text(encoding="utf-8")
    translated = [line for line in text.splitlines() if not line.startswith("msgid")]
    assert not [line for line in translated if "你" in line]
