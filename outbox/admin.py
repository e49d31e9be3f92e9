from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin

from . import delivery
from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyModelAdmin):
    """Read-only: the rows are written by the services and delivered by the workers; dead
    messages can be requeued."""

    list_display = ["id", "topic", "key", "status", "attempts", "created_at", "sent_at", "lag"]
    list_filter = ["status", "topic"]
    search_fields = ["=key", "=idempotency_key"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["requeue"]
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description=_("độ trễ (giây)"))
    def lag(self, obj):
        return None if obj.lag_seconds is None else round(obj.lag_seconds, 1)

    @admin.action(description=_("Gửi lại các thông điệp thất bại"))
    def requeue(self, request, queryset):
        count = delivery.requeue(queryset)
        self.message_user(
            request, _("Đã đưa %(n)s thông điệp vào hàng đợi gửi lại.") % {"n": count}
        )
