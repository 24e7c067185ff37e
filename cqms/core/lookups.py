"""A lookup the ORM lacks."""

from __future__ import annotations

import re

from django.db import models

CODE = re.compile(r"^[a-z0-9_]+$")


@models.CharField.register_lookup
class OneOf(models.Lookup):
    """`status__one_of=[...]`: IN with fixed codes written into the SQL, not sent as parameters.

    PostgreSQL plans a prepared statement once for any parameters (ADR 0013). With the codes as
    parameters, it cannot know that a partial index over them applies, and it chose an index
    that read every complaint of a customer to count the open ones (11 ms instead of 0.7 ms).
    Written into the SQL, the condition matches the partial index on both databases.
    """

    lookup_name = "one_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        codes = [str(value) for value in self.rhs]
        if not codes or not all(CODE.match(code) for code in codes):
            raise ValueError("one_of takes codes of lowercase letters, digits and _ only")
        return codes

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        codes = ", ".join(f"'{code}'" for code in self.rhs)
        return f"{lhs} IN ({codes})", params
