"""Reads of customer data, always narrowed to the reader's data scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cqms.core import search
from cqms.organisation import access

from .models import Customer, CustomerDocument, SupplierPortal


def customers_visible_to(user) -> QuerySet[Customer]:
    return access.visible(user, Customer.objects.select_related("owner", "department"))


def customer_for_user_or_404(user, pk: int) -> Customer:
    return access.get_visible_or_404(
        user, Customer.objects.select_related("owner", "department", "created_by"), pk=pk
    )


def customer_tabs(customer: Customer) -> dict:
    return {
        "contacts": list(customer.contacts.all()),
        "addresses": list(customer.addresses.all()),
        "documents": list(customer.documents.all()),
        "portals": list(customer.portals.select_related("account_owner")),
    }


def portals_visible_to(user) -> QuerySet[SupplierPortal]:
    return (
        access.visible(user, SupplierPortal.objects.select_related("customer", "account_owner"))
        .filter(is_active=True)
        .exclude(customer__status=Customer.Status.VOIDED)
    )


def portals_due_for(user, *, within_days: int = 0) -> QuerySet[SupplierPortal]:
    """Portals the user (or a colleague the user acts for) must check by the given day."""
    limit = timezone.localdate() + dt.timedelta(days=within_days)
    return (
        SupplierPortal.objects.filter(
            account_owner__in=access.acting_for(user),
            is_active=True,
            next_check_due__lte=limit,
        )
        .exclude(customer__status=Customer.Status.VOIDED)
        .select_related("customer")
        .order_by("next_check_due")
    )


def documents_expiring_for(user, *, within_days: int = 30) -> QuerySet[CustomerDocument]:
    """Current documents of the user's own customers whose validity ends soon or has ended."""
    limit = timezone.localdate() + dt.timedelta(days=within_days)
    return (
        CustomerDocument.objects.filter(
            customer__owner__in=access.acting_for(user),
            status=CustomerDocument.Status.CURRENT,
            valid_until__lte=limit,
        )
        .exclude(customer__status=Customer.Status.VOIDED)
        .select_related("customer")
        .order_by("valid_until")
    )


def classification_counts(user) -> dict[str, int]:
    rows = (
        customers_visible_to(user)
        .exclude(status=Customer.Status.VOIDED)
        .values("classification")
        .annotate(n=Count("*"))
    )
    return {row["classification"]: row["n"] for row in rows}


def search_q(text: str) -> Q:
    """Code, names and OEM group as typed; the Chinese names also by pinyin and initials."""
    text = text.strip()
    found = (
        Q(code__icontains=text)
        | Q(name__icontains=text)
        | Q(name_en__icontains=text)
        | Q(short_name__icontains=text)
        | Q(oem_group__icontains=text)
    )
    key = search.query_key(text)
    return found | Q(search_key__contains=key) if key else found
