"""`audit_verify --signatures`: every electronic signature checked against its record and the
bytes of the evidence files it signed (shared/reliability.md S3)."""

from __future__ import annotations

from cqms.audit.verify import CheckReport

from . import registry, signing
from .models import Signature


def verify_signatures() -> CheckReport:
    report = CheckReport()
    before_files = 0
    last_key, record, current = None, None, None
    signatures = Signature.objects.order_by("content_type_id", "object_id", "kind", "pk")
    for signature in signatures.iterator(chunk_size=500):
        report.checked += 1
        key = (signature.content_type_id, signature.object_id, signature.kind)
        if key != last_key:  # a record's content and files read once for its signatures
            last_key, record, current = key, signature.record, None
            if record is not None and registry.is_registered(signature.kind):
                try:
                    current = signing.current_content(record, signature.kind)
                except Exception:
                    current = signing.Current(None)
        verdict = signing.check(signature, record, current=current)
        if verdict.covers_files is False:
            before_files += 1
        if verdict.state != signing.VALID:
            files = f": evidence file(s) {', '.join(verdict.files)}" if verdict.files else ""
            report.problems.append(
                f"signature {signature.pk} of {signature.record_type} {signature.object_id} "
                f"({signature.kind}, {signature.signer_name}, {signature.signed_at.isoformat()}): "
                f"{verdict.state}{files}"
            )
    if before_files:
        report.notes.append(
            f"{before_files} signature(s) made before evidence files were signed: "
            "checked against their content only."
        )
    return report
