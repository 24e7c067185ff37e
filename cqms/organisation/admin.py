from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from cqms.audit.admin import AuditedModelAdmin

from .models import Delegation, Department, Role, User


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ["username", "get_full_name", "email", "department", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "department", "roles"]
    search_fields = ["username", "first_name", "last_name", "email", "search_key"]
    filter_horizontal = ["roles"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:2],
        (
            _("CQMS"),
            {
                "fields": [
                    "department",
                    "title",
                    "phone",
                    "language",
                    "roles",
                    "wecom_user_id",
                    "dingtalk_user_id",
                    "feishu_open_id",
                ]
            },
        ),
        (_("Administration"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        DjangoUserAdmin.fieldsets[3],
    ]

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted: signatures and audit entries name them.
        return False


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = ["indented_name", "code", "name_en", "head", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["head"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_tree_fields().select_related("head")

    @admin.display(description=_("name (Chinese)"))
    def indented_name(self, obj):
        return "　" * obj.tree_depth + obj.name


@admin.register(Role)
class RoleAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "name_en", "data_scope", "is_active"]
    list_filter = ["data_scope", "is_active"]
    filter_horizontal = ["permissions"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Delegation)
class DelegationAdmin(AuditedModelAdmin):
    list_display = ["delegator", "delegate", "starts_on", "ends_on", "revoked_at"]
    list_filter = ["starts_on"]
    autocomplete_fields = ["delegator", "delegate"]
