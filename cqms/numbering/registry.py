"""Record types that get numbers. Apps register theirs in `AppConfig.ready()`::

    from cqms.numbering.registry import RuleDefaults, register

    register(
        "customer",
        label=_("Customer"),
        default=RuleDefaults(prefix="C", date_format="", separator="", width=5, reset="never"),
    )

The defaults become the record type's `NumberingRule` the first time a number is needed; from
then on the administrator's rule applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, ValidationError

from . import patterns


@dataclass(frozen=True)
class RuleDefaults:
    prefix: str = ""
    date_format: str = ""
    separator: str = ""
    width: int = 4
    reset: str = "never"

    def as_fields(self) -> dict:
        return {
            "prefix": self.prefix,
            "date_format": self.date_format,
            "separator": self.separator,
            "width": self.width,
            "reset": self.reset,
        }


@dataclass(frozen=True)
class RecordType:
    key: str
    label: str
    default: RuleDefaults


_types: dict[str, RecordType] = {}


def register(key: str, *, label, default: RuleDefaults) -> RecordType:
    """Declare a numbered record type. Registering the same key twice with other values is a
    programming error; registering it again with the same values is allowed."""
    if len(key) > patterns.RECORD_TYPE_MAX_LENGTH or not patterns.RECORD_TYPE_RE.match(key):
        raise ImproperlyConfigured(
            f"Numbering record type {key!r} must match {patterns.RECORD_TYPE_RE.pattern} and "
            f"have at most {patterns.RECORD_TYPE_MAX_LENGTH} characters."
        )
    try:
        patterns.validate_pattern(**default.as_fields())
    except ValidationError as error:
        raise ImproperlyConfigured(
            f"Default numbering rule of {key!r} is invalid: {error.messages}"
        ) from None
    entry = RecordType(key, label, default)
    existing = _types.get(key)
    if existing is not None and existing != entry:
        raise ImproperlyConfigured(f"Numbering record type {key!r} is already registered.")
    _types[key] = entry
    return entry


def unregister(key: str) -> None:
    """Forget a record type (tests that register their own)."""
    _types.pop(key, None)


def get(key: str) -> RecordType:
    try:
        return _types[key]
    except KeyError:
        raise LookupError(f"Numbering record type {key!r} is not registered.") from None


def is_registered(key: str) -> bool:
    return key in _types


def record_types() -> list[RecordType]:
    return sorted(_types.values(), key=lambda entry: entry.key)


def choices() -> list[tuple[str, str]]:
    """Choices for the rule form's record type, evaluated when the form is built."""
    return [(entry.key, entry.label) for entry in record_types()]
