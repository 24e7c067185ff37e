from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "cqms.organisation"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cqms.core import menu, work

        from . import access_cache
        from .defaults import ensure_defaults
        from .work import delegated_to_me

        post_migrate.connect(ensure_defaults, sender=self)
        access_cache.connect()
        menu.add(
            "organisation",
            menu.MenuItem(_("Departments and people"), "organisation:chart", "diagram-3"),
        )
        menu.add(
            "organisation",
            menu.MenuItem(_("Delegation while away"), "organisation:delegations", "person-fill-up"),
        )
        work.register(delegated_to_me)
