"""Customers are managed in their own pages; the admin only looks them up (for the customer of
an SLA policy and similar settings)."""

from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerLookupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "status"]
    search_fields = ["code", "name", "name_en", "short_name", "search_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
