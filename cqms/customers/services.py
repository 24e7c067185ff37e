"""Changes to customer master data. Every function checks permission and scope, writes, and
records the audit entry in the same transaction (shared/domain.md; procedure 000 §2 keeps the
customer archive, seed 004 the list of supplier portals)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cqms.audit import services as audit
from cqms.core.errors import BusinessRuleError
from cqms.core.files import check_upload
from cqms.numbering.services import next_number
from cqms.organisation import access

from .models import Address, Contact, Customer, CustomerDocument, SupplierPortal

BULK_FIELDS = {"owner", "department", "classification", "grade", "status"}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_change(actor, customer: Customer, permission: str = "customers.change_customer"):
    """The permission, the customer inside the actor's data scope, and not voided."""
    _require(actor.has_perm(permission))
    _require(access.visible(actor, Customer.objects.filter(pk=customer.pk)).exists())
    if customer.status == Customer.Status.VOIDED:
        raise BusinessRuleError(_("This customer is voided and cannot be changed."), "voided")


# --- Customers ---------------------------------------------------------------------------------


@audit.change_transaction()
def create_customer(values: dict, *, actor) -> Customer:
    """Register a customer; without a code it gets the next number of the "customer" rule."""
    _require(actor.has_perm("customers.add_customer"))
    customer = Customer(**values)
    if not customer.code:
        customer.code = next_number("customer")
    if Customer.objects.filter(code__iexact=customer.code).exists():
        raise ValidationError({"code": _("A customer with this code already exists.")})
    if customer.owner_id is None:
        customer.owner = actor
    if customer.department_id is None:
        customer.department = customer.owner.department
        if customer.department is None:
            raise ValidationError(
                {
                    "department": _(
                        "Choose the responsible department: the account manager has none."
                    )
                }
            )
    return audit.save_new(customer, actor=actor)


@audit.change_transaction()
def update_customer(
    customer: Customer, values: dict, *, actor, expected_version: int, reason: str = ""
) -> list[dict]:
    _require_change(actor, customer)
    if "status" in values and values["status"] == Customer.Status.VOIDED:
        raise BusinessRuleError(_("Use the void action to void a customer."), "use_void")
    code = values.get("code", customer.code)
    duplicate = Customer.objects.filter(code__iexact=code).exclude(pk=customer.pk)
    if code != customer.code and duplicate.exists():
        raise ValidationError({"code": _("A customer with this code already exists.")})
    return audit.save_changes(
        customer, values, actor=actor, expected_version=expected_version, reason=reason
    )


@audit.change_transaction()
def void_customer(customer: Customer, *, actor, reason: str, expected_version: int) -> None:
    """Void instead of delete: the customer's code is never given to anyone else."""
    _require(access.can(actor, "void", customer))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for voiding.")})
    if customer.status == Customer.Status.VOIDED:
        raise BusinessRuleError(_("This customer is already voided."), "already_voided")
    audit.save_changes(
        customer,
        {"status": Customer.Status.VOIDED, "void_reason": reason},
        actor=actor,
        expected_version=expected_version,
        reason=reason,
        action=audit.VOID,
    )


@audit.change_transaction()
def bulk_update_customers(customers: Iterable[Customer], values: dict, *, actor) -> int:
    """One change applied to many customers at once: one transaction, one entry per customer."""
    if not values or set(values) - BULK_FIELDS:
        raise BusinessRuleError(_("Choose what to change."), "bulk_fields")
    changed = 0
    for customer in customers:
        _require_change(actor, customer)
        if audit.save_changes(customer, values, actor=actor):
            changed += 1
    return changed


# --- Contacts and addresses --------------------------------------------------------------------


@audit.change_transaction()
def add_contact(customer: Customer, values: dict, *, actor) -> Contact:
    _require_change(actor, customer, "customers.add_contact")
    contact = Contact(customer=customer, **values)
    if contact.is_primary:
        _clear_primary(customer, actor)
    return audit.save_new(contact, actor=actor)


@audit.change_transaction()
def update_contact(contact: Contact, values: dict, *, actor, expected_version: int) -> list[dict]:
    _require_change(actor, contact.customer, "customers.change_contact")
    if values.get("is_primary") and not contact.is_primary:
        _clear_primary(contact.customer, actor, keep=contact)
    return audit.save_changes(contact, values, actor=actor, expected_version=expected_version)


def _clear_primary(customer: Customer, actor, keep: Contact | None = None) -> None:
    others = customer.contacts.filter(is_primary=True).exclude(pk=getattr(keep, "pk", None))
    for other in others:
        audit.save_changes(other, {"is_primary": False}, actor=actor)


@audit.change_transaction()
def add_address(customer: Customer, values: dict, *, actor) -> Address:
    _require_change(actor, customer, "customers.add_address")
    return audit.save_new(Address(customer=customer, **values), actor=actor)


@audit.change_transaction()
def update_address(address: Address, values: dict, *, actor, expected_version: int) -> list[dict]:
    _require_change(actor, address.customer, "customers.change_address")
    return audit.save_changes(address, values, actor=actor, expected_version=expected_version)


# --- Customer archive --------------------------------------------------------------------------


@audit.change_transaction()
def add_document(customer: Customer, values: dict, upload, *, actor) -> CustomerDocument:
    """File a customer document. A new revision of the same document number supersedes the
    current one, which stays readable."""
    _require_change(actor, customer, "customers.add_customerdocument")
    checked = check_upload(upload)
    document = CustomerDocument(
        customer=customer,
        original_filename=checked.original_name,
        file_size=checked.size,
        sha256=checked.sha256,
        **values,
    )
    document.file.save(checked.original_name, upload, save=False)
    if document.document_number:
        previous = customer.documents.filter(
            doc_type=document.doc_type,
            document_number=document.document_number,
            status=CustomerDocument.Status.CURRENT,
        )
        for old in previous:
            audit.save_changes(
                old,
                {"status": CustomerDocument.Status.SUPERSEDED},
                actor=actor,
                reason=_("Superseded by revision %(revision)s.") % {"revision": document.revision},
            )
    return audit.save_new(document, actor=actor)


@audit.change_transaction()
def update_document(
    document: CustomerDocument, values: dict, *, actor, expected_version: int
) -> list[dict]:
    _require_change(actor, document.customer, "customers.change_customerdocument")
    return audit.save_changes(document, values, actor=actor, expected_version=expected_version)


@audit.change_transaction()
def void_document(document: CustomerDocument, *, actor, reason: str) -> None:
    _require_change(actor, document.customer, "customers.change_customerdocument")
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for voiding.")})
    audit.save_changes(
        document,
        {"status": CustomerDocument.Status.VOIDED, "void_reason": reason},
        actor=actor,
        reason=reason,
        action=audit.VOID,
    )


# --- Supplier portals --------------------------------------------------------------------------


def _next_due(portal: SupplierPortal, checked_on: dt.date | None) -> dt.date:
    if checked_on is None:
        return timezone.localdate()
    return checked_on + dt.timedelta(days=SupplierPortal.INTERVAL_DAYS[portal.check_frequency])


@audit.change_transaction()
def add_portal(customer: Customer, values: dict, *, actor) -> SupplierPortal:
    _require_change(actor, customer, "customers.add_supplierportal")
    portal = SupplierPortal(customer=customer, **values)
    portal.next_check_due = _next_due(portal, None)
    return audit.save_new(portal, actor=actor)


@audit.change_transaction()
def update_portal(
    portal: SupplierPortal, values: dict, *, actor, expected_version: int
) -> list[dict]:
    _require_change(actor, portal.customer, "customers.change_supplierportal")
    if "check_frequency" in values and portal.last_checked_at:
        probe = SupplierPortal(check_frequency=values["check_frequency"])
        values = {
            **values,
            "next_check_due": _next_due(probe, timezone.localdate(portal.last_checked_at)),
        }
    return audit.save_changes(portal, values, actor=actor, expected_version=expected_version)


@audit.change_transaction()
def record_portal_check(portal: SupplierPortal, *, actor, note: str = "") -> SupplierPortal:
    """The account owner (or whoever acts for them) checked the portal today."""
    if actor != portal.account_owner:
        _require(access.can(actor, "change", portal))
    now = timezone.now()
    audit.save_changes(
        portal,
        {"last_checked_at": now, "next_check_due": _next_due(portal, timezone.localdate(now))},
        actor=actor,
        reason=note,
        action="customers.portal_checked",
    )
    return portal
