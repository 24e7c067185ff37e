"""The inbox in the API: only the caller's own notifications (channels are not exposed)."""

from __future__ import annotations

from django.db.models import F
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from . import services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "event",
            "title",
            "body",
            "url",
            "record_type",
            "record_id",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your inbox, unread first. `?unread=1` lists only unread entries."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        entries = Notification.objects.filter(recipient=self.request.user).order_by(
            F("read_at").desc(nulls_first=True), "-id"
        )
        if self.request.query_params.get("unread") == "1":
            entries = entries.filter(read_at__isnull=True)
        return entries

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        entry = self.get_object()
        services.mark_read(request.user, [entry.pk])
        entry.refresh_from_db()
        return Response(self.get_serializer(entry).data)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.mark_read(request.user)})
