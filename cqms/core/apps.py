from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cqms.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        import django_filters.fields
        from django.contrib import admin
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate
        from django.forms import ModelChoiceField

        from cqms.audit import codes
        from cqms.audit.verify import register_check

        from . import (
            checks,  # noqa: F401  (registers the system checks)
            limits,
            lookups,  # noqa: F401  (registers one_of)
            menu,
        )
        from .database import after_migrate, checked_integer_dumpers
        from .files import verify_stored_files
        from .forms import ChoicesInOneRead

        codes.register(
            "files.download_refused",
            _("Download refused: the stored file does not match its upload fingerprint"),
        )
        register_check("files", "stored files", verify_stored_files)
        # Lazy strings: each request shows the admin's name in its own language.
        admin.site.site_header = _("CQMS administration")
        admin.site.site_title = _("CQMS administration")
        admin.site.index_title = _("Administration")
        menu.section("work", _("Work"), 10)
        menu.section("customers", _("Customers"), 20)
        menu.section("organisation", _("Organisation"), 80)
        menu.section("system", _("System"), 90)
        menu.add("work", menu.MenuItem(_("My work"), "home", "house"))
        # The documented hook for the choices of model selects, set for all of them (Django's
        # multiple choice field inherits it, django-filter's two set their own): see
        # ChoicesInOneRead.
        for field_class in (
            ModelChoiceField,
            django_filters.fields.ModelChoiceField,
            django_filters.fields.ModelMultipleChoiceField,
        ):
            field_class.iterator = ChoicesInOneRead
        # Numbers that do not fit their column: refused at every edge, never stored changed.
        limits.bound_model_fields()
        connection_created.connect(checked_integer_dumpers, dispatch_uid="cqms.checked_integers")
        # Connected to the last app, so it runs when every table exists.
        post_migrate.connect(after_migrate, sender=list(self.apps.get_app_configs())[-1])
