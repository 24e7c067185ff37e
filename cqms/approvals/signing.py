"""Electronic signatures (21 CFR Part 11 §11.50, §11.70, §11.200; shared/reliability.md D6).

A signature is given with the signer's password (and a one-time code where a second factor is
enabled), checked through Django's `authenticate()` so that failures count towards the log-in
lockout. It stores the printed name, the time, the meaning, the reason and the SHA-256 of the
canonical JSON of the signed content together with the record's type and id; an HMAC with the
server key (the audit key, `audit.keys.audit_key()`) seals every stored value. `verify()`
answers:

- "valid": the seal holds and the record's signed content is what was signed;
- "changed": the seal holds but the content has changed since ("no longer matches");
- "tampered": a stored value of the signature itself was changed;
- "unknown": the record or its approval kind no longer exists, so nothing can be compared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cqms.audit import services as audit
from cqms.audit.chain import key_id
from cqms.audit.keys import audit_key
from cqms.core.errors import BusinessRuleError

from . import registry
from .models import Meaning, Signature

VALID, CHANGED, TAMPERED, UNKNOWN = "valid", "changed", "tampered", "unknown"
STATE_LABELS = {
    VALID: _("Signature matches the record"),
    CHANGED: _("Signature no longer matches: the record was changed after signing"),
    TAMPERED: _("Signature data was altered"),
    UNKNOWN: _("Signature cannot be checked"),
}
SEALED_FIELDS = (
    "kind",
    "record_type",
    "object_id",
    "record_version",
    "instance_id",
    "task_id",
    "node_name",
    "signer_id",
    "signer_name",
    "on_behalf_of_id",
    "on_behalf_of_name",
    "signed_at",
    "meaning",
    "reason",
    "method",
    "content_hash",
    "key_id",
)


class SignatureRefused(BusinessRuleError):
    """The credentials did not sign: wrong password or code, or signing is locked."""

    status_code = 403


@dataclass
class SignatureInput:
    """What the signer enters. `request` is the HTTP request (the lockout counts per user
    name and address); `username` is asked on the first signing of a session."""

    password: str
    meaning: str = Meaning.APPROVED
    request: Any = None
    username: str | None = None
    otp: str = ""


class SecondFactor(Protocol):
    """A one-time code provider (TOTP, SMS ...): not shipped yet, plugged in with
    `set_second_factor()`. When it is required for a user, the signing form asks the code."""

    def required_for(self, user) -> bool: ...

    def verify(self, user, code: str) -> bool: ...


_second_factor: SecondFactor | None = None


def set_second_factor(provider: SecondFactor | None) -> None:
    global _second_factor
    _second_factor = provider


def second_factor_required(user) -> bool:
    return _second_factor is not None and _second_factor.required_for(user)


# --- Canonical content and the seal -------------------------------------------------------------


def _default(value):
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 12000, 12000.00 and 1.2E+4 sign alike
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or None
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return str(value)


def canonical(value) -> bytes:
    """The same bytes on SQLite and PostgreSQL, in any language and time zone."""
    return json.dumps(
        value, default=_default, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def content_hash(record: models.Model, kind: str) -> str:
    """SHA-256 of the signed content, bound to the record's type and id (a signature copied
    to another record cannot match)."""
    content = registry.get(kind).signed_content(record)
    payload = {
        "record_type": record._meta.label_lower,
        "record_id": str(record.pk),
        "content": content,
    }
    return hashlib.sha256(canonical(payload)).hexdigest()


def seal(signature: Signature) -> str:
    values = {name: getattr(signature, name) for name in SEALED_FIELDS}
    for name in ("object_id", "record_version", "instance_id", "task_id", "signer_id"):
        values[name] = None if values[name] is None else str(values[name])
    values["on_behalf_of_id"] = (
        None if values["on_behalf_of_id"] is None else str(values["on_behalf_of_id"])
    )
    message = b"approvals.signature|" + canonical(values)
    return hmac.new(audit_key().encode(), message, hashlib.sha256).hexdigest()


def verify(
    signature: Signature, record: models.Model | None = None, *, current_hash: str | None = None
) -> str:
    """The state of a signature now; `current_hash` saves recomputing the content hash of a
    record that carries several signatures of the same kind."""
    if not hmac.compare_digest(seal(signature), signature.seal):
        return TAMPERED
    if record is None:
        record = signature.record
    if record is None or not registry.is_registered(signature.kind):
        return UNKNOWN
    if (record._meta.label_lower, record.pk) != (signature.record_type, signature.object_id):
        return TAMPERED
    if current_hash is None:
        try:
            current_hash = content_hash(record, signature.kind)
        except Exception:
            return UNKNOWN
    return VALID if hmac.compare_digest(current_hash, signature.content_hash) else CHANGED


# --- Signing ----------------------------------------------------------------------------------


def check_credentials(entry: SignatureInput, actor, *, subject: models.Model | None = None) -> str:
    """Raise SignatureRefused unless `entry` holds the actor's own password (and code).

    Runs before, never inside, the transaction of the signed change: the failure counter of
    the lockout and the refusal's audit entry must stay when the change is refused."""
    request = entry.request
    if request is None:
        raise SignatureRefused(_("Signing needs the password entered on the page."), "signature")
    username = (entry.username or "").strip() or actor.get_username()
    user = authenticate(request, username=username, password=entry.password or "")
    if user is None or user.pk != actor.pk:
        locked = bool(getattr(request, "axes_locked_out", False))
        _refused(actor, subject, locked=locked)
        if locked:
            raise SignatureRefused(
                _(
                    "Too many wrong passwords: signing and logging in are locked for this "
                    "account from this address for a while. Nothing was signed."
                ),
                "signature_locked",
            )
        raise SignatureRefused(
            _("The user name or password is not correct. Nothing was signed."), "signature_refused"
        )
    method = "password"
    if second_factor_required(actor):
        if not entry.otp or not _second_factor.verify(actor, entry.otp.strip()):
            _refused(actor, subject, locked=False, reason="one-time code")
            raise SignatureRefused(
                _("The one-time code is not correct. Nothing was signed."), "signature_refused"
            )
        method = "password+otp"
    return method


def _refused(actor, subject, *, locked: bool, reason: str = "password") -> None:
    """An audit entry per refused signing, and the administrators told about a lockout
    (21 CFR 11.300(d))."""
    from cqms.notifications.services import publish

    with audit.change_transaction():
        audit.record(
            subject if subject is not None else actor,
            "approvals.signature_refused",
            actor=actor,
            reason=f"wrong {reason}" + (", locked" if locked else ""),
        )
        if locked:
            from .resolve import administrators

            hour = timezone.now().strftime("%Y%m%d%H")
            publish(
                "signature_locked_out",
                recipients=administrators(),
                actor=actor,
                context={"user": str(actor), "username": actor.get_username()},
                key=f"approvals:locked:{actor.pk}:{hour}",
            )


def sign(
    record: models.Model,
    *,
    kind: str,
    signer,
    meaning: str,
    reason: str = "",
    on_behalf_of=None,
    instance=None,
    task=None,
    method: str = "password",
) -> Signature:
    """Store a signature of `record` (inside the change's transaction, after the credentials
    were checked with `check_credentials`)."""
    if meaning not in Meaning.values:
        raise BusinessRuleError(_("Choose what your signature means."), "signature_meaning")
    signature = Signature(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        kind=kind,
        record_type=record._meta.label_lower,
        record_version=getattr(record, "version", None),
        instance=instance,
        task=task,
        node_name=task.node_name if task is not None else "",
        signer=signer,
        signer_name=printed_name(signer),
        on_behalf_of=on_behalf_of,
        on_behalf_of_name=printed_name(on_behalf_of) if on_behalf_of is not None else "",
        signed_at=timezone.now(),
        meaning=meaning,
        reason=reason,
        method=method,
        content_hash=content_hash(record, kind),
        key_id=key_id(),
    )
    signature.seal = seal(signature)
    signature.save(force_insert=True)
    values = {k: v for k, v in audit.snapshot(signature).items() if v not in (None, "")}
    audit.record(
        signature,
        "approvals.signed",
        actor=signer,
        on_behalf_of=on_behalf_of,
        changes=audit.diff(signature, dict.fromkeys(values), values),
        reason=reason,
    )
    return signature


def printed_name(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:150]
