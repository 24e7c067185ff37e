"""The page shell (menu and unread badge) is built once per request, whatever renders inside it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cqms.core import context_processors, menu

pytestmark = pytest.mark.django_db


def test_a_page_with_a_table_builds_the_menu_once(client, make_user, monkeypatch):
    # The register draws a django-tables2 table, which renders its template with the request
    # and so runs every context processor a second time.
    calls = []
    real = context_processors.visible_menu

    def counting(user, path):
        calls.append(path)
        return real(user, path)

    monkeypatch.setattr(context_processors, "visible_menu", counting)
    client.force_login(make_user("qe.menu", roles=["quality_engineer"], department="quality"))
    response = client.get(reverse("complaints:register"))
    assert response.status_code == 200
    assert calls == [reverse("complaints:register")]
    active = [
        item["url"]
        for section in response.context["cqms_menu"]
        for item in section["items"]
        if item["active"]
    ]
    assert active == [reverse("complaints:register")]


def test_menu_addresses_follow_a_changed_url_configuration(settings, make_user):
    user = make_user("admin.menu", roles=["administrator"], department="quality")
    before = [i["url"] for s in menu.visible_menu(user, "/") for i in s["items"]]
    assert reverse("complaints:register") in before
    settings.FORCE_SCRIPT_NAME = "/cqms"  # the cached addresses are dropped with the setting
    from django.urls import set_script_prefix

    set_script_prefix("/cqms/")
    try:
        after = [i["url"] for s in menu.visible_menu(user, "/") for i in s["items"]]
        assert after == ["/cqms" + url for url in before]
    finally:
        set_script_prefix("/")
        menu._urls.clear()
