from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "cqms.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cqms.audit import codes
        from cqms.core import menu

        from . import audit_anchors
        from .defaults import ensure_defaults

        post_migrate.connect(ensure_defaults, sender=self)
        audit_anchors.register()
        menu.add(
            "work",
            menu.MenuItem(_("Notifications"), "notifications:inbox", "bell"),
        )
        menu.add(
            "system",
            menu.MenuItem(
                _("Notification channels"),
                "notifications:channels",
                "broadcast",
                "notifications.view_channel",
                active_prefixes=("/notifications/channels/",),
            ),
        )
        codes.register("notifications.secret_replaced", _("Secret replaced"))
