import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def login(client, username, password="Correct-Horse-42", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_login_by_user_name_reaches_my_work(client, make_user):
    make_user("li.na", roles=["salesperson"])
    response = login(client, "li.na")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_login_by_email_is_case_insensitive(client, make_user):
    make_user("wang.wei", email="Wang.Wei@Example.com")
    response = login(client, "WANG.WEI@example.COM")
    assert response.status_code == 302


def test_wrong_password_shows_translated_message(client, make_user):
    make_user("zhao.lei")
    response = login(client, "zhao.lei", "wrong-password-123", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    assert "用户名、电子邮件或密码不正确" in response.content.decode()


def test_pages_require_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_five_failures_lock_the_user_from_that_address_only(client, make_user):
    make_user("sun.li")
    make_user("zhou.min")
    for _ in range(5):
        login(client, "sun.li", "wrong-password-123")
    locked = login(client, "sun.li")
    assert locked.status_code == 429
    # Another user behind the same address is not locked out.
    assert login(client, "zhou.min").status_code == 302
    # The same user from another address still gets in.
    assert login(client, "sun.li", REMOTE_ADDR="10.1.2.3").status_code == 302


def test_login_sets_the_account_language(client, make_user):
    make_user("anna", language="en")
    response = login(client, "anna")
    assert response.cookies["django_language"].value == "en"
    page = client.get(reverse("home"))
    assert "My work" in page.content.decode()
