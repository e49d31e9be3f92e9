from django.contrib import admin

from core.admin import ReadOnlyModelAdmin as ReadOnlyAdmin

from .models import Counter, DeliveryAttempt, FaultConfig, Notification, Transaction


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("transaction_ref", "partner_code", "dossier_code", "amount", "status")
    list_filter = ("status", "partner_code")
    search_fields = ("transaction_ref", "platform_txn_id", "dossier_code")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "reason", "state", "attempts", "next_attempt_at")
    list_filter = ("state", "reason")
    list_select_related = ("transaction",)


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ("notification", "at", "http_status", "code", "acknowledged")
    list_select_related = ("notification__transaction",)


@admin.register(FaultConfig)
class FaultConfigAdmin(ReadOnlyAdmin):
    list_display = ("down", "ipn_lost", "ipn_delay_seconds", "ipn_duplicate", "ipn_reorder")


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdmin):
    list_display = ("name", "value")
