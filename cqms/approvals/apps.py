from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "cqms.approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cqms.audit import codes
        from cqms.audit.verify import register_check
        from cqms.core import menu, work
        from cqms.notifications import escalation, events

        from . import messages
        from .flows import ensure_default_flows
        from .verify import verify_signatures
        from .work import approvals_waiting

        menu.add(
            "work",
            menu.MenuItem(
                _("My approvals"),
                "approvals:mine",
                "check2-square",
                active_prefixes=("/approvals/",),
            ),
        )
        work.register(approvals_waiting)
        register_check("signatures", "electronic signatures", verify_signatures)
        # After every app's own post_migrate (roles first), so default flows find their roles.
        post_migrate.connect(
            ensure_default_flows,
            sender=list(self.apps.get_app_configs())[-1],
            dispatch_uid="approvals.ensure_default_flows",
        )
        events.register("approval_urged", _("Approval urged"), messages.render_urged)
        events.register("approval_copied", _("Approval copied to you"), messages.render_copied)
        events.register("approval_withdrawn", _("Approval withdrawn"), messages.render_withdrawn)
        events.register("approval_returned", _("Approval returned"), messages.render_returned)
        events.register(
            "signature_locked_out",
            _("Signing locked after wrong passwords"),
            messages.render_locked,
            channels=False,  # a security matter: administrators only, never a group chat
        )
        escalation.register_clock("approval_task", _("Approval decision"))
        for code, label in [
            ("approvals.started", _("Approval started")),
            ("approvals.approved", _("Approved")),
            ("approvals.rejected", _("Rejected")),
            ("approvals.returned", _("Returned to an earlier step")),
            ("approvals.transferred", _("Handed on to another approver")),
            ("approvals.added_before", _("Approver added before")),
            ("approvals.added_after", _("Approver added after")),
            ("approvals.urged", _("Approvers urged")),
            ("approvals.signed", _("Signed electronically")),
            ("approvals.signature_refused", _("Signature refused")),
            ("approvals.step_reached", _("Approval step reached")),
            ("approvals.task_opened", _("Approval task opened")),
            ("approvals.task_skipped", _("Approval task no longer needed")),
            ("approvals.task_cancelled", _("Approval task cancelled")),
            ("approvals.instance_approved", _("Approval completed: approved")),
            ("approvals.instance_rejected", _("Approval completed: rejected")),
            ("approvals.instance_withdrawn", _("Approval withdrawn")),
        ]:
            codes.register(code, label)
