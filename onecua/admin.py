from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import CalendarOverride, OutboxMessage, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "agency", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "personal_id"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Vai trò và cơ quan"),
            {"fields": ("role", "agency", "full_name", "personal_id", "phone")},
        ),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Vai trò và cơ quan"), {"fields": ("role", "agency", "full_name")}),
    )


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "reason"]
    list_filter = ["is_working_day"]
    search_fields = ["reason"]
    date_hierarchy = "date"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: the rows are written by the services and delivered by the workers; dead
    messages can be requeued."""

    list_display = ["id", "topic", "key", "status", "attempts", "created_at", "sent_at", "lag"]
    list_filter = ["status", "topic"]
    search_fields = ["=key", "=idempotency_key"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["requeue"]
    show_full_result_count = False
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("độ trễ (giây)"))
    def lag(self, obj):
        return None if obj.lag_seconds is None else round(obj.lag_seconds, 1)

    @admin.action(description=_("Gửi lại các thông điệp thất bại"))
    def requeue(self, request, queryset):
        from .outbox import requeue

        count = requeue(queryset)
        self.message_user(
            request, _("Đã đưa %(n)s thông điệp vào hàng đợi gửi lại.") % {"n": count}
        )
