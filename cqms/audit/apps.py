from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "cqms.audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from cqms.core import menu
        from cqms.spreadsheets.jobs import register_export

        from . import checks  # noqa: F401  (registers the start-up check of the audit key)
        from .anchors import ensure_schedule
        from .exports import export
        from .guard import register_sqlite_function
        from .selectors import can_review

        connection_created.connect(register_sqlite_function)
        post_migrate.connect(ensure_schedule, sender=self)
        menu.add(
            "system",
            menu.MenuItem(_("Audit trail"), "audit:trail", "journal-check", permission=can_review),
        )
        register_export("audit.export", export, label=_("Audit trail export"))
