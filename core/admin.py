"""Admin bases shared by the apps, and the working-day calendar's overrides."""

from django.contrib import admin

from .models import CalendarOverride


class ReadOnlyMixin:
    """Nothing can be added, changed or deleted through the admin: the rows are written by the
    services (or the workers) and the admin only shows them. Works for ModelAdmin and inlines."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyModelAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class SuperuserReadOnlyModelAdmin(ReadOnlyModelAdmin):
    """Read-only and shown to superusers only (personal documents, signed results)."""

    def has_view_permission(self, request, obj=None):
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "reason"]
    list_filter = ["is_working_day"]
    search_fields = ["reason"]
    date_hierarchy = "date"
