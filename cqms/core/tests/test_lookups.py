"""`one_of` writes fixed codes into the SQL and finds what `in` finds."""

from __future__ import annotations

import pytest

from cqms.organisation.models import Role


@pytest.mark.django_db
def test_one_of_writes_the_codes_into_the_sql_and_finds_what_in_finds():
    codes = ["salesperson", "quality_manager", "no_such_role"]
    one_of = Role.objects.filter(code__one_of=codes)
    sql, params = one_of.query.sql_with_params()
    assert "IN ('salesperson', 'quality_manager', 'no_such_role')" in sql and params == ()
    assert set(one_of) == set(Role.objects.filter(code__in=codes)) and one_of.count() == 2


@pytest.mark.parametrize("codes", [[], ["x'); DROP TABLE t; --"], ["Open"]])
def test_one_of_refuses_anything_but_codes(codes):
    with pytest.raises(ValueError, match="one_of"):
        str(Role.objects.filter(code__one_of=codes).query)
