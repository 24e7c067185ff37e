"""The complaint registers in Excel, run as background jobs:

- import of a legacy complaint register (客户抱怨处理总表): template, dry run with row errors,
  then all rows or none, each registered through `services.register_complaint` (clocks start
  at the time it was received; a row with a closing date is closed at once);
- export of the complaint register (R32 columns) and of the tracking list (R33), exactly as
  filtered (and sorted) on the page, for the same person's data scope.
"""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cqms.audit import services as audit
from cqms.clocks import services as clocks
from cqms.core.filters import StyledFilterSet
from cqms.customers.models import Customer
from cqms.customers.spreadsheets import DepartmentField, UserField
from cqms.organisation.models import Department
from cqms.organisation.widgets import UserPicker
from cqms.spreadsheets.exporter import ExportColumn
from cqms.spreadsheets.importer import NEW, Column, ImportSpec
from cqms.spreadsheets.jobs import Export

from . import bulk_import, selectors, services
from .filters import ComplaintFilter
from .models import Action, Answer, ClockName, Complaint, DefectCategory
from .tables import RegisterTable
from .widgets import CustomerPicker

IMPORT_KIND = "complaints.import"
EXPORT_KIND = "complaints.export"
TRACKING_EXPORT_KIND = "complaints.tracking_export"
DATE = forms.DateInput(attrs={"type": "date"})
DATETIME_INPUTS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
]


# --- Import ------------------------------------------------------------------------------------


class CustomerCodeField(forms.ModelChoiceField):
    """A customer by its code, as the legacy register writes it."""

    lookup = None  # a bulk import's RegisterLookups: the file's customers, loaded once

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if self.lookup is not None:
            match = self.lookup.customer(text)
        else:
            match = self.queryset.filter(code__iexact=text).first()
        if match is None:
            raise ValidationError(
                _("Unknown customer code “%(value)s”.") % {"value": text}, code="invalid_choice"
            )
        return match


class DefectCategoryField(forms.ModelChoiceField):
    """A defect category by its code or its Chinese or English name."""

    lookup = None  # a bulk import's CodeNameLookup of the active categories

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if self.lookup is not None:
            match = self.lookup.find(text)
        else:
            match = self.queryset.filter(
                Q(code__iexact=text) | Q(name=text) | Q(name_en__iexact=text)
            ).first()
        if match is None:
            raise ValidationError(
                _("Unknown defect category “%(value)s”.") % {"value": text},
                code="invalid_choice",
            )
        return match


REGISTER_FIELDS = [
    "customer",
    "customer_reference",
    "received_at",
    "channel",
    "complaint_type",
    "severity",
    "part_number",
    "part_name",
    "customer_part_number",
    "lot_number",
    "quantity_delivered",
    "quantity_affected",
    "defect_category",
    "defect_description",
    "detection_point",
    "owner",
    "department",
]
DEFAULTED = ["channel", "complaint_type", "severity", "detection_point"]


class ComplaintRowForm(forms.ModelForm):
    customer = CustomerCodeField(queryset=Customer.objects.exclude(status=Customer.Status.VOIDED))
    received_at = forms.DateTimeField(input_formats=DATETIME_INPUTS)
    defect_category = DefectCategoryField(
        queryset=DefectCategory.objects.filter(is_active=True), required=False
    )
    owner = UserField(queryset=get_user_model().objects.filter(is_active=True), required=False)
    department = DepartmentField(queryset=Department.objects.all(), required=False)
    closed_at = forms.DateTimeField(
        label=gettext_lazy("Closed at"), input_formats=DATETIME_INPUTS, required=False
    )

    class Meta:
        model = Complaint
        fields = REGISTER_FIELDS

    def __init__(self, *args, lookups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookups = lookups
        if lookups is not None:
            self.fields["customer"].lookup = lookups
            self.fields["defect_category"].lookup = lookups.categories
            self.fields["owner"].lookup = lookups.users
            self.fields["department"].lookup = lookups.departments
        for name in DEFAULTED:
            self.fields[name].required = False  # empty: the usual default

    def _post_clean(self):
        # The service validates the complaint as a whole (clean() below); the model's own
        # full_clean would only repeat it without the number and the policy.
        pass

    def clean(self):
        data = super().clean()
        for name in DEFAULTED:
            if data.get(name) in ("", None):
                data[name] = Complaint._meta.get_field(name).default
        if self.errors:
            return data
        values = {k: v for k, v in data.items() if k in REGISTER_FIELDS and v not in (None, "")}
        try:
            if self.lookups is not None:
                bulk_import.check_intake(values, self.lookups)
            else:
                services._validate_intake(values)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        closed_at, received_at = data.get("closed_at"), data.get("received_at")
        if closed_at and received_at and closed_at < received_at:
            self.add_error("closed_at", _("The complaint cannot close before it was received."))
        if closed_at and closed_at > timezone.now():
            self.add_error("closed_at", _("The closing date cannot be in the future."))
        return data


@audit.change_transaction()
def close_imported(complaint: Complaint, *, closed_at, actor) -> Complaint:
    """A complaint the legacy register shows as closed: closed at that date, its clocks stopped
    there (neither met nor missed: the old register does not say)."""
    require_import(actor)
    clocks.cancel_clocks(complaint, actor=actor, at=closed_at)
    audit.save_changes(
        complaint,
        {"status": Complaint.Status.CLOSED, "closed_at": closed_at},
        actor=actor,
        action="complaints.closed_on_import",
    )
    return complaint


def require_import(actor) -> None:
    services.require(actor.has_perm("complaints.import_complaint"))


def save_row(cleaned: dict, *, actor) -> str:
    require_import(actor)
    values = {k: v for k, v in cleaned.items() if k in REGISTER_FIELDS and v not in (None, "")}
    complaint = services.register_complaint(values, actor=actor)
    if cleaned.get("closed_at"):
        close_imported(complaint, closed_at=cleaned["closed_at"], actor=actor)
    return NEW


def _check_rows(rows, *, context) -> list:
    """A customer outside the importer's scope, and a customer's reference twice in one file:
    both would be refused on saving."""
    seen, errors = {}, []
    for row in rows:
        if context.visible is not None and row.cleaned_data["customer"].pk not in context.visible:
            errors.append((row.number, "", _("You are not allowed to import this row.")))
        reference = row.cleaned_data.get("customer_reference") or ""
        if not reference:
            continue
        key = (row.cleaned_data["customer"].pk, reference.strip().upper())
        if key in seen:
            message = _("The same value is already in row %(row)s of this file.") % {
                "row": seen[key]
            }
            errors.append((row.number, _("Customer's reference"), message))
        else:
            seen[key] = row.number
    return errors


def import_spec() -> ImportSpec:
    return ImportSpec(
        name="complaints",
        sheet_title=gettext_lazy("Complaints"),
        form_class=ComplaintRowForm,
        prepare=bulk_import.RegisterLookups,
        form_kwargs=lambda data, *, context: {"lookups": context},
        check_rows=_check_rows,
        save_rows=bulk_import.plan,
        classify=lambda cleaned, *, context: NEW,
        columns=[
            Column("customer", "客户编码", "Customer code", required=True, example="C90001"),
            Column(
                "customer_reference",
                "客户投诉编号",
                "Customer's reference",
                example="Q-2025-118",
                aliases=("客户单号", "Customer reference"),
                help=gettext_lazy("Unique per customer: a reference registered before is refused."),
            ),
            Column(
                "received_at",
                "收到时间",
                "Received at",
                required=True,
                example="2025-11-03 09:30",
                aliases=("收到日期", "Received"),
                help=gettext_lazy("The clocks of the complaint start at this time."),
            ),
            Column("channel", "收到方式", "Channel", example="E-mail"),
            Column("complaint_type", "抱怨类型", "Complaint type", example="Product quality"),
            Column("severity", "严重度", "Severity", example="Normal"),
            Column("part_number", "零件号", "Part number", required=True, example="P-1001"),
            Column("part_name", "零件名称", "Part name", example="外壳"),
            Column("customer_part_number", "客户零件号", "Customer part number"),
            Column("lot_number", "批号", "Lot or batch", example="L2511-03"),
            Column("quantity_delivered", "交货数量", "Quantity delivered", example=5000),
            Column(
                "quantity_affected",
                "数量",
                "Quantity",
                example=120,
                aliases=("不良数量", "Quantity affected"),
            ),
            Column(
                "defect_category",
                "缺陷类别",
                "Defect category",
                example="外观",
                allowed=gettext_lazy("code or name of a defect category"),
            ),
            Column(
                "defect_description",
                "缺陷描述",
                "Defect description",
                required=True,
                example="外壳表面划伤，长度约 5 mm",
            ),
            Column("detection_point", "发现地点", "Found at", example="Incoming inspection"),
            Column(
                "owner",
                "负责人",
                "Owner (quality)",
                allowed=gettext_lazy("user name or e-mail"),
            ),
            Column(
                "department",
                "责任部门",
                "Responsible department",
                allowed=gettext_lazy("code or name; empty: quality"),
            ),
            Column(
                "closed_at",
                "结案日期",
                "Closed at",
                help=gettext_lazy("Only for complaints already closed in the old register."),
            ),
        ],
    )


# --- Register export (R32) ---------------------------------------------------------------------


def register_rows(user, params: str) -> QuerySet[Complaint]:
    """The register as the user filtered and sorted it on the page."""
    filters = QueryDict(params)
    complaints = selectors.with_register_columns(selectors.complaints_visible_to(user))
    complaints = complaints.prefetch_related(
        Prefetch(
            "answers",
            queryset=Answer.objects.defer("snapshot").order_by("-version_number"),
            to_attr="answers_newest_first",
        )
    )
    queryset = ComplaintFilter(filters, queryset=complaints).qs
    sort = filters.get("sort")
    if sort:
        table = RegisterTable(queryset, order_by=sort)
        queryset = table.data.data
    return queryset


def _clock(name: str, part: str):
    def get(complaint):
        clock = next((c for c in complaint.loaded_clocks if c.name == name), None)
        if clock is None:
            return None
        if part == "due":
            return clock.due_at
        if part == "done":
            return clock.done_at
        return clock.met if clock.done_at else None

    return get


def _latest_answer(complaint) -> Answer | None:
    answers = getattr(complaint, "answers_newest_first", None)
    if answers is None:
        answers = list(complaint.answers.defer("snapshot").order_by("-version_number")[:1])
    return answers[0] if answers else None


def register_columns() -> list[ExportColumn]:
    columns = [
        ExportColumn(_("Number"), "number", width=18),
        ExportColumn(_("Customer code"), lambda c: c.customer.code, width=12),
        ExportColumn(_("Customer"), lambda c: c.customer.display_name, width=28),
        ExportColumn(_("Customer's reference"), "customer_reference", width=16),
        ExportColumn(_("Received at"), "received_at", width=17),
        ExportColumn(_("Part number"), "part_number", width=14),
        ExportColumn(_("Part name"), "part_name", width=16),
        ExportColumn(
            _("Defect category"),
            lambda c: str(c.defect_category) if c.defect_category_id else "",
        ),
        ExportColumn(_("Defect description"), "defect_description", width=40),
        ExportColumn(_("Quantity affected"), "quantity_affected"),
        ExportColumn(_("Severity"), lambda c: c.get_severity_display()),
        ExportColumn(_("Owner"), lambda c: str(c.owner) if c.owner_id else ""),
    ]
    for name, label in ClockName.choices:
        columns += [
            ExportColumn(_("%(clock)s due") % {"clock": label}, _clock(name, "due"), width=17),
            ExportColumn(_("%(clock)s done") % {"clock": label}, _clock(name, "done"), width=17),
            ExportColumn(_("%(clock)s met") % {"clock": label}, _clock(name, "met")),
        ]
    columns += [
        ExportColumn(
            _("Reply date"),
            lambda c: _latest_answer(c).sent_at if _latest_answer(c) else None,
            width=17,
        ),
        ExportColumn(
            _("Verdict"),
            lambda c: _latest_answer(c).get_verdict_display() if _latest_answer(c) else "",
        ),
        ExportColumn(_("Reopen count"), "reopen_count"),
        ExportColumn(_("Repeat"), "is_repeat"),
        ExportColumn(_("Status"), lambda c: c.get_status_display()),
        ExportColumn(_("Closed at"), "closed_at", width=17),
    ]
    return columns


def export_register(job) -> Export:
    queryset = register_rows(job.created_by, job.params.get("filters", ""))
    return Export(
        columns=register_columns(),
        rows=queryset.iterator(chunk_size=2000),
        filename=_("complaint-register"),
        sheet_name=_("Complaint register"),
        total=queryset.count(),
    )


# --- Tracking list (R33) -----------------------------------------------------------------------


class TrackingFilter(StyledFilterSet):
    """The tracking list's filters, shared by the page and its export."""

    q = django_filters.CharFilter(
        method="search",
        label=gettext_lazy("Search"),
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("Complaint number, action or root cause")}
        ),
    )
    customer = django_filters.ModelChoiceFilter(
        field_name="complaint__customer",
        queryset=Customer.objects.exclude(status=Customer.Status.VOIDED),
        label=gettext_lazy("Customer"),
        empty_label=gettext_lazy("All"),
        widget=CustomerPicker(),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.all(),
        label=gettext_lazy("Action owner"),
        empty_label=gettext_lazy("All"),
        widget=UserPicker(),
    )
    status = django_filters.ChoiceFilter(
        choices=Action.Status.choices,
        label=gettext_lazy("Action status"),
        empty_label=gettext_lazy("All"),
    )
    kind = django_filters.ChoiceFilter(
        choices=Action.Kind.choices, label=gettext_lazy("Kind"), empty_label=gettext_lazy("All")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=gettext_lazy("Overdue"),
        widget=forms.Select(
            choices=[
                ("", gettext_lazy("All")),
                ("true", gettext_lazy("Overdue")),
                ("false", gettext_lazy("Not overdue")),
            ]
        ),
    )
    due_from = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=gettext_lazy("Due from"), widget=DATE
    )
    due_until = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=gettext_lazy("Due until"), widget=DATE
    )

    class Meta:
        model = Action
        fields = ["q", "customer", "owner", "status", "kind", "overdue", "due_from", "due_until"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(complaint__number__icontains=value)
            | Q(description__icontains=value)
            | Q(root_cause__description__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status=Action.Status.OPEN, due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


class TrackingTable(tables.Table):
    """客户抱怨处理追踪一览表: one row per action of every open complaint."""

    row_template = "complaints/tracking_row.html"

    complaint = tables.Column(
        verbose_name=gettext_lazy("Complaint"), order_by=("complaint__number",)
    )
    department = tables.Column(
        verbose_name=gettext_lazy("Responsible department"),
        accessor="complaint__department",
        order_by=("complaint__department__name",),
    )
    root_cause = tables.Column(verbose_name=gettext_lazy("Root cause"), orderable=False)
    description = tables.Column(verbose_name=pgettext_lazy("corrective action", "Action"))
    owner = tables.Column(verbose_name=gettext_lazy("Owner"), order_by=("owner__username",))
    due_date = tables.Column(verbose_name=gettext_lazy("Due"))
    status = tables.Column(verbose_name=gettext_lazy("Status"))
    effectiveness_due = tables.Column(verbose_name=gettext_lazy("Effectiveness check"))

    class Meta:
        model = Action
        fields = [
            "complaint",
            "department",
            "root_cause",
            "description",
            "owner",
            "due_date",
            "status",
            "effectiveness_due",
        ]
        attrs = {"class": "table table-hover table-sm align-middle mb-2"}
        order_by_field = "sort"
        empty_text = gettext_lazy("No actions match these filters.")


def tracking_queryset(user) -> QuerySet[Action]:
    visible = selectors.complaints_visible_to(user).filter(status__in=Complaint.OPEN_STATUSES)
    return (
        Action.objects.filter(complaint__in=visible.values("pk"))
        .select_related("complaint__customer", "complaint__department", "owner", "root_cause")
        .order_by("due_date", "complaint__number", "pk")
    )


def tracking_rows(user, params: str) -> QuerySet[Action]:
    filters = QueryDict(params)
    queryset = TrackingFilter(filters, queryset=tracking_queryset(user)).qs
    sort = filters.get("sort")
    if sort:
        queryset = TrackingTable(queryset, order_by=sort).data.data
    return queryset


def tracking_columns() -> list[ExportColumn]:
    return [
        ExportColumn(_("Complaint"), lambda a: a.complaint.number, width=18),
        ExportColumn(_("Customer"), lambda a: a.complaint.customer.display_name, width=24),
        ExportColumn(_("Responsible department"), lambda a: str(a.complaint.department)),
        ExportColumn(
            _("Root cause"),
            lambda a: a.root_cause.description if a.root_cause_id else "",
            width=40,
        ),
        ExportColumn(_("Kind"), lambda a: a.get_kind_display()),
        ExportColumn(pgettext_lazy("corrective action", "Action"), "description", width=40),
        ExportColumn(_("Owner"), lambda a: str(a.owner)),
        ExportColumn(_("Due"), "due_date"),
        ExportColumn(_("Status"), lambda a: a.get_status_display()),
        ExportColumn(_("Implemented at"), "done_at", width=17),
        ExportColumn(_("Effectiveness check due"), "effectiveness_due"),
        ExportColumn(_("Effectiveness result"), "effectiveness_result", width=30),
    ]


def export_tracking(job) -> Export:
    queryset = tracking_rows(job.created_by, job.params.get("filters", ""))
    return Export(
        columns=tracking_columns(),
        rows=queryset.iterator(chunk_size=2000),
        filename=_("complaint-tracking-list"),
        sheet_name=_("Complaint tracking list"),
        total=queryset.count(),
    )


# --- Registration ------------------------------------------------------------------------------


def register() -> None:
    from cqms.audit import codes
    from cqms.jobs import registry as jobs_registry
    from cqms.spreadsheets.jobs import register_export, register_import

    codes.register(
        "complaints.closed_on_import", gettext_lazy("Closed as in the imported register")
    )
    register_import(
        IMPORT_KIND,
        import_spec,
        check_label=gettext_lazy("Complaint import check"),
        commit_label=gettext_lazy("Complaint import"),
        commit_url=lambda job: reverse("complaints:import_commit", args=[job.pk]),
    )
    jobs_registry.register(
        bulk_import.ANNOUNCE_KIND,
        bulk_import.announce,
        gettext_lazy("Notifications of imported complaints"),
        source="import",
    )
    register_export(EXPORT_KIND, export_register, label=gettext_lazy("Complaint register export"))
    register_export(
        TRACKING_EXPORT_KIND, export_tracking, label=gettext_lazy("Complaint tracking list export")
    )
