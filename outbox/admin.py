from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin

from . import delivery
from .models import OutboxMessage

# The admin index warns about dead outbox messages (templates/outbox/admin_index.html).
admin.site.index_template = "outbox/admin_index.html"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyModelAdmin):
    """Read-only: the rows are written by the services and delivered by the workers; dead
    messages can be requeued. A dead message is loud: counted with its reason on this list and
    on the admin index; a superseded one stays here for audit."""

    list_display = [
        "id",
        "topic",
        "key",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "lag",
        "reason",
        "superseded_by",
    ]
    list_filter = ["status", "topic"]
    search_fields = ["=key", "=idempotency_key"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["requeue"]
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description=_("độ trễ (giây)"))
    def lag(self, obj):
        return None if obj.lag_seconds is None else round(obj.lag_seconds, 1)

    @admin.display(description=_("lý do lỗi"))
    def reason(self, obj):
        return Truncator(obj.last_error).chars(120) if obj.last_error else ""

    def changelist_view(self, request, extra_context=None):
        summary = delivery.dead_letters_summary(latest=1)
        if summary["count"]:
            latest = summary["latest"][0]
            self.message_user(
                request,
                _(
                    "%(n)s thông điệp gửi thất bại: việc gửi của khóa tương ứng đang dừng. "
                    "Gần nhất (#%(id)s, %(key)s): %(reason)s"
                )
                % {
                    "n": summary["count"],
                    "id": latest["id"],
                    "key": latest["key"],
                    "reason": Truncator(latest["last_error"]).chars(200),
                },
                level=messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Gửi lại các thông điệp thất bại"))
    def requeue(self, request, queryset):
        count = delivery.requeue(queryset)
        self.message_user(
            request, _("Đã đưa %(n)s thông điệp vào hàng đợi gửi lại.") % {"n": count}
        )
