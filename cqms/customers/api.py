"""Customer and contact endpoints: the same services, filters and scope as the pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cqms.core import limits
from cqms.organisation import access
from cqms.organisation.models import Department

from . import selectors, services
from .filters import ContactFilter, CustomerFilter
from .models import Contact, Customer

WRITABLE_CUSTOMER_FIELDS = [
    "code",
    "name",
    "name_en",
    "short_name",
    "classification",
    "grade",
    "industry",
    "oem_group",
    "supplier_code",
    "document_language",
    "country",
    "phone",
    "website",
    "customer_since",
    "owner",
    "department",
    "status",
    "notes",
]


class CustomerSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        help_text=_("User name of the account manager."),
    )
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.filter(is_active=True), required=False
    )
    code = serializers.CharField(max_length=32, required=False, allow_blank=True)

    class Meta:
        model = Customer
        fields = ["id", *WRITABLE_CUSTOMER_FIELDS, "version", "created_at", "updated_at"]
        read_only_fields = ["id", "version", "created_at", "updated_at"]

    def validate_status(self, value):
        if value == Customer.Status.VOIDED:
            raise ValidationError(_("Use the void action to void a customer."))
        return value


class ContactSerializer(serializers.ModelSerializer):
    customer = serializers.SlugRelatedField(slug_field="code", queryset=Customer.objects.none())

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "title",
            "role",
            "email",
            "phone",
            "mobile",
            "wecom_user_id",
            "dingtalk_user_id",
            "feishu_open_id",
            "is_primary",
            "is_active",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = selectors.customers_visible_to(request.user)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def expected_version(request) -> int:
    """The version the client read: the If-Match header (an ETag from GET) or `version`."""
    raw = request.headers.get("If-Match", "").strip('W/"') or request.data.get("version")
    low, high = limits.INTEGER_RANGES["PositiveIntegerField"]  # the version column
    try:
        version = int(raw)
    except (TypeError, ValueError, OverflowError):
        version = None
    if version is None or isinstance(raw, bool) or not low <= version <= high:
        raise ValidationError(
            {"version": [_("Send the version you read, in If-Match or as `version`.")]}
        )
    return version


def as_drf(error: DjangoValidationError) -> ValidationError:
    return ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


class VersionedUpdateMixin:
    """PUT/PATCH through the app's update service with the client's version (412 if stale)."""

    update_service = None
    immutable_fields: tuple[str, ...] = ()

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        version = expected_version(request)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = {
            name: value
            for name, value in serializer.validated_data.items()
            if getattr(instance, name) != value and name not in self.immutable_fields
        }
        try:
            type(self).update_service(
                instance, values, actor=request.user, expected_version=version
            )
        except DjangoValidationError as error:
            raise as_drf(error) from None
        instance.refresh_from_db()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = f'"{instance.version}"'
        return response

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "If-Match",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description="The ETag (version) read with GET; required to change.",
        )
    ]
)
class CustomerViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers, looked up by their code. Customers are never deleted: use `void`."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    ordering_fields = ["code", "name", "classification", "grade", "updated_at"]
    ordering = ["code"]
    update_service = staticmethod(services.update_customer)

    def get_queryset(self):
        return selectors.customers_visible_to(self.request.user)

    def perform_create(self, serializer):
        values = {k: v for k, v in serializer.validated_data.items() if v not in ("", None)}
        try:
            serializer.instance = services.create_customer(values, actor=self.request.user)
        except DjangoValidationError as error:
            raise as_drf(error) from None

    @extend_schema(request=VoidSerializer, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, code=None):
        customer = self.get_object()
        data = VoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not access.can(request.user, "void", customer):
            self.permission_denied(request)
        services.void_customer(
            customer,
            actor=request.user,
            reason=data.validated_data["reason"],
            expected_version=expected_version(request),
        )
        customer.refresh_from_db()
        return Response(CustomerSerializer(customer).data, status=status.HTTP_200_OK)


class ContactViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Contacts of the customers you may see. Filter with `customer=<code>` and `role`."""

    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    immutable_fields = ("customer",)
    ordering_fields = ["name", "updated_at"]
    ordering = ["customer__code", "name"]
    update_service = staticmethod(services.update_contact)

    def get_queryset(self):
        return access.visible(self.request.user, Contact.objects.select_related("customer"))

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        customer = values.pop("customer")
        try:
            serializer.instance = services.add_contact(customer, values, actor=self.request.user)
        except DjangoValidationError as error:
            raise as_drf(error) from None
