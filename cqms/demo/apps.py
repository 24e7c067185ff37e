from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Sits on top of every part: loads fictional demo data through their services."""

    name = "cqms.demo"
    verbose_name = _("Demo data")
