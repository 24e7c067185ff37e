import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from cqms.numbering import registry, services
from cqms.numbering.models import NumberingRule
from cqms.numbering.registry import RuleDefaults

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 5)


def rule(**values):
    fields = {
        "record_type": "test-complaint",
        "prefix": "KS",
        "date_format": "yyyy",
        "separator": "-",
        "width": 4,
        "reset": "yearly",
    }
    fields.update(values)
    return NumberingRule(**fields)


def error_codes(obj):
    with pytest.raises(ValidationError) as raised:
        obj.full_clean()
    return {field: [e.code for e in errs] for field, errs in raised.value.error_dict.items()}


def test_a_valid_rule_passes(complaint_type):
    rule().full_clean()


def test_monthly_reset_without_month_is_refused(complaint_type):
    assert error_codes(rule(reset="monthly")) == {"reset": ["reset_needs_month"]}


def test_yearly_reset_without_year_is_refused(complaint_type):
    assert error_codes(rule(date_format="", reset="yearly")) == {"reset": ["reset_needs_year"]}


def test_field_problems_are_reported_per_field(complaint_type):
    codes = error_codes(rule(prefix="KS-", separator="x", width=13))
    assert codes == {
        "prefix": ["invalid_prefix"],
        "separator": ["invalid_separator"],
        "width": ["max_value"],
    }


def test_a_record_type_no_part_registered_is_refused():
    assert error_codes(rule(record_type="nothing")) == {"record_type": ["unknown_record_type"]}


def issue_numbers(count=2):
    for _ in range(count):
        services.next_number("test-complaint", at=DAY)
    return NumberingRule.objects.get(record_type="test-complaint")


@pytest.mark.parametrize(
    "change",
    [
        {"date_format": "yy"},
        {"date_format": "yyyymm"},
        {"date_format": "yyyymm", "reset": "monthly"},
        {"reset": "never"},
    ],
)
def test_date_part_and_reset_of_a_used_prefix_are_frozen(complaint_type, change):
    stored = issue_numbers()
    for field, value in change.items():
        setattr(stored, field, value)
    with pytest.raises(ValidationError) as raised:
        stored.full_clean()
    assert [e.code for e in raised.value.error_dict["__all__"]] == ["numbers_issued"]
    assert "KS" in raised.value.messages[0]


@pytest.mark.parametrize(
    "change",
    [
        {"separator": "", "width": 6},
        {"separator": "/", "width": 1},
        {"prefix": "CC", "date_format": "yymm", "reset": "monthly"},
        {"prefix": "KSA", "date_format": "", "reset": "never"},
    ],
)
def test_changes_that_cannot_repeat_numbers_are_allowed(complaint_type, change):
    stored = issue_numbers()
    for field, value in change.items():
        setattr(stored, field, value)
    stored.full_clean()


def test_returning_to_an_old_prefix_needs_its_old_date_part_and_reset(complaint_type):
    stored = issue_numbers()
    NumberingRule.objects.filter(pk=stored.pk).update(prefix="CC", date_format="", reset="never")
    services.next_number("test-complaint", at=DAY)
    stored.refresh_from_db()
    stored.prefix = "KS"
    with pytest.raises(ValidationError):
        stored.full_clean()
    stored.date_format, stored.reset = "yyyy", "yearly"
    stored.full_clean()


def test_before_any_number_is_issued_everything_may_change(complaint_type):
    stored = rule()
    stored.save()
    stored.date_format, stored.reset = "yymm", "monthly"
    stored.full_clean()


def test_registering_invalid_defaults_fails_at_start_up():
    with pytest.raises(ImproperlyConfigured, match="invalid"):
        registry.register("broken", label="Broken", default=RuleDefaults(reset="monthly"))
    assert not registry.is_registered("broken")


@pytest.mark.parametrize("key", ["Complaint", "a/b", "", "x" * 41])
def test_record_type_keys_are_lower_case_words(key):
    with pytest.raises(ImproperlyConfigured):
        registry.register(key, label="X", default=RuleDefaults())


def test_registering_twice_is_allowed_only_with_the_same_values(register_type):
    register_type(prefix="W")
    register_type(prefix="W")
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register_type(prefix="V")
    assert ("widget", "Widget") in registry.choices()


def test_prefixes_differing_only_in_case_are_different_prefixes(complaint_type):
    stored = issue_numbers()
    stored.prefix, stored.date_format, stored.reset = "ks", "", "never"
    stored.full_clean()
