from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClocksConfig(AppConfig):
    name = "cqms.clocks"
    verbose_name = _("Clocks")
