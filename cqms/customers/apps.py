from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "cqms.customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from cqms.audit import codes
        from cqms.core import files, menu, work
        from cqms.numbering import registry
        from cqms.spreadsheets.jobs import register_export, register_import

        from . import spreadsheets as sheets
        from . import work as customer_work

        menu.add(
            "customers",
            menu.MenuItem(
                _("Customers"),
                "customers:list",
                "buildings",
                "customers.view_customer",
                active_prefixes=("/customers/",),
            ),
        )
        menu.add(
            "customers",
            menu.MenuItem(
                _("Supplier portals"),
                "customers:portals",
                "globe2",
                "customers.view_supplierportal",
            ),
        )
        work.register(customer_work.portals_to_check)
        work.register(customer_work.documents_expiring)
        codes.register("customers.portal_checked", _("Supplier portal checked"))
        files.register_stored(self.get_model("CustomerDocument"))
        registry.register(
            "customer",
            label=_("Customer"),
            default=registry.RuleDefaults(prefix="C", width=5, reset="never"),
        )
        register_import(
            sheets.IMPORT_KIND,
            sheets.import_spec,
            check_label=_("Customer import check"),
            commit_label=_("Customer import"),
            commit_url=lambda job: reverse("customers:import_commit", args=[job.pk]),
        )
        register_export(sheets.EXPORT_KIND, sheets.export, label=_("Customer export"))
