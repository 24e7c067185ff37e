"""A refused form shows a translated page with a way back, not Django's technical one."""

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"), [("zh-hans", "表单未能提交"), ("en", "The form could not be sent")]
)
def test_a_post_without_its_token_gets_the_translated_page_with_a_way_back(
    make_user, language, heading
):
    client = Client(enforce_csrf_checks=True, headers={"accept-language": language})
    client.force_login(make_user("csrf.user"))
    response = client.post(
        reverse("set_language"),
        {"language": language},
        headers={"referer": "http://testserver/complaints/"},
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert heading in html
    assert 'href="http://testserver/complaints/"' in html
    assert "CSRF verification failed" not in html
    assert "<script>" not in html  # CSP forbids inline scripts


@pytest.mark.django_db
def test_the_way_back_never_leads_to_another_site(make_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("set_language"), {"language": "en"}, headers={"referer": "https://evil.example/"}
    )
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()
