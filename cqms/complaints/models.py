"""Customer complaints (客户抱怨) with their 8D report, SLA policies, answers and verdicts.

Procedure 001 §6 is the reference flow: Sales registers, Quality leads the 8D, the customer
accepts the answer or rejects it, and a rejected answer reopens the case as `<number>-1`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cqms.core import previews
from cqms.core.models import TimeStampedModel, VersionedModel
from cqms.numbering.patterns import NUMBER_MAX_LENGTH


class Severity(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


class ComplaintType(models.TextChoices):
    QUALITY = "quality", _("Product quality")
    DELIVERY = "delivery", _("Delivery")
    PACKAGING = "packaging", _("Packaging and labelling")
    DOCUMENTATION = "documentation", _("Documentation")
    SERVICE = "service", _("Service")
    OTHER = "other", _("Other")


class ClockName(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    CONTAINMENT = "containment", _("Containment reply")
    CORRECTIVE_ACTION = "corrective_action", _("Corrective action reply")
    CLOSURE = "closure", _("Closure")


class DefectCategory(models.Model):
    """The administrator's catalogue of defect categories with codes (appearance, dimension …)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("defect category")
        verbose_name_plural = _("defect categories")
        ordering = ["position", "code"]

    def __str__(self):
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class SlaPolicy(models.Model):
    """The time limits complaints get. One default policy; a customer-specific policy (for
    example from the customer's CSR) replaces it for that customer's complaints."""

    name = models.CharField(_("name"), max_length=100)
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_policy",
        help_text=_("Empty: the policy for every customer without its own."),
    )
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    recurrence_window_months = models.PositiveSmallIntegerField(
        _("recurrence window (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "An earlier complaint of the same customer, part and defect category received "
            "within this many months makes a new one a repeat."
        ),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sla_policy_one_default",
            )
        ]

    def __str__(self):
        return self.name


class SlaRule(models.Model):
    """One clock of a policy, optionally only for one severity or complaint type."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="rules")
    clock = models.CharField(_("clock"), max_length=20, choices=ClockName.choices)
    severity = models.CharField(
        _("severity"),
        max_length=10,
        choices=Severity.choices,
        blank=True,
        help_text=_("Empty: both severities."),
    )
    complaint_type = models.CharField(
        _("complaint type"),
        max_length=20,
        choices=ComplaintType.choices,
        blank=True,
        help_text=_("Empty: every type."),
    )
    basis = models.CharField(
        _("basis"),
        max_length=20,
        choices=[
            ("calendar_hours", _("calendar hours")),
            ("working_hours", _("working hours")),
            ("working_days", _("working days")),
        ],
    )
    amount = models.DecimalField(_("time allowed"), max_digits=7, decimal_places=2)

    audit_parent = "policy"

    class Meta:
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")
        ordering = ["policy", "clock", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "clock", "severity", "complaint_type"], name="sla_rule_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_clock_display()} {self.amount} {self.get_basis_display()}"


# The statuses of a complaint still being worked on (Complaint.OPEN_STATUSES), as plain codes
# for the partial index of Complaint.Meta, where the Status class is out of reach.
OPEN_STATUS_CODES = [
    "registered",
    "acknowledged",
    "contained",
    "analysed",
    "actions_answered",
    "answered",
    "accepted",
]


class Complaint(VersionedModel):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        FAX = "fax", _("Fax")
        VISIT = "visit", _("Visit")
        PORTAL = "portal", _("Supplier portal")
        OEM_PORTAL = "oem_portal", _("OEM portal")
        OTHER = "other", _("Other")

    class DetectionPoint(models.TextChoices):
        INCOMING = "incoming", _("Incoming inspection")
        LINE = "line", _("Production line")
        FIELD = "field", pgettext_lazy("detection point", "Field")
        END_CUSTOMER = "end_customer", _("End customer")

    class Status(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("complaint status", "Registered")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        CONTAINED = "contained", _("Containment answered")
        ANALYSED = "analysed", _("Analysed")
        ACTIONS_ANSWERED = "actions_answered", _("Actions answered")
        ANSWERED = "answered", _("Sent to customer")
        ACCEPTED = "accepted", _("Accepted by customer")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Rejected and reopened")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = [
        Status.REGISTERED,
        Status.ACKNOWLEDGED,
        Status.CONTAINED,
        Status.ANALYSED,
        Status.ACTIONS_ANSWERED,
        Status.ANSWERED,
        Status.ACCEPTED,
    ]

    number = models.CharField(_("number"), max_length=NUMBER_MAX_LENGTH, unique=True)
    root_number = models.CharField(_("root number"), max_length=NUMBER_MAX_LENGTH, db_index=True)
    revision = models.PositiveSmallIntegerField(
        _("reopening"), default=0, help_text=_("0 for the original case, n for <number>-n.")
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("reopened from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reopenings",
    )
    reopen_count = models.PositiveSmallIntegerField(_("reopen count"), default=0)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("customer contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    customer_reference = models.CharField(_("customer's reference"), max_length=60, blank=True)
    received_at = models.DateTimeField(_("received at"))
    channel = models.CharField(_("channel"), max_length=12, choices=Channel, default=Channel.EMAIL)
    complaint_type = models.CharField(
        _("complaint type"), max_length=20, choices=ComplaintType, default=ComplaintType.QUALITY
    )
    part_number = models.CharField(_("our part number"), max_length=60)
    part_name = models.CharField(_("part name"), max_length=200, blank=True)
    customer_part_number = models.CharField(_("customer part number"), max_length=60, blank=True)
    lot_number = models.CharField(_("lot or batch"), max_length=100, blank=True)
    quantity_delivered = models.PositiveIntegerField(_("quantity delivered"), null=True, blank=True)
    quantity_affected = models.PositiveIntegerField(_("quantity affected"), null=True, blank=True)
    quantity_checked = models.PositiveIntegerField(_("quantity checked"), null=True, blank=True)
    quantity_rejected = models.PositiveIntegerField(_("quantity rejected"), null=True, blank=True)
    defect_description = models.TextField(_("defect description"))
    defect_category = models.ForeignKey(
        DefectCategory,
        verbose_name=_("defect category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity, default=Severity.NORMAL
    )
    safety_regulatory = models.BooleanField(_("safety or regulatory"), default=False)
    major = models.BooleanField(
        _("major issue"),
        default=False,
        help_text=_("A major quality problem: needs a quality investigation and is escalated."),
    )
    detection_point = models.CharField(
        _("found at"), max_length=20, choices=DetectionPoint, default=DetectionPoint.INCOMING
    )
    goods_returned = models.BooleanField(_("goods returned"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (quality)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_complaints",
    )
    department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first responder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_complaints",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sla_policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.PROTECT, related_name="+"
    )
    is_repeat = models.BooleanField(_("repeat"), default=False)
    repeat_of = models.ManyToManyField(
        "self",
        verbose_name=_("earlier complaints"),
        symmetrical=False,
        blank=True,
        related_name="repeated_by",
    )
    preventive_waived = models.BooleanField(_("preventive action waived"), default=False)
    preventive_waiver_reason = models.TextField(_("reason for the waiver"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.REGISTERED, db_index=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    clocks = GenericRelation("clocks.Clock", related_query_name="complaint")
    CLOCK_LABELS = dict(ClockName.choices)

    SCOPE_FIELDS = {
        "owner_fields": ("owner", "received_by", "customer__owner"),
        "department_fields": ("department", "customer__department"),
    }

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("work_eightd", _("Can work on 8D reports")),
            ("answer_complaint", _("Can answer customers and record verdicts")),
            ("cancel_complaint", _("Can cancel complaints")),
            ("import_complaint", _("Can import complaints from Excel")),
            ("export_complaint", _("Can export complaints")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "customer_reference"],
                condition=~models.Q(customer_reference="") & models.Q(revision=0),
                name="complaint_customer_reference_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["customer", "status", "-received_at"], name="complaint_register_idx"
            ),
            # A customer's newest first, the status read from the index: the register filtered
            # by a customer and several statuses ("open") stops after a page instead of sorting
            # every open complaint of a large customer (22 ms to 1 ms for 3,742 of them).
            models.Index(
                fields=["customer", "-received_at", "status"], name="complaint_customer_recent_idx"
            ),
            # The open complaints of a customer, newest first: counted and paged by the
            # register's default filter with a plan that suits every customer, large or small
            # (filters.ComplaintFilter.filter_status writes the statuses into the SQL).
            models.Index(
                fields=["customer", "-received_at"],
                condition=models.Q(status__in=OPEN_STATUS_CODES),
                name="complaint_open_recent_idx",
            ),
            models.Index(fields=["status", "-received_at"], name="complaint_status_idx"),
            models.Index(fields=["received_at"], name="complaint_received_idx"),
            models.Index(
                fields=["customer", "part_number", "received_at"], name="complaint_recurrence_idx"
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("complaints:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def loaded_clocks(self):
        """The clocks read with a list (`selectors.with_register_columns`), or read now."""
        clocks = getattr(self, "clock_list", None)
        return self.clocks.all() if clocks is None else clocks

    @property
    def overdue(self) -> bool:
        """A running clock is past due (uses the clocks read with a list)."""
        return any(clock.overdue for clock in self.loaded_clocks)


class Step(models.TextChoices):
    D0 = "d0", _("D0 Emergency response")
    D1 = "d1", _("D1 Team")
    D2 = "d2", _("D2 Problem description")
    D3 = "d3", _("D3 Containment")
    D4 = "d4", _("D4 Root cause")
    D5 = "d5", _("D5 Permanent corrective actions")
    D6 = "d6", _("D6 Implementation and validation")
    D7 = "d7", _("D7 Prevention")
    D8 = "d8", _("D8 Closure")


class EightDStep(VersionedModel):
    """One step of the 8D report: its owner, dates, status and its own fields (as data, checked
    by the step's form on the server before the step may be completed)."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=2, choices=Step)
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.NOT_STARTED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    planned_date = models.DateField(_("planned"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("content"), default=dict, blank=True)

    audit_parent = "complaint"

    class Meta:
        verbose_name = _("8D step")
        verbose_name_plural = _("8D steps")
        ordering = ["complaint_id", "step"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "step"], name="eightd_step_once")
        ]

    def __str__(self):
        return self.get_step_display()


class TeamMember(TimeStampedModel):
    class Role(models.TextChoices):
        CHAMPION = "champion", _("Champion")
        LEADER = "leader", _("Leader")
        MEMBER = "member", _("Member")
        CUSTOMER = "customer", _("Customer representative")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.MEMBER)
    contact = models.CharField(_("phone or e-mail"), max_length=100, blank=True)

    audit_parent = "complaint"

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["role", "pk"]

    def __str__(self):
        return str(self.user) if self.user_id else self.name


class ContainmentAction(VersionedModel):
    """One row of the D3 grid: a place where suspect parts may be, what was done there."""

    class Location(models.TextChoices):
        FINISHED_STOCK = "finished_stock", _("Our finished stock")
        WIP = "wip", _("Work in progress")
        IN_TRANSIT = "in_transit", _("In transit")
        CUSTOMER_STOCK = "customer_stock", _("Customer's stock")
        CUSTOMER_LINE = "customer_line", _("Customer's line")
        EXTERNAL_WAREHOUSE = "external_warehouse", _("External warehouse")
        OTHER = "other", _("Other")

    class Result(models.TextChoices):
        OPEN = "", _("Not yet checked")
        CLEAN = "clean", _("No suspect parts")
        SORTED = "sorted", _("Sorted, rejects segregated")
        REWORKED = "reworked", _("Reworked")
        REPLACED = "replaced", _("Replaced")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="containment")
    location = models.CharField(_("location"), max_length=20, choices=Location)
    method = models.CharField(_("method"), max_length=200, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("when"), null=True, blank=True)
    quantity_checked = models.PositiveIntegerField(_("checked"), null=True, blank=True)
    quantity_rejected = models.PositiveIntegerField(_("rejected"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    audit_parent = "complaint"

    class Meta:
        verbose_name = _("containment action")
        verbose_name_plural = _("containment actions")
        ordering = ["complaint_id", "pk"]

    def __str__(self):
        return self.get_location_display()


class RootCause(VersionedModel):
    class Kind(models.TextChoices):
        OCCURRENCE = "occurrence", _("Occurrence")
        ESCAPE = "escape", _("Non-detection (escape)")

    class Category(models.TextChoices):
        MAN = "man", _("Man")
        MACHINE = "machine", _("Machine")
        MATERIAL = "material", _("Material")
        METHOD = "method", _("Method")
        MEASUREMENT = "measurement", _("Measurement")
        ENVIRONMENT = "environment", _("Environment")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="root_causes")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    category = models.CharField(_("Ishikawa category"), max_length=12, choices=Category)
    description = models.TextField(_("root cause"))
    why_chain = models.JSONField(_("5 whys"), default=list, blank=True)
    verification = models.TextField(_("how the cause was verified"), blank=True)
    verified = models.BooleanField(_("verified"), default=False)

    audit_parent = "complaint"

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["complaint_id", "kind", "pk"]

    def __str__(self):
        return self.description[:80]


class Action(VersionedModel):
    """A permanent corrective (D5/D6) or preventive action (D7), with its verification and
    effectiveness check. Quality follows each one in the tracking list (procedure 001 6.3.1)."""

    class Kind(models.TextChoices):
        CORRECTIVE = "corrective", _("Corrective")
        PREVENTIVE = "preventive", _("Preventive")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Implemented")
        EFFECTIVE = "effective", _("Verified effective")
        NOT_EFFECTIVE = "not_effective", _("Not effective")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.CORRECTIVE)
    root_cause = models.ForeignKey(
        RootCause,
        verbose_name=_("root cause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
    )
    description = models.TextField(pgettext_lazy("corrective action", "action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="complaint_actions",
    )
    due_date = models.DateField(_("due"))
    verification_plan = models.CharField(_("how it will be verified"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status, default=Status.OPEN)
    done_at = models.DateTimeField(_("implemented at"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    effectiveness_due = models.DateField(_("effectiveness check due"), null=True, blank=True)
    effectiveness_result = models.TextField(_("effectiveness result"), blank=True)
    effectiveness_checked_at = models.DateTimeField(
        _("effectiveness checked"), null=True, blank=True
    )

    audit_parent = "complaint"

    class Meta:
        verbose_name = pgettext_lazy("corrective action", "action")
        verbose_name_plural = _("actions")
        ordering = ["complaint_id", "kind", "due_date", "pk"]
        indexes = [models.Index(fields=["owner", "status"], name="action_owner_idx")]

    def __str__(self):
        return self.description[:80]


class DocumentUpdate(VersionedModel):
    """D7: a document that may need the lesson (PFMEA, control plan …) and what became of it."""

    class Document(models.TextChoices):
        PFMEA = "pfmea", _("PFMEA")
        CONTROL_PLAN = "control_plan", _("Control plan")
        WORK_INSTRUCTION = "work_instruction", _("Work instruction")
        INSPECTION_STANDARD = "inspection_standard", _("Inspection standard")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="documents")
    document = models.CharField(_("document"), max_length=20, choices=Document)
    affected = models.BooleanField(_("needs updating"), null=True)
    new_revision = models.CharField(_("new revision"), max_length=40, blank=True)
    not_affected_reason = models.CharField(_("why not affected"), max_length=300, blank=True)

    audit_parent = "complaint"

    class Meta:
        verbose_name = _("document update")
        verbose_name_plural = _("document updates")
        ordering = ["complaint_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "document"], name="document_update_once")
        ]

    def __str__(self):
        return self.get_document_display()


class HorizontalDeployment(VersionedModel):
    """D7 横向展开: the lesson carried to similar products, lines or plants."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="deployments")
    target = models.CharField(_("similar product, line or plant"), max_length=200)
    action = models.TextField(_("what is done there"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    audit_parent = "complaint"

    class Meta:
        verbose_name = _("horizontal deployment")
        verbose_name_plural = _("horizontal deployments")
        ordering = ["complaint_id", "pk"]

    def __str__(self):
        return self.target


def attachment_path(instance, filename: str) -> str:
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"complaints/{uuid.uuid4().hex}{suffix}"


class Attachment(TimeStampedModel):
    """Photos of the defect, the customer's documents, evidence of a step."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    step = models.CharField(_("step"), max_length=2, choices=Step, blank=True)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_filename = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("file size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    audit_parent = "complaint"

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["complaint_id", "pk"]

    def __str__(self):
        return self.original_filename

    @property
    def is_image(self) -> bool:
        """Offered as a thumbnail; its content is checked when served (core.previews)."""
        return previews.looks_like_image(self.original_filename)


class QualityInvestigation(VersionedModel):
    """品质调查: required for a major complaint (procedure 002 5.9.5)."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="investigation"
    )
    scope = models.TextField(_("scope (lots, parts, customers, period)"))
    findings = models.TextField(_("findings"), blank=True)
    risk_to_other_customers = models.TextField(_("risk to other customers"), blank=True)
    improvement = models.TextField(_("improvement and prevention"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    audit_parent = "complaint"

    class Meta:
        verbose_name = _("quality investigation")
        verbose_name_plural = _("quality investigations")

    def __str__(self):
        return str(self.complaint)


class Answer(TimeStampedModel):
    """A version of the 8D answer sent to the customer, frozen as sent: a rejection refers to
    exactly what the customer read."""

    class Verdict(models.TextChoices):
        PENDING = "", _("Waiting for the customer")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="answers")
    version_number = models.PositiveSmallIntegerField(_("version"))
    snapshot = models.JSONField(_("content as sent"))
    language = models.CharField(_("language"), max_length=10)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_via = models.CharField(_("sent via"), max_length=12, choices=Complaint.Channel)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict, blank=True)
    verdict_at = models.DateTimeField(_("verdict at"), null=True, blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verdict recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verdict_contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("verdict given by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    containment_rejected = models.BooleanField(
        _("containment found inadequate"),
        default=False,
        help_text=_("The customer also rejected the containment: its clock starts again."),
    )
    sent_to = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("sent to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    audit_parent = "complaint"

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["complaint_id", "version_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "version_number"], name="answer_version_once"
            )
        ]

    def __str__(self):
        return f"{self.complaint} v{self.version_number}"


class VerdictLink(models.Model):
    """A private, expiring link through which the customer's contact accepts or rejects one
    answered version; only a hash of its token is stored."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    audit_parent = "answer"

    class Meta:
        verbose_name = _("verdict link")
        verbose_name_plural = _("verdict links")

    def __str__(self):
        return f"{self.answer} link"


def report_file_path(instance, filename: str) -> str:
    """A new name for every upload: a replaced logo or form stays readable for the reports
    that used it."""
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]
    return f"report-forms/{uuid.uuid4().hex}{suffix}"


def _validate_logo(upload):
    from .report_images import validate_logo

    validate_logo(upload)


def _validate_form_template(upload):
    from .customer_forms import validate_template

    validate_template(upload)


def _form_fields():
    from .customer_forms import field_choices

    return field_choices()


class ReportSettings(models.Model):
    """The controlled form the 8D report is printed on (one row, changed by administrators):
    the company's name and logo, the form number and revision at the top of every page."""

    company_name = models.CharField(_("company name (Chinese)"), max_length=200, blank=True)
    company_name_en = models.CharField(_("company name (English)"), max_length=200, blank=True)
    logo = models.FileField(
        _("logo"),
        upload_to=report_file_path,
        max_length=200,
        blank=True,
        validators=[_validate_logo],
        help_text=_("A PNG or JPEG image, printed at the top of every page of the 8D report."),
    )
    form_number = models.CharField(_("form number"), max_length=40, default="QR-QA-015")
    revision = models.CharField(_("form revision"), max_length=20, default="A/1")
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("8D report form")
        verbose_name_plural = _("8D report form")

    def __str__(self):
        return f"{self.form_number} {self.revision}"

    @classmethod
    def current(cls) -> ReportSettings:
        return cls.objects.order_by("pk").first() or cls()


class CustomerReportForm(models.Model):
    """A customer's own 8D form (an xlsx file) and where the 8D's fields go in it: answers for
    this customer can be produced in it."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="report_form",
    )
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(
        _("form template (xlsx)"),
        upload_to=report_file_path,
        max_length=200,
        validators=[_validate_form_template],
        help_text=_("The customer's 8D form as an .xlsx file without macros."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("customer's 8D form")
        verbose_name_plural = _("customers' 8D forms")
        ordering = ["customer__code"]

    def __str__(self):
        return f"{self.customer.code} {self.name}"


class ReportFormCell(models.Model):
    """One 8D field written into a cell (or named range) of a customer's form. A field of a list
    (team, containment, actions …) fills the rows from this cell down."""

    form = models.ForeignKey(
        CustomerReportForm,
        verbose_name=_("customer's 8D form"),
        on_delete=models.CASCADE,
        related_name="cells",
    )
    field = models.CharField(_("8D field"), max_length=60, choices=_form_fields)
    sheet = models.CharField(
        _("sheet"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the first sheet, or the sheet a named range points to."),
    )
    target = models.CharField(
        _("cell or named range"), max_length=100, help_text=_("For example B4 or ComplaintNo.")
    )
    rows = models.PositiveSmallIntegerField(
        _("rows available"),
        null=True,
        blank=True,
        help_text=_(
            "For a list: how many rows the form has from this cell down. Items that do not fit "
            "go to a continuation sheet."
        ),
    )

    audit_parent = "form"

    class Meta:
        verbose_name = _("mapped cell")
        verbose_name_plural = _("mapped cells")
        ordering = ["form_id", "pk"]

    def __str__(self):
        return f"{self.field} → {self.sheet + '!' if self.sheet else ''}{self.target}"
