"""People and customers are found by what a Chinese user types: the whole name, its pinyin
(with or without the input method's separators) and its initials."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from cqms.audit import services as audit
from cqms.audit.models import AuditEntry
from cqms.core.search import query_key, search_key
from cqms.customers import services as customers
from cqms.customers.models import Customer
from cqms.customers.tests.factories import make_customer
from cqms.organisation.models import User


def test_a_name_is_keyed_by_itself_its_pinyin_and_its_initials():
    key = search_key("李静").split()
    assert key == ["李静", "lijing", "lj"]
    # every reading of a short name: the surname 曾 is zeng, though the usual reading is ceng
    assert {"zengguofan", "zgf", "cengguofan"} <= set(search_key("曾国藩").split())
    long = search_key("华东汽车制造有限公司").split()
    assert long == ["华东汽车制造有限公司", "huadongqichezhizaoyouxiangongsi", "hdqczzyxgs"]
    assert search_key("Jing Li").split() == ["jingli"]
    for typed in ("li'jing", "Li Jing", "LIJING", " lijing "):
        assert query_key(typed) == "lijing"


@pytest.fixture
def people(make_user):
    make_user("li.jing", first_name="静", last_name="李", department="quality")
    make_user("li.qiang", first_name="强", last_name="李", department="sales")
    make_user("wang.jun", first_name="军", last_name="王", department="sales")
    return make_user("viewer", roles=["quality_manager"], department="quality")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["李静", "lijing", "li jing", "li'jing", "lj", "LJ", "jing"])
def test_the_people_picker_finds_a_person_by_full_name_pinyin_and_initials(client, people, typed):
    client.force_login(people)
    found = client.get(reverse("organisation:user_search"), {"q": typed}).json()["results"]
    assert [r["text"].split(" ")[0] for r in found] == ["李静"]


@pytest.mark.django_db
def test_the_surname_still_finds_everyone_of_that_name(client, people):
    client.force_login(people)
    found = client.get(reverse("organisation:user_search"), {"q": "li"}).json()["results"]
    assert {r["text"].split(" ")[0] for r in found} == {"李静", "李强"}


@pytest.fixture
def manager(make_user):
    return make_user("sales.boss", roles=["sales_manager"], department="sales")


@pytest.fixture
def huadong(manager):
    make_customer(manager, "C200", name="西南机电有限公司")
    return make_customer(manager, "C100", name="华东汽车制造有限公司", short_name="华东汽车")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["华东汽车", "huadong", "hua dong", "hdqc", "HDQC"])
def test_customers_are_found_by_name_pinyin_and_initials(client, manager, huadong, typed):
    client.force_login(manager)
    listed = client.get(reverse("customers:list"), {"q": typed}).content.decode()
    assert "C100" in listed and "C200" not in listed
    picked = client.get(reverse("complaints:statistics_customers"), {"q": typed}).json()
    assert [r["value"] for r in picked["results"]] == [huadong.pk]


@pytest.mark.django_db
def test_the_key_follows_a_rename_and_stays_out_of_the_history(manager, huadong):
    with audit.change_transaction():
        customers.update_customer(
            huadong,
            {"name": "江南电机有限公司", "short_name": ""},
            actor=manager,
            expected_version=huadong.version,
        )
    stored = Customer.objects.get(pk=huadong.pk)
    assert "jiangnan" in stored.search_key and "huadong" not in stored.search_key
    entry = AuditEntry.objects.filter(record_id=str(huadong.pk)).order_by("-id").first()
    assert {c["field"] for c in entry.changes} == {"name", "short_name"}

    person = User.objects.get(username="sales.boss")
    with audit.change_transaction():
        audit.save_changes(person, {"first_name": "静", "last_name": "李"}, actor=manager)
    assert User.objects.get(pk=person.pk).search_key == "李静 lijing lj"


@pytest.mark.django_db
def test_the_migration_keys_the_rows_saved_before_keys_existed(people, huadong):
    User.objects.update(search_key="")
    Customer.objects.update(search_key="")
    for app in ("organisation", "customers"):
        importlib.import_module(f"cqms.{app}.migrations.0003_fill_search_key").fill(apps, None)
    assert User.objects.get(username="li.jing").search_key == "李静 lijing lj"
    assert "hdqc" in Customer.objects.get(pk=huadong.pk).search_key
    assert not User.objects.filter(search_key="").exists()
