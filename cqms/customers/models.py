"""Customer master data: customers, contacts, addresses, the customer archive and the list of
the customers' supplier portals (顾客供应商门户网站清单)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cqms.core import previews, search
from cqms.core.models import VersionedModel
from cqms.core.search import SearchKeyField


class Customer(VersionedModel):
    class Classification(models.TextChoices):
        KEY = "key", _("Key customer")
        NORMAL = "normal", _("Normal customer")
        POTENTIAL = "potential", _("Potential customer")

    class Grade(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    class Industry(models.TextChoices):
        AUTOMOTIVE = "automotive", _("Automotive")
        MOTORCYCLE = "motorcycle", _("Motorcycle")
        NEW_ENERGY = "new_energy", _("New energy")
        ELECTRONICS = "electronics", _("Electronics and electrical")
        APPLIANCES = "appliances", _("Home appliances")
        MACHINERY = "machinery", _("Machinery and equipment")
        MEDICAL = "medical", _("Medical devices")
        OTHER = "other", _("Other")

    class DocumentLanguage(models.TextChoices):
        CHINESE = "zh", _("Chinese")
        ENGLISH = "en", _("English")
        BILINGUAL = "bilingual", _("Chinese and English")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        VOIDED = "voided", _("Voided")

    code = models.CharField(_("customer code"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    classification = models.CharField(
        _("classification"), max_length=12, choices=Classification, default=Classification.NORMAL
    )
    grade = models.CharField(_("grade"), max_length=1, choices=Grade, default=Grade.B)
    industry = models.CharField(
        _("industry"), max_length=20, choices=Industry, default=Industry.AUTOMOTIVE
    )
    oem_group = models.CharField(_("OEM group"), max_length=100, blank=True)
    supplier_code = models.CharField(
        _("our supplier code"),
        max_length=40,
        blank=True,
        help_text=_("The supplier code this customer gave us; printed on our 8D reports."),
    )
    document_language = models.CharField(
        _("document language"),
        max_length=10,
        choices=DocumentLanguage,
        default=DocumentLanguage.CHINESE,
        help_text=_("The language of the 8D reports and letters this customer receives."),
    )
    country = models.CharField(_("country or region"), max_length=60, default="中国")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    customer_since = models.DateField(_("customer since"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    notes = models.TextField(_("notes"), blank=True)
    void_reason = models.TextField(_("reason for voiding"), blank=True)
    search_key = SearchKeyField()

    SCOPE_FIELDS = {"owner_fields": ("owner",), "department_field": "department"}

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        permissions = [
            ("import_customer", _("Can import customers from Excel")),
            ("export_customer", _("Can export customers")),
            ("void_customer", _("Can void customers")),
        ]
        indexes = [
            models.Index(fields=["status", "code"], name="customer_status_code_idx"),
            # The list header counts customers by classification on every full page.
            models.Index(fields=["classification", "status"], name="customer_class_status_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.display_name}"

    def derived_columns(self) -> dict:
        """The search key follows the names (see core/search.py)."""
        self.search_key = search.search_key(self.name, self.short_name)
        return {"search_key": self.search_key}

    def save(self, *args, **kwargs):
        self.derived_columns()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("customers:detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Contact(VersionedModel):
    class Role(models.TextChoices):
        QUALITY = "quality", _("Quality")
        PURCHASING = "purchasing", _("Purchasing")
        LOGISTICS = "logistics", _("Logistics")
        ENGINEERING = "engineering", _("Engineering")
        MANAGEMENT = "management", _("Management")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("position"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=Role, default=Role.QUALITY)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    wecom_user_id = models.CharField(_("WeCom user id"), max_length=64, blank=True)
    dingtalk_user_id = models.CharField(_("DingTalk user id"), max_length=64, blank=True)
    feishu_open_id = models.CharField(_("Feishu open id"), max_length=64, blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    audit_parent = "customer"
    SCOPE_FIELDS = {
        "owner_fields": ("customer__owner",),
        "department_field": "customer__department",
    }

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self):
        return self.name


class Address(VersionedModel):
    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered office")
        BILLING = "billing", _("Invoice address")
        DELIVERY = "delivery", _("Delivery address")
        PLANT = "plant", _("Plant")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="addresses"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.DELIVERY)
    line = models.CharField(_("address"), max_length=300)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province or state"), max_length=100, blank=True)
    country = models.CharField(_("country or region"), max_length=60, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    audit_parent = "customer"

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["kind", "pk"]

    def __str__(self):
        return ", ".join(part for part in (self.line, self.city, self.country) if part)


def document_path(instance, filename: str) -> str:
    """A random storage name: user file names never reach the file system."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"customers/documents/{uuid.uuid4().hex}{suffix}"


class CustomerDocument(VersionedModel):
    class Type(models.TextChoices):
        DRAWING = "drawing", _("Drawing")
        SPECIFICATION = "specification", _("Specification")
        QUALITY_AGREEMENT = "quality_agreement", _("Quality agreement")
        CSR = "csr", _("Customer-specific requirements document")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        CURRENT = "current", _("Current")
        SUPERSEDED = "superseded", _("Superseded")
        VOIDED = "voided", _("Voided")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="documents"
    )
    doc_type = models.CharField(_("document type"), max_length=20, choices=Type)
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    revision = models.CharField(_("revision"), max_length=20, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_filename = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.CURRENT)
    notes = models.TextField(_("notes"), blank=True)
    void_reason = models.TextField(_("reason for voiding"), blank=True)

    audit_parent = "customer"
    SCOPE_FIELDS = {
        "owner_fields": ("customer__owner",),
        "department_field": "customer__department",
    }

    class Meta:
        verbose_name = _("customer document")
        verbose_name_plural = _("customer archive")
        ordering = ["doc_type", "title", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="document_validity_period",
            )
        ]

    def __str__(self):
        revision = f" {self.revision}" if self.revision else ""
        return f"{self.title}{revision}"

    def expires_within(self, days: int) -> bool:
        if self.valid_until is None:
            return False
        return self.valid_until <= timezone.localdate() + dt.timedelta(days=days)

    @property
    def is_image(self) -> bool:
        """Offered as a thumbnail; its content is checked when served (core.previews)."""
        return previews.looks_like_image(self.original_filename)


class SupplierPortal(VersionedModel):
    """A customer's supplier portal that someone here must check regularly (new requirements,
    scorecards, claims, delivery schedules)."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        BIWEEKLY = "biweekly", _("Every two weeks")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    INTERVAL_DAYS = {"daily": 1, "weekly": 7, "biweekly": 14, "monthly": 30, "quarterly": 91}

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="portals"
    )
    name = models.CharField(_("portal name"), max_length=100)
    url = models.URLField(_("address (URL)"), max_length=500)
    account_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our account owner"),
        on_delete=models.PROTECT,
        related_name="supplier_portals",
    )
    check_frequency = models.CharField(
        _("check frequency"), max_length=10, choices=Frequency, default=Frequency.WEEKLY
    )
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    next_check_due = models.DateField(_("next check due"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    audit_parent = "customer"
    SCOPE_FIELDS = {
        "owner_fields": ("account_owner", "customer__owner"),
        "department_field": "customer__department",
    }

    class Meta:
        verbose_name = _("supplier portal")
        verbose_name_plural = _("supplier portals")
        ordering = ["next_check_due", "name"]
        indexes = [models.Index(fields=["account_owner", "next_check_due"], name="portal_due_idx")]

    def __str__(self):
        return self.name

    @property
    def overdue(self) -> bool:
        return self.next_check_due is not None and self.next_check_due < timezone.localdate()
