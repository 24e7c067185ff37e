"""Approval flows (审批流) and electronic signatures.

A flow is defined per kind of approval ("complaints.eightd_closure") by administrators: steps
of nodes, each with a mode (依次 one after another, 会签 all must approve, 或签 any one),
approver rules, an optional condition, carbon copies, a time limit and its signature rules.
Saving a definition publishes a new revision; an instance keeps the snapshot it started with.
Every approver gets a task; decisions are audited on the approved record and signatures bind
the signer, the meaning and a hash of the signed content (see `signing.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    SEQUENTIAL = "sequential", _("One after another")
    ALL = "all", _("All must approve")
    ANY = "any", _("Any one approves")


class Meaning(models.TextChoices):
    """What a signature means (编制/审核/批准/核决 in the procedures)."""

    APPROVED = "approved", _("Approved")
    REVIEWED = "reviewed", _("Reviewed")
    VERIFIED = "verified", _("Verified")
    DECIDED = "decided", _("Decided")
    REJECTED = "rejected", _("Rejected")


class Operator(models.TextChoices):
    GT = ">", _("greater than")
    GTE = ">=", _("greater than or equal to")
    LT = "<", _("less than")
    LTE = "<=", _("less than or equal to")
    EQ = "==", _("equal to")
    NE = "!=", _("not equal to")
    IN = "in", _("one of (comma-separated)")


class RuleType(models.TextChoices):
    USER = "user", _("A named person")
    ROLE = "role", _("Everyone with a role")
    SUPERVISOR = "supervisor", _("Department head, n levels up")
    DEPARTMENT_HEAD = "department_head", _("Head of a named department")
    RECORD_FIELD = "record_field", _("A person named on the record")


class Basis(models.TextChoices):
    REQUESTER = "requester", _("The requester's department")
    RECORD = "record", _("The record's department")


class ApprovalFlow(models.Model):
    """The current definition of the approval of one kind; `revision` counts its versions."""

    kind = models.CharField(_("approval"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive flow cannot be started; running approvals continue."),
    )
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")
        ordering = ["kind"]
        permissions = [("reassign_approvaltask", _("Can hand other people's approvals on"))]

    def __str__(self):
        return self.name


class ApprovalFlowRevision(models.Model):
    """A published version of a flow definition, kept unchanged for the record."""

    flow = models.ForeignKey(
        ApprovalFlow, verbose_name=_("approval flow"), on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveIntegerField(_("revision"))
    definition = models.JSONField(_("definition"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    audit_parent = "flow"

    class Meta:
        verbose_name = _("approval flow revision")
        verbose_name_plural = _("approval flow revisions")
        ordering = ["flow_id", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["flow", "revision"], name="approval_revision_once")
        ]

    def __str__(self):
        return f"{self.flow} r{self.revision}"


class ApprovalNode(models.Model):
    """One node of a flow. Nodes run step by step; nodes that share a step are conditional
    branches: the first whose condition holds (by priority) runs, else the one without a
    condition (the default branch); with no default and no match the step is left out."""

    flow = models.ForeignKey(
        ApprovalFlow,
        verbose_name=_("approval flow"),
        on_delete=models.CASCADE,
        related_name="nodes",
    )
    step = models.PositiveIntegerField(_("step"), default=1)
    priority = models.PositiveIntegerField(
        _("priority"), default=1, help_text=_("Among branches of one step, lower goes first.")
    )
    name = models.CharField(_("name"), max_length=100)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.SEQUENTIAL)
    condition_field = models.CharField(_("condition field"), max_length=60, blank=True)
    condition_operator = models.CharField(
        _("operator"), max_length=2, choices=Operator.choices, blank=True
    )
    condition_value = models.CharField(_("condition value"), max_length=200, blank=True)
    signature_required = models.BooleanField(_("electronic signature required"), default=False)
    signature_meaning = models.CharField(
        _("signature meaning"), max_length=12, choices=Meaning.choices, default=Meaning.APPROVED
    )
    reason_required = models.BooleanField(_("reason required"), default=False)
    time_limit_hours = models.DecimalField(
        _("time limit (working hours)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: no time limit."),
    )
    cc_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("copy to people"),
        blank=True,
        related_name="approval_cc_nodes+",
    )
    cc_roles = models.ManyToManyField(
        "organisation.Role",
        verbose_name=_("copy to roles"),
        blank=True,
        related_name="approval_cc_nodes+",
    )

    audit_parent = "flow"

    class Meta:
        verbose_name = _("approval node")
        verbose_name_plural = _("approval nodes")
        ordering = ["flow_id", "step", "priority", "pk"]

    def __str__(self):
        return self.name


class ApprovalRule(models.Model):
    """Who approves at a node; a node may combine several rules (their people in order)."""

    node = models.ForeignKey(
        ApprovalNode,
        verbose_name=_("approval node"),
        on_delete=models.CASCADE,
        related_name="rules",
    )
    position = models.PositiveIntegerField(_("position"), default=1)
    rule_type = models.CharField(_("approver"), max_length=20, choices=RuleType.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.ForeignKey(
        "organisation.Role",
        verbose_name=_("role"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "organisation.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    basis = models.CharField(
        _("department of"), max_length=10, choices=Basis.choices, default=Basis.REQUESTER
    )
    levels = models.PositiveSmallIntegerField(
        _("levels up"), default=1, help_text=_("1: the head of the department itself.")
    )
    field_name = models.CharField(_("field on the record"), max_length=60, blank=True)

    audit_parent = "node"

    class Meta:
        verbose_name = _("approver rule")
        verbose_name_plural = _("approver rules")
        ordering = ["node_id", "position", "pk"]

    def __str__(self):
        return self.get_rule_type_display()


class ApprovalInstance(models.Model):
    """One approval of one record, running through the snapshot of its flow."""

    class Status(models.TextChoices):
        RUNNING = "running", _("In approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("approval"), max_length=80)
    title = models.CharField(_("record"), max_length=300)
    flow = models.ForeignKey(
        ApprovalFlow, verbose_name=_("approval flow"), on_delete=models.PROTECT, related_name="+"
    )
    flow_revision = models.PositiveIntegerField(_("flow revision"))
    snapshot = models.JSONField(_("flow snapshot"))
    path = models.JSONField(_("route"), default=list)
    # The revision table keeps the definition and the start entry names the route in words.
    snapshot.audit_exclude = True
    path.audit_exclude = True
    data = models.JSONField(_("start data"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="approvals_requested",
    )
    current_step = models.PositiveIntegerField(_("current step"), default=0)
    visit = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    audit_parent = "record"

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="approval_record_idx"),
            models.Index(fields=["requester", "status"], name="approval_requester_idx"),
        ]
        constraints = [
            # One running approval of a kind per record.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=Q(status="running"),
                name="approval_running_once",
            )
        ]

    def __str__(self):
        return f"{self.snapshot.get('flow', {}).get('name', self.kind)}: {self.title}"

    def get_absolute_url(self):
        return reverse("approvals:instance", args=[self.pk])

    @property
    def current_node(self) -> dict | None:
        if self.status != self.Status.RUNNING or self.current_step >= len(self.path):
            return None
        return self.path[self.current_step]


class ApprovalTask(models.Model):
    """One approver's part at one node."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Not yet")
        PENDING = "pending", _("Waiting for decision")
        WAITING = "waiting", _("Waiting for an added approver")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Returned")
        TRANSFERRED = "transferred", _("Transferred")
        SKIPPED = "skipped", _("Not needed")
        CANCELLED = "cancelled", _("Cancelled")

    class Added(models.TextChoices):
        NONE = "", _("From the flow")
        BEFORE = "before", _("Added before")
        AFTER = "after", _("Added after")

    OPEN = (Status.QUEUED, Status.PENDING, Status.WAITING)

    instance = models.ForeignKey(
        ApprovalInstance, verbose_name=_("approval"), on_delete=models.PROTECT, related_name="tasks"
    )
    step = models.PositiveIntegerField(_("step"))
    visit = models.PositiveIntegerField(default=0)
    seq = models.PositiveIntegerField(default=0)
    node_name = models.CharField(_("node"), max_length=100)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="approval_tasks",
    )
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    added = models.CharField(_("added"), max_length=6, choices=Added.choices, blank=True)
    added_from = models.ForeignKey(
        "self",
        verbose_name=_("added by the task of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    fallback = models.BooleanField(_("administrator fallback"), default=False)
    activated_at = models.DateTimeField(_("waiting since"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    audit_parent = "instance"

    class Meta:
        verbose_name = _("approval task")
        verbose_name_plural = _("approval tasks")
        ordering = ["instance_id", "step", "visit", "seq", "pk"]
        indexes = [
            models.Index(fields=["assignee", "status"], name="approval_task_assignee_idx"),
            models.Index(fields=["acted_by"], name="approval_task_acted_idx"),
        ]

    def __str__(self):
        return f"{self.node_name} · {self.assignee}"

    def get_absolute_url(self):
        return reverse("approvals:task", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ApprovalCopy(models.Model):
    """A carbon copy (抄送): the person is told and sees the approval under "Copied to me"."""

    instance = models.ForeignKey(
        ApprovalInstance,
        verbose_name=_("approval"),
        on_delete=models.PROTECT,
        related_name="copies",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="approval_copies",
    )
    step = models.PositiveIntegerField(_("step"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    audit_parent = "instance"

    class Meta:
        verbose_name = _("approval copy")
        verbose_name_plural = _("approval copies")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "user"], name="approval_copy_once")
        ]

    def __str__(self):
        return str(self.user)


class Signature(models.Model):
    """An electronic signature: who signed, for whom, when, what it means, why, and the hash
    of the content signed; `seal` binds all of it with the server key."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("approval"), max_length=80)
    record_type = models.CharField(_("record type"), max_length=100)
    record_version = models.PositiveIntegerField(_("record version"), null=True, blank=True)
    instance = models.ForeignKey(
        ApprovalInstance,
        verbose_name=_("approval"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
    )
    task = models.ForeignKey(
        ApprovalTask,
        verbose_name=_("approval task"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
    )
    node_name = models.CharField(_("node"), max_length=100, blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    signer_name = models.CharField(_("printed name"), max_length=150)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    on_behalf_of_name = models.CharField(
        _("on behalf of (printed name)"), max_length=150, blank=True
    )
    signed_at = models.DateTimeField(_("signed at"))
    meaning = models.CharField(_("meaning"), max_length=12, choices=Meaning.choices)
    reason = models.TextField(_("reason"), blank=True)
    method = models.CharField(_("method"), max_length=20, default="password")
    content_hash = models.CharField(_("content hash"), max_length=64)
    # [[key, file name, SHA-256], ...] of the evidence files signed with the content; None for
    # kinds without files and for signatures made before files were covered.
    files = models.JSONField(_("signed files"), null=True, blank=True, editable=False)
    key_id = models.CharField(_("key id"), max_length=16)
    seal = models.CharField(_("seal"), max_length=64)

    audit_parent = "record"

    class Meta:
        verbose_name = _("electronic signature")
        verbose_name_plural = _("electronic signatures")
        ordering = ["signed_at", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="signature_record_idx"),
        ]

    def __str__(self):
        return f"{self.signer_name} · {self.get_meaning_display()}"
