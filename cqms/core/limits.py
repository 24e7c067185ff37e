"""The range of every number column, checked at every edge (forms, API, imports).

A number that does not fit its column must be refused with a message, never stored changed
(see `database.checked_integer_dumpers` for how PostgreSQL's binding once changed it). The
range is the column type's range on PostgreSQL (SQL's smallint, integer, bigint) on every
database: SQLite would store 64 bits in any integer column, but then a record could hold what
PostgreSQL refuses, and the API would promise different limits on each database.
"""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.core import validators
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

# Django's default ranges, which are PostgreSQL's: {internal type: (min, max)}.
INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges


def integer_range(field: models.Field) -> tuple[int, int] | None:
    """(min, max) of an integer model field's column, or None for other fields."""
    if not isinstance(field, models.IntegerField | models.AutoField):
        return None
    return INTEGER_RANGES.get(field.get_internal_type())


def decimal_range(max_digits: int, decimal_places: int) -> tuple[Decimal, Decimal]:
    """(min, max) of a numeric(max_digits, decimal_places) column."""
    largest = Decimal(10) ** (max_digits - decimal_places) - Decimal(10) ** -decimal_places
    return -largest, largest


def field_range(field: models.Field) -> tuple[int | Decimal, int | Decimal] | None:
    if isinstance(field, models.DecimalField):
        return decimal_range(field.max_digits, field.decimal_places)
    return integer_range(field)


def _limit(validator) -> int | Decimal:
    value = validator.limit_value
    return value() if callable(value) else value


def bound_model_fields() -> None:
    """Give every integer field of every model its column's range as validators, so model
    forms (model validation) and DRF model serializers (which copy min/max validators into
    min_value/max_value) check it. Django adds the range of the database in use, not a
    portable one; as default validators they stay out of migrations. Run once, at start."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            bounds = integer_range(field)
            if bounds is None or isinstance(field, models.AutoField):
                continue
            low, high = bounds
            added = []
            own = field._validators
            if not any(
                isinstance(v, validators.MinValueValidator) and _limit(v) >= low for v in own
            ):
                added.append(validators.MinValueValidator(low))
            if not any(
                isinstance(v, validators.MaxValueValidator) and _limit(v) <= high for v in own
            ):
                added.append(validators.MaxValueValidator(high))
            field.default_validators = [*type(field).default_validators, *added]
            field.__dict__.pop("validators", None)  # computed again with these


def check_form_numbers(form) -> None:
    """The range checks of a model form's number fields, for forms that skip model validation
    (the import forms leave the rest to the service). Errors go on the form."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return
    for name, value in list(getattr(form, "cleaned_data", {}).items()):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if value in (None, "") or field_range(field) is None:
            continue
        try:
            field.run_validators(value)
        except ValidationError as error:
            form.add_error(name, error)
