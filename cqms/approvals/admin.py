"""Administrators edit approval flows here. Every save is audited and publishes a new
revision of the flow; approvals already running keep the revision they started with."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cqms.audit import services as audit
from cqms.audit.admin import AuditedModelAdmin

from . import conditions, flows, registry
from .models import (
    ApprovalFlow,
    ApprovalFlowRevision,
    ApprovalInstance,
    ApprovalNode,
    ApprovalRule,
    RuleType,
    Signature,
)


def _kind_of(node_or_flow) -> registry.ApprovalKind | None:
    flow = getattr(node_or_flow, "flow", node_or_flow)
    kind = getattr(flow, "kind", "")
    return registry.get(kind) if kind and registry.is_registered(kind) else None


class NodeForm(forms.ModelForm):
    class Meta:
        model = ApprovalNode
        fields = [
            "step",
            "priority",
            "name",
            "mode",
            "condition_field",
            "condition_operator",
            "condition_value",
            "signature_required",
            "signature_meaning",
            "reason_required",
            "time_limit_hours",
        ]

    def clean(self):
        data = super().clean()
        field = data.get("condition_field")
        if not field:
            if data.get("condition_operator") or data.get("condition_value"):
                raise ValidationError(_("Choose the condition field or clear the condition."))
            return data
        flow = getattr(self.instance, "flow", None) if self.instance.flow_id else None
        kind = _kind_of(flow) if flow is not None else None
        if kind is None:
            return data
        try:
            conditions.validate(
                {
                    "field": field,
                    "op": data.get("condition_operator"),
                    "value": data.get("condition_value", ""),
                },
                kind.condition_fields,
            )
        except ValidationError as error:
            raise ValidationError({"condition_field": error.messages}) from None
        return data


class NodeFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        defaults: dict[int, int] = {}
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            if not form.cleaned_data.get("condition_field"):
                step = form.cleaned_data.get("step")
                defaults[step] = defaults.get(step, 0) + 1
        for step, count in defaults.items():
            if count > 1:
                raise ValidationError(
                    _(
                        "Step %(step)s has %(count)s nodes without a condition: one step has "
                        "at most one default branch."
                    )
                    % {"step": step, "count": count}
                )


class NodeInline(admin.TabularInline):
    model = ApprovalNode
    form = NodeForm
    formset = NodeFormSet
    extra = 0
    show_change_link = True
    ordering = ["step", "priority", "pk"]


class FlowForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("approval"))

    class Meta:
        model = ApprovalFlow
        fields = ["kind", "name", "description", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(k.kind, f"{k.label} ({k.kind})") for k in registry.all_kinds()]
        current = self.instance.kind
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["kind"].choices = choices


class PublishingAdmin(AuditedModelAdmin):
    """Audits inline rows like the main row and publishes the flow's new revision."""

    def save_related(self, request, form, formsets, change):
        with audit.change_transaction():
            super().save_related(request, form, formsets, change)
            flows.publish_revision(self.flow_of(form.instance), actor=request.user)

    def delete_model(self, request, obj):
        flow = self.flow_of(obj)
        with audit.change_transaction():
            super().delete_model(request, obj)
            if flow.pk and flow is not obj:
                flows.publish_revision(flow, actor=request.user)

    def flow_of(self, obj) -> ApprovalFlow:
        return obj


@admin.register(ApprovalFlow)
class ApprovalFlowAdmin(PublishingAdmin):
    form = FlowForm
    inlines = [NodeInline]
    list_display = ["name", "kind", "revision", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "kind"]
    readonly_fields = ["revision"]

    def has_delete_permission(self, request, obj=None):
        return False  # switch a flow off instead; approvals refer to it


class RuleForm(forms.ModelForm):
    class Meta:
        model = ApprovalRule
        fields = [
            "position",
            "rule_type",
            "user",
            "role",
            "department",
            "basis",
            "levels",
            "field_name",
        ]

    def clean(self):
        data = super().clean()
        rule_type = data.get("rule_type")
        needed = {
            RuleType.USER: "user",
            RuleType.ROLE: "role",
            RuleType.DEPARTMENT_HEAD: "department",
            RuleType.RECORD_FIELD: "field_name",
        }.get(rule_type)
        if needed and not data.get(needed):
            raise ValidationError({needed: _("This approver rule needs this value.")})
        if rule_type == RuleType.SUPERVISOR and not data.get("levels"):
            raise ValidationError({"levels": _("Give the number of levels (1 or more).")})
        if rule_type == RuleType.RECORD_FIELD and self.instance.node_id:
            kind = _kind_of(self.instance.node)
            if kind is not None and data["field_name"] not in kind.approver_fields:
                raise ValidationError(
                    {
                        "field_name": _("Choose one of: %(fields)s.")
                        % {"fields": ", ".join(kind.approver_fields) or "—"}
                    }
                )
        return data


class RuleInline(admin.TabularInline):
    model = ApprovalRule
    form = RuleForm
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(ApprovalNode)
class ApprovalNodeAdmin(PublishingAdmin):
    form = NodeForm
    inlines = [RuleInline]
    list_display = ["name", "flow", "step", "priority", "mode", "signature_required"]
    list_filter = ["flow"]
    fields = [*NodeForm.Meta.fields, "cc_users", "cc_roles"]
    filter_horizontal = ["cc_roles"]
    autocomplete_fields = ["cc_users"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            return form
        kind = _kind_of(obj)
        if kind is not None:
            help_text = _("Condition fields of this approval: %(fields)s.") % {
                "fields": ", ".join(
                    f"{name} ({field.label})" for name, field in kind.condition_fields.items()
                )
                or "—"
            }
            form.base_fields["condition_field"].help_text = help_text
        return form

    def has_add_permission(self, request):
        return False  # nodes are added on their flow's page

    def flow_of(self, obj) -> ApprovalFlow:
        return obj.flow


@admin.register(ApprovalFlowRevision)
class ApprovalFlowRevisionAdmin(admin.ModelAdmin):
    list_display = ["flow", "revision", "created_at", "created_by"]
    list_filter = ["flow"]
    readonly_fields = ["flow", "revision", "definition", "created_at", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApprovalInstance)
class ApprovalInstanceAdmin(admin.ModelAdmin):
    """Read only: approvals change through their pages and services."""

    list_display = ["pk", "kind", "title", "status", "requester", "started_at", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = [
        "signed_at",
        "signer_name",
        "on_behalf_of_name",
        "meaning",
        "record_type",
        "object_id",
    ]
    list_filter = ["meaning", "record_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
