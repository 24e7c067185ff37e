import datetime as dt
import zoneinfo

import pytest
from django.db import transaction
from django.utils import timezone

from cqms.audit.models import AuditEntry
from cqms.core.errors import BusinessRuleError
from cqms.numbering import selectors, services
from cqms.numbering.models import NumberingRule

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month=1, day=1, hour=12):
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def take(record_type, count, when=None):
    return [services.next_number(record_type, at=when) for _ in range(count)]


@pytest.fixture(autouse=True)
def company_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def test_numbers_follow_the_rule_one_after_another(complaint_type):
    assert take("test-complaint", 3, at(2026, 3, 5)) == [
        "KS2026-0001",
        "KS2026-0002",
        "KS2026-0003",
    ]


def test_yearly_reset_starts_again_at_1(complaint_type):
    take("test-complaint", 12, at(2026, 12, 31))
    assert services.next_number("test-complaint", at=at(2027, 1, 1)) == "KS2027-0001"
    assert services.next_number("test-complaint", at=at(2026, 12, 31)) == "KS2026-0013"


def test_monthly_reset_starts_again_at_1(register_type):
    register_type(prefix="W", date_format="yymm", separator="-", width=3, reset="monthly")
    assert take("widget", 2, at(2026, 1, 31)) == ["W2601-001", "W2601-002"]
    assert take("widget", 1, at(2026, 2, 1)) == ["W2602-001"]
    assert take("widget", 1, at(2027, 1, 1)) == ["W2701-001"]


def test_without_reset_the_sequence_runs_across_periods(register_type):
    register_type(prefix="W", date_format="yyyymmdd", separator="/", width=2, reset="never")
    assert take("widget", 1, at(2026, 12, 31)) == ["W20261231/01"]
    assert take("widget", 1, at(2027, 1, 1)) == ["W20270101/02"]


def test_customer_numbers_have_no_date(register_type):
    register_type("test-customer", prefix="C", width=5)
    assert take("test-customer", 2) == ["C00001", "C00002"]


def test_dates_are_taken_in_the_company_time_zone(complaint_type):
    # 16:30 UTC on New Year's Eve is already 2027 in Shanghai, whatever the user's zone.
    moment = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)
    with timezone.override("America/New_York"):
        assert services.next_number("test-complaint", at=moment) == "KS2027-0001"
    assert services.next_number("test-complaint", at=dt.date(2026, 12, 31)) == "KS2026-0001"


def test_naive_datetimes_are_refused(complaint_type):
    with pytest.raises(ValueError, match="time-zone-aware"):
        services.next_number("test-complaint", at=dt.datetime(2026, 1, 1))


def test_a_rolled_back_transaction_releases_its_number(complaint_type):
    assert take("test-complaint", 1, at(2026)) == ["KS2026-0001"]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert services.next_number("test-complaint", at=at(2026)) == "KS2026-0002"
        1 / 0  # noqa: B018 - the record's save fails after the number was taken
    assert take("test-complaint", 1, at(2026)) == ["KS2026-0002"]


def test_the_default_rule_is_created_from_the_registry_and_audited(complaint_type):
    assert not NumberingRule.objects.filter(record_type="test-complaint").exists()
    services.next_number("test-complaint", at=at(2026))
    rule = NumberingRule.objects.get(record_type="test-complaint")
    assert (rule.prefix, rule.date_format, rule.separator, rule.width, rule.reset) == (
        "KS",
        "yyyy",
        "-",
        4,
        "yearly",
    )
    entry = AuditEntry.objects.get(record_type="numbering.numberingrule", record_id=str(rule.pk))
    assert entry.action == "create"
    assert {c["field"]: c["new"] for c in entry.changes}["prefix"] == "KS"


def test_a_stored_rule_wins_over_the_defaults(complaint_type):
    NumberingRule.objects.create(record_type="test-complaint", prefix="CC", width=3)
    assert take("test-complaint", 1) == ["CC001"]


def test_an_unknown_record_type_is_a_programming_error():
    with pytest.raises(LookupError, match="not registered"):
        services.next_number("no-such-type")


def test_an_inactive_rule_issues_no_numbers(complaint_type):
    NumberingRule.objects.create(record_type="test-complaint", prefix="KS", is_active=False)
    with pytest.raises(BusinessRuleError) as raised:
        services.next_number("test-complaint")
    assert raised.value.code == "numbering_inactive"


def test_preview_shows_the_next_number_without_taking_it(complaint_type):
    assert selectors.preview_number("test-complaint", at=at(2026)) == "KS2026-0001"
    assert not NumberingRule.objects.exists()  # a preview writes nothing
    assert services.next_number("test-complaint", at=at(2026)) == "KS2026-0001"
    rule = NumberingRule.objects.get(record_type="test-complaint")
    assert rule.preview(at(2026)) == "KS2026-0002"
    assert rule.preview(at(2026)) == "KS2026-0002"
    assert rule.preview(at(2027)) == "KS2027-0001"
    assert services.next_number("test-complaint", at=at(2026)) == "KS2026-0002"


def test_separator_and_width_changes_continue_the_sequence(complaint_type):
    take("test-complaint", 2, at(2026))
    NumberingRule.objects.filter(record_type="test-complaint").update(separator="", width=6)
    assert take("test-complaint", 1, at(2026)) == ["KS2026000003"]


def test_a_new_prefix_starts_its_own_sequence_and_an_old_one_continues(complaint_type):
    take("test-complaint", 2, at(2026))
    NumberingRule.objects.filter(record_type="test-complaint").update(prefix="CC")
    assert take("test-complaint", 1, at(2026)) == ["CC2026-0001"]
    NumberingRule.objects.filter(record_type="test-complaint").update(prefix="KS")
    assert take("test-complaint", 1, at(2026)) == ["KS2026-0003"]


def test_a_rule_changed_behind_the_validation_refuses_to_repeat_numbers(complaint_type):
    take("test-complaint", 2, at(2026))
    # A date part change under a prefix already used (the admin form refuses it, see
    # test_validation) could repeat numbers, so the allocation refuses it too.
    NumberingRule.objects.filter(record_type="test-complaint").update(
        date_format="yyyymm", reset="monthly"
    )
    with pytest.raises(BusinessRuleError) as raised:
        services.next_number("test-complaint", at=at(2026))
    assert raised.value.code == "numbering_conflict"


@pytest.mark.django_db(transaction=True)
def test_numbers_are_only_issued_inside_a_transaction(complaint_type):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.next_number("test-complaint")
    with transaction.atomic():
        assert services.next_number("test-complaint", at=at(2026)) == "KS2026-0001"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_outer_transaction_leaves_no_gap(complaint_type):
    with transaction.atomic():
        NumberingRule.objects.create(
            record_type="test-complaint",
            prefix="KS",
            date_format="yyyy",
            separator="-",
            width=4,
            reset="yearly",
        )
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.next_number("test-complaint", at=at(2026))
        1 / 0  # noqa: B018
    with transaction.atomic():
        assert services.next_number("test-complaint", at=at(2026)) == "KS2026-0001"
