"""The complaint API contract (kept stable; other tools rely on it):

    POST /api/v1/complaints/  {"customer": "<code>", "received_at": "2026-09-30T10:00:00+08:00",
                               "severity": "normal", "defect_description": "...",
                               "part_number": "...", "quantity_affected": 120}
    -> 201 {"number": "KS2026-0012", "clocks": [{"name", "due_at", "done_at", "met"}, ...], ...}
    GET  /api/v1/complaints/{number}/  -> the same shape plus the 8D steps

Invalid input answers 400 with field errors, never 500.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets

from cqms.core.database import custom_plans
from cqms.customers.api import as_drf
from cqms.customers.models import Contact, Customer
from cqms.customers.selectors import customers_visible_to
from cqms.organisation import access

from . import selectors, services
from .filters import ComplaintFilter
from .models import Complaint, DefectCategory, EightDStep, Step

INPUT_FIELDS = [
    "customer",
    "contact",
    "customer_reference",
    "received_at",
    "channel",
    "complaint_type",
    "part_number",
    "part_name",
    "customer_part_number",
    "lot_number",
    "quantity_delivered",
    "quantity_affected",
    "quantity_checked",
    "quantity_rejected",
    "defect_description",
    "defect_category",
    "severity",
    "safety_regulatory",
    "major",
    "detection_point",
    "goods_returned",
    "owner",
]


class ClockSerializer(serializers.Serializer):
    name = serializers.CharField()
    due_at = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)
    paused = serializers.SerializerMethodField()

    def get_paused(self, clock) -> bool:
        return clock.paused_at is not None


class StepSerializer(serializers.Serializer):
    step = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    owner = serializers.CharField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class ComplaintSerializer(serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(slug_field="code", queryset=Customer.objects.none())
    defect_category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=DefectCategory.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("User name of the quality owner."),
    )
    clocks = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "number",
            *INPUT_FIELDS,
            "status",
            "is_repeat",
            "reopen_count",
            "revision",
            "clocks",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "is_repeat",
            "reopen_count",
            "revision",
            "version",
            "created_at",
            "updated_at",
        ]
        # Built from the model field, so it keeps the column's range (core.limits).
        extra_kwargs = {"quantity_affected": {"required": True, "allow_null": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = customers_visible_to(request.user)
            # A contact outside the user's scope is as unknown as one that does not exist.
            self.fields["contact"].queryset = access.visible(request.user, Contact.objects.all())

    def get_clocks(self, complaint) -> list[dict]:
        return ClockSerializer(selectors.ordered_clocks(complaint), many=True).data


class ComplaintDetailSerializer(ComplaintSerializer):
    steps = serializers.SerializerMethodField()

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "steps"]

    def get_steps(self, complaint) -> list[dict]:
        stored = {
            s.step: s
            for s in EightDStep.objects.filter(complaint=complaint).select_related("owner")
        }
        rows = []
        for value, title in Step.choices:
            step = stored.get(value)
            rows.append(
                {
                    "step": value,
                    "title": str(title),
                    "status": step.status if step else EightDStep.Status.NOT_STARTED,
                    "owner": step.owner.username if step and step.owner else None,
                    "completed_at": step.completed_at if step else None,
                }
            )
        return StepSerializer(rows, many=True).data


class ComplaintViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Customer complaints, looked up by number. Register with POST; the 8D is worked on in
    the pages (and its steps are read here)."""

    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    filterset_class = ComplaintFilter
    ordering_fields = ["received_at", "number"]
    ordering = ["-received_at"]

    def get_queryset(self):
        return selectors.with_register_columns(selectors.complaints_visible_to(self.request.user))

    def get_serializer_class(self):
        return ComplaintDetailSerializer if self.action == "retrieve" else ComplaintSerializer

    @custom_plans()  # filtered by customer, as the register (core.database.custom_plans)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        values = {k: v for k, v in serializer.validated_data.items() if v not in ("", None)}
        try:
            serializer.instance = services.register_complaint(values, actor=self.request.user)
        except DjangoValidationError as error:
            raise as_drf(error) from None
