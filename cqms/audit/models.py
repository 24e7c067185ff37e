"""The audit trail: one append-only row per change, chained by an HMAC (see docs/dev/audit.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("Web page")
        API = "api", _("API")
        ADMIN = "admin", _("Administration")
        JOB = "job", _("Background job")
        IMPORT = "import", _("Excel import")
        COMMAND = "command", _("Command")
        SYSTEM = "system", _("System")

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    on_behalf_of_name = models.CharField(_("on behalf of"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    record_type = models.CharField(_("record type"), max_length=100)
    record_id = models.CharField(_("record id"), max_length=64)
    record_label = models.CharField(_("record"), max_length=200, blank=True)
    # The page the entry belongs to: a contact's change shows in its customer's history.
    root_type = models.CharField(_("parent record type"), max_length=100)
    root_id = models.CharField(_("parent record id"), max_length=64)
    action = models.CharField(_("action"), max_length=100)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    key_id = models.CharField(_("key id"), max_length=16)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["root_type", "root_id", "id"], name="audit_root_idx"),
            models.Index(fields=["record_type", "record_id", "id"], name="audit_record_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} {self.record_type}:{self.record_id}"


class ChainHead(models.Model):
    """The last entry of the chain; locking this row serialises writers on PostgreSQL."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"#{self.last_id} {self.last_hash[:12]}"
