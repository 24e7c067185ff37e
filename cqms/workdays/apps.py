from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "cqms.workdays"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cqms.core import menu, work

        from .defaults import seed_new_database
        from .work import calendar_missing

        post_migrate.connect(seed_new_database, sender=self)
        menu.add(
            "system", menu.MenuItem(_("Working-day calendar"), "workdays:calendar", "calendar3")
        )
        work.register(calendar_missing)
