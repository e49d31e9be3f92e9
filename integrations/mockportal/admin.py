from django.contrib import admin

from core.admin import ReadOnlyModelAdmin as ReadOnlyAdmin

from .models import Counter, FaultConfig, ProgressStep, Record, RecordVersion


@admin.register(Record)
class RecordAdmin(ReadOnlyAdmin):
    list_display = ("ma_ho_so", "phien_ban", "trang_thai", "updated_at")
    search_fields = ("ma_ho_so",)


@admin.register(RecordVersion)
class RecordVersionAdmin(ReadOnlyAdmin):
    list_display = ("record", "kind", "phien_ban", "trang_thai", "applied", "stale", "received_at")
    list_filter = ("kind", "applied", "stale")
    list_select_related = ("record",)


@admin.register(ProgressStep)
class ProgressStepAdmin(ReadOnlyAdmin):
    list_display = ("record", "received_at")
    list_select_related = ("record",)


@admin.register(FaultConfig)
class FaultConfigAdmin(ReadOnlyAdmin):
    list_display = ("error_rate", "latency_ms", "timeout_rate", "down", "accept_out_of_order")


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdmin):
    list_display = ("name", "value")
