"""The admin carries the product's name in the user's language, not Django's."""

import pytest
from django.urls import reverse
from django.utils import translation


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "header", "index"),
    [("zh-hans", "CQMS 系统管理", "系统管理"), ("en", "CQMS administration", "Administration")],
)
def test_the_admin_is_branded_cqms(admin_client, language, header, index):
    with translation.override(language):
        response = admin_client.get(reverse("admin:index"), headers={"accept-language": language})
    html = response.content.decode()
    assert f"<title>{index} | {header}</title>" in html
    assert f">{header}</a>" in html
    assert "Django" not in html
