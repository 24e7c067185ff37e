import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cqms.numbering import patterns
from cqms.numbering.patterns import DateFormat, Reset

DAY = dt.date(2026, 3, 5)


@pytest.mark.parametrize(
    ("date_format", "expected"),
    [
        ("", "KS-0012"),
        ("yyyy", "KS2026-0012"),
        ("yy", "KS26-0012"),
        ("yyyymm", "KS202603-0012"),
        ("yymm", "KS2603-0012"),
        ("yyyymmdd", "KS20260305-0012"),
    ],
)
def test_every_date_part_is_formatted(date_format, expected):
    number = patterns.format_number(
        prefix="KS", date_format=date_format, separator="-", width=4, day=DAY, value=12
    )
    assert number == expected


def test_customer_pattern_has_no_date_and_five_digits():
    number = patterns.format_number(
        prefix="C", date_format="", separator="", width=5, day=DAY, value=1
    )
    assert number == "C00001"


def test_a_sequence_that_outgrows_its_width_gets_more_digits():
    number = patterns.format_number(
        prefix="KS", date_format="yyyy", separator="-", width=4, day=DAY, value=12345
    )
    assert number == "KS2026-12345"


def test_early_years_keep_four_digits():
    assert patterns.render_date("yyyymmdd", dt.date(987, 1, 2)) == "09870102"


@pytest.mark.parametrize(
    ("reset", "key"), [("never", "all"), ("yearly", "2026"), ("monthly", "2026-03")]
)
def test_each_reset_has_its_period(reset, key):
    assert patterns.period_key(reset, DAY) == key
    assert patterns.reset_of_period_key(key) == reset


def test_sequence_name_carries_type_prefix_date_part_and_period():
    name = patterns.sequence_name("complaint", "KS", "yyyy", "yearly", DAY)
    assert name == "complaint/KS/yyyy/2026"
    assert patterns.shape_of_sequence_name(name) == ("yyyy", "yearly")
    assert patterns.sequence_name("customer", "C", "", "never", DAY) == "customer/C/none/all"
    assert patterns.shape_of_sequence_name("customer/C/none/all") == ("", "never")


@pytest.mark.parametrize("name", ["default", "a/b/c", "x/KS/weekly/2026", "x/KS/yyyy/26"])
def test_foreign_sequence_names_have_no_shape(name):
    assert patterns.shape_of_sequence_name(name) is None


def errors_of(**pattern):
    values = {"prefix": "KS", "date_format": "yyyy", "separator": "-", "width": 4}
    values.update(pattern)
    values.setdefault("reset", "never")
    with pytest.raises(ValidationError) as raised:
        patterns.validate_pattern(**values)
    return {field: [e.code for e in errs] for field, errs in raised.value.error_dict.items()}


@pytest.mark.parametrize("date_format", ["", "yyyy", "yy"])
def test_monthly_reset_needs_the_month_in_the_date_part(date_format):
    assert errors_of(date_format=date_format, reset="monthly") == {"reset": ["reset_needs_month"]}


def test_yearly_reset_needs_the_year_in_the_date_part():
    assert errors_of(date_format="", reset="yearly") == {"reset": ["reset_needs_year"]}


@pytest.mark.parametrize(
    ("date_format", "reset"),
    [
        ("", "never"),
        ("yy", "yearly"),
        ("yyyymm", "yearly"),
        ("yymm", "monthly"),
        ("yyyymmdd", "monthly"),
        ("yyyy", "never"),
    ],
)
def test_patterns_that_show_their_period_are_valid(date_format, reset):
    patterns.validate_pattern(
        prefix="KS", date_format=date_format, separator="-", width=4, reset=reset
    )


@pytest.mark.parametrize("prefix", ["KS-", "K/S", "K S", "KS1", "投诉", "ABCDEFGHIJK"])
def test_prefix_must_end_with_a_letter_and_be_short(prefix):
    assert "prefix" in errors_of(prefix=prefix)


@pytest.mark.parametrize("prefix", ["", "C", "KS", "8D", "Q-KS", "ABCDEFGHIJ"])
def test_valid_prefixes(prefix):
    patterns.validate_pattern(
        prefix=prefix, date_format="yyyy", separator="-", width=4, reset="yearly"
    )


@pytest.mark.parametrize("separator", ["1", "a", " ", "----"])
def test_separator_has_no_letters_or_digits(separator):
    assert "separator" in errors_of(separator=separator)


@pytest.mark.parametrize("width", [0, 13])
def test_width_is_between_1_and_12(width):
    assert errors_of(width=width) == {"width": ["invalid_width"]}


def test_unknown_choices_are_rejected():
    assert errors_of(date_format="dd", reset="weekly") == {
        "date_format": ["invalid_date_format"],
        "reset": ["invalid_reset"],
    }


# --- No two allowed histories produce the same number ---------------------------------------

# Small alphabets make near-collisions likely: prefixes that begin with one another, separators
# that begin with one another, date parts that are digit runs like the sequence.
PREFIXES = ["", "K", "KS", "KSA", "8D", "A1B", "A", "A-B"]
SEPARATORS = ["", "-", "--", "/", "-/", "."]
SHAPES = [
    (fmt, reset)
    for fmt in DateFormat.values
    for reset in Reset.values
    if not (set(patterns._RESET_NEEDS[reset]) - set(patterns._DATE_PARTS[fmt]))
]

issue = st.fixed_dictionaries(
    {
        "prefix": st.sampled_from(PREFIXES),
        "shape": st.sampled_from(SHAPES),
        "separator": st.sampled_from(SEPARATORS),
        "width": st.integers(1, 6),
        # Two-digit years repeat after a century; numbers of one century are unique.
        "day": st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
        "value": st.one_of(st.integers(1, 120), st.integers(1, 10**9)),
    }
)


def number_of(item):
    fmt, _ = item["shape"]
    return patterns.format_number(
        prefix=item["prefix"],
        date_format=fmt,
        separator=item["separator"],
        width=item["width"],
        day=item["day"],
        value=item["value"],
    )


def counter_of(item):
    fmt, reset = item["shape"]
    return patterns.sequence_name("t", item["prefix"], fmt, reset, item["day"]), item["value"]


@given(issue, issue)
def test_numbers_issued_under_any_allowed_rule_change_never_collide(first, second):
    # Allowed history: one shape per prefix; separator and width may change at any time.
    if first["prefix"] == second["prefix"] and first["shape"] != second["shape"]:
        return
    if counter_of(first) == counter_of(second):
        return  # the same counter value is never handed out twice
    assert number_of(first) != number_of(second)
