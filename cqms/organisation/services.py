"""Organisation changes made by users themselves (administrators use the admin pages, which
audit through the same trail)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.audit import services as audit
from cqms.core.errors import BusinessRuleError

from .models import Delegation, User


@audit.change_transaction()
def delegate_work(
    *, delegator: User, delegate: User, starts_on, ends_on, reason: str, actor: User
) -> Delegation:
    """Hand one's work to a colleague for a period (the delegator or an administrator)."""
    if actor != delegator and not actor.has_perm("organisation.add_delegation"):
        raise PermissionDenied
    overlapping = Delegation.objects.filter(
        delegator=delegator, revoked_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if overlapping.exists():
        raise BusinessRuleError(
            _("A delegation already covers part of this period; revoke it first."),
            code="delegation_overlap",
        )
    delegation = Delegation(
        delegator=delegator,
        delegate=delegate,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by=actor,
    )
    return audit.save_new(delegation, actor=actor)


@audit.change_transaction()
def revoke_delegation(delegation: Delegation, *, actor: User) -> Delegation:
    if actor != delegation.delegator and not actor.has_perm("organisation.change_delegation"):
        raise PermissionDenied
    if delegation.revoked_at is not None:
        raise BusinessRuleError(_("This delegation is already revoked."), code="already_revoked")
    audit.save_changes(delegation, {"revoked_at": timezone.now()}, actor=actor)
    return delegation


@audit.change_transaction()
def create_user(values: dict, *, roles=(), password: str | None = None, actor=None) -> User:
    """Open an account (administrators, the demo, imports of staff lists). Its roles are part
    of the creation entry: access rights are audited like any other value."""
    if actor is not None and not actor.has_perm("organisation.add_user"):
        raise PermissionDenied
    user = User(**values)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    audit.save_new(user, actor=actor)
    if roles:
        user.roles.set(roles)
        ids = ",".join(sorted(str(role.pk) for role in user.roles.all()))
        audit.record(
            user, audit.UPDATE, actor=actor, changes=[{"field": "roles", "old": "", "new": ids}]
        )
    return user


@audit.change_transaction()
def update_profile(user: User, values: dict, *, actor: User) -> list[dict]:
    if actor != user:
        raise PermissionDenied
    return audit.save_changes(user, values, actor=actor)
