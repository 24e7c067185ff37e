"""Administration pages write the audit trail like every other interface."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from . import services as audit
from .models import AuditEntry


class AuditedModelAdmin(admin.ModelAdmin):
    """Creates, changes (including many-to-many fields such as roles and permissions) and
    deletions made in the admin are recorded with the administrator as actor."""

    def save_model(self, request, obj, form, change):
        with audit.change_transaction():
            if not change:
                audit.save_new(obj, actor=request.user)
                return
            stored = type(obj)._base_manager.get(pk=obj.pk)
            before = audit.snapshot(stored)
            request._cqms_m2m_before = _m2m_values(stored)
            if hasattr(obj, "version"):
                obj.version = stored.version + 1
            obj.save()
            changes = audit.diff(obj, before, audit.snapshot(obj))
            if changes:
                audit.record(obj, audit.UPDATE, actor=request.user, changes=changes)

    def save_formset(self, request, form, formset, change):
        """Inline rows are audited like the main row (on its history page)."""
        with audit.change_transaction():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                audit.delete(obj, actor=request.user)
            for obj in instances:
                if obj.pk is None:
                    audit.save_new(obj, actor=request.user)
                    continue
                stored = type(obj)._base_manager.get(pk=obj.pk)
                before = audit.snapshot(stored)
                obj.save()
                changes = audit.diff(obj, before, audit.snapshot(obj))
                if changes:
                    audit.record(obj, audit.UPDATE, actor=request.user, changes=changes)
            formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        with audit.change_transaction():
            super().save_related(request, form, formsets, change)
            obj = form.instance
            before = getattr(request, "_cqms_m2m_before", None) or {
                name: [] for name in _m2m_values(obj)
            }
            changes = [
                {"field": name, "old": ",".join(before.get(name, [])), "new": ",".join(after)}
                for name, after in _m2m_values(obj).items()
                if before.get(name, []) != after
            ]
            if changes:
                audit.record(obj, audit.UPDATE, actor=request.user, changes=changes)

    def delete_model(self, request, obj):
        with audit.change_transaction():
            audit.delete(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with audit.change_transaction():
            for obj in queryset:
                audit.delete(obj, actor=request.user)


def _m2m_values(obj: models.Model) -> dict[str, list[str]]:
    return {
        field.name: sorted(str(pk) for pk in getattr(obj, field.name).values_list("pk", flat=True))
        for field in obj._meta.many_to_many
    }


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "at", "actor_name", "source", "action", "record_type", "record_label"]
    list_filter = ["source", "action", "record_type"]
    search_fields = ["record_label", "actor_name", "record_id", "request_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
