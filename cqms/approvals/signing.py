"""Electronic signatures (21 CFR Part 11 §11.50, §11.70, §11.200; shared/reliability.md D6).

A signature is given with the signer's password (and a one-time code where a second factor is
enabled), checked through Django's `authenticate()` so that failures count towards the log-in
lockout. It stores the printed name, the time, the meaning, the reason and the SHA-256 of the
canonical JSON of the signed content together with the record's type and id and, where the kind
names evidence files, each file's SHA-256 taken at upload (kept in `files` too); an HMAC with the
server key (the audit key, `audit.keys.audit_key()`) seals every stored value. `verify()`
answers:

- "valid": the seal holds and the record's signed content is what was signed;
- "changed": the seal holds but the content has changed since ("no longer matches"), or an
  evidence file's stored digest differs from the signed one, or its bytes in storage differ from
  its stored digest (`check()` names the files);
- "tampered": a stored value of the signature itself was changed;
- "unknown": the record or its approval kind no longer exists, so nothing can be compared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
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
from cqms.core import files as stored
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
FILES_CHANGED = _(
    "Signature no longer matches: evidence file %(files)s was changed after signing or in storage"
)
FILES_NOT_COVERED = _(
    "Signed before evidence files were covered by signatures: their files are not checked."
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


def _hash(record: models.Model, content, files: list | None) -> str:
    payload = {
        "record_type": record._meta.label_lower,
        "record_id": str(record.pk),
        "content": content,
    }
    if files is not None:  # signatures made before files were covered hash without the key
        payload["files"] = files
    return hashlib.sha256(canonical(payload)).hexdigest()


@dataclass
class Current:
    """A record's signed content of one kind now, read once for all its signatures: the hash
    with and without the evidence files, the files ([key, name, stored SHA-256]) and those whose
    bytes in storage no longer have their stored digest."""

    content_hash: str | None
    files_hash: str | None = None
    files: list | None = None
    damaged: set = field(default_factory=set)


def current_content(record: models.Model, kind: str, *, quick: bool = False) -> Current:
    """`quick` (pages) lets unchanged files reuse a digest computed earlier (core.files)."""
    definition = registry.get(kind)
    content = definition.signed_content(record)
    if definition.signed_files is None:
        return Current(_hash(record, content, None))
    files, damaged = [], set()
    for row in definition.signed_files(record):
        key = f"{row._meta.label_lower}:{row.pk}"
        files.append([key, row.original_filename, row.sha256])
        state = stored.file_state(row.file, row.sha256, size=row.file_size or None, quick=quick)
        if state != stored.OK:
            damaged.add(key)
    files.sort()
    return Current(_hash(record, content, None), _hash(record, content, files), files, damaged)


def content_hash(record: models.Model, kind: str) -> str:
    """SHA-256 of the signed content (and evidence files), bound to the record's type and id (a
    signature copied to another record cannot match)."""
    current = current_content(record, kind)
    return current.content_hash if current.files is None else current.files_hash


def seal(signature: Signature) -> str:
    values = {name: getattr(signature, name) for name in SEALED_FIELDS}
    for name in ("object_id", "record_version", "instance_id", "task_id", "signer_id"):
        values[name] = None if values[name] is None else str(values[name])
    values["on_behalf_of_id"] = (
        None if values["on_behalf_of_id"] is None else str(values["on_behalf_of_id"])
    )
    if signature.files is not None:  # absent from the seals made before files were signed
        values["files"] = signature.files
    message = b"approvals.signature|" + canonical(values)
    return hmac.new(audit_key().encode(), message, hashlib.sha256).hexdigest()


@dataclass
class Verdict:
    state: str
    files: list[str] = field(default_factory=list)  # names of the changed evidence files
    covers_files: bool | None = None  # None: the kind signs no files

    @property
    def label(self) -> str:
        if self.state == CHANGED and self.files:
            names = ", ".join(f"“{name}”" for name in self.files)
            return str(FILES_CHANGED) % {"files": names}
        return str(STATE_LABELS[self.state])


def check(
    signature: Signature, record: models.Model | None = None, *, current: Current | None = None
) -> Verdict:
    """The state of a signature now, naming the evidence files that changed; `current` saves
    reading again the content of a record that carries several signatures of the same kind."""
    if not hmac.compare_digest(seal(signature), signature.seal):
        return Verdict(TAMPERED)
    if record is None:
        record = signature.record
    if record is None or not registry.is_registered(signature.kind):
        return Verdict(UNKNOWN)
    if (record._meta.label_lower, record.pk) != (signature.record_type, signature.object_id):
        return Verdict(TAMPERED)
    if current is None:
        try:
            current = current_content(record, signature.kind)
        except Exception:
            return Verdict(UNKNOWN)
    if current.content_hash is None:
        return Verdict(UNKNOWN)
    if signature.files is None:  # as before: the content alone
        covers = None if current.files is None else False
        same = hmac.compare_digest(current.content_hash, signature.content_hash)
        return Verdict(VALID if same else CHANGED, covers_files=covers)
    signed = {key: (name, digest) for key, name, digest in signature.files}
    now = {key: (name, digest) for key, name, digest in current.files or []}
    changed = [
        (now.get(key) or signed[key])[0]
        for key in sorted(signed.keys() | now.keys())
        if signed.get(key) != now.get(key) or key in current.damaged
    ]
    same = current.files_hash is not None and hmac.compare_digest(
        current.files_hash, signature.content_hash
    )
    if same and not changed:
        return Verdict(VALID, covers_files=True)
    return Verdict(CHANGED, changed, covers_files=True)


def verify(
    signature: Signature, record: models.Model | None = None, *, current: Current | None = None
) -> str:
    return check(signature, record, current=current).state


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
    current = current_content(record, kind)  # every evidence file read in full
    if current.damaged:
        names = ", ".join(
            f"“{name}”" for key, name, _digest in current.files if key in current.damaged
        )
        raise BusinessRuleError(
            _(
                "Evidence file %(files)s no longer matches the fingerprint taken when it was "
                "uploaded. Nothing was signed; tell an administrator."
            )
            % {"files": names},
            "signature_file_changed",
        )
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
        content_hash=current.content_hash if current.files is None else current.files_hash,
        files=current.files,
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
