from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "cqms.complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cqms.audit import codes
        from cqms.core import files, menu
        from cqms.notifications import escalation
        from cqms.numbering import registry

        from . import answers, eightd, services, statistics
        from .defaults import ensure_defaults

        post_migrate.connect(ensure_defaults, sender=self)
        menu.section("quality", _("Quality"), 30)
        menu.add(
            "quality",
            menu.MenuItem(
                _("Complaint register"),
                "complaints:register",
                "exclamation-octagon",
                "complaints.view_complaint",
                active_prefixes=("/complaints/",),
            ),
        )
        from .models import ClockName

        for value, label in ClockName.choices:
            escalation.register_clock(value, label)
        for code, label in services.AUDIT_CODES:
            codes.register(code, label)
        files.register_stored(self.get_model("Attachment"))
        eightd.register()
        answers.register()
        statistics.register()
        registry.register(
            "complaint",
            label=_("Customer complaint"),
            default=registry.RuleDefaults(
                prefix="KS", date_format="yyyy", separator="-", width=4, reset="yearly"
            ),
        )
