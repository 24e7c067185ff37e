from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "cqms.jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cqms.core import menu, work

        from . import registry
        from .defaults import ensure_schedule
        from .handlers import worker_check
        from .work import my_jobs

        registry.register("jobs.worker_check", worker_check, _("Job worker check"))
        menu.add("system", menu.MenuItem(_("Background jobs"), "jobs:list", "hourglass-split"))
        work.register(my_jobs)
        post_migrate.connect(ensure_schedule, sender=self)
