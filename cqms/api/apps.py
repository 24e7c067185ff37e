from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "cqms.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from cqms.core import menu

        menu.add("system", menu.MenuItem(_("API documentation"), "api:docs", "braces"))
