"""The payments in the admin console (Vietnamese): every attempt with its messages, read-only
(what changes a payment is the platform's verified message, never a form); the held ones —
an amount differing from the order — are the list's first filter, for an official to look into."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin
from dossiers import selectors
from dossiers.admin.access import may_read, reads_everything

from .models import Payment, PaymentMessage


class MessageInline(admin.TabularInline):
    model = PaymentMessage
    fields = ["at", "direction", "kind", "verified", "code", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Nhật ký thông điệp (chỉ ghi thêm)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = [
        "reference",
        "dossier",
        "amount",
        "status",
        "payer",
        "created_at",
        "paid_at",
        "platform_txn_id",
    ]
    list_filter = ["status", "created_at"]
    search_fields = ["reference", "dossier__code", "platform_txn_id"]
    list_select_related = ["dossier"]
    raw_id_fields = ["dossier", "created_by"]
    inlines = [MessageInline]
    show_full_result_count = False

    def has_module_permission(self, request):
        return may_read(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return may_read(request) or super().has_view_permission(request, obj)

    def get_queryset(self, request):
        """An official sees the payments of the dossiers they may see (their agency's)."""
        queryset = super().get_queryset(request)
        if reads_everything(request.user):
            return queryset
        return queryset.filter(dossier__in=selectors.visible_to(request.user))
