"""The feedback admin: Vietnamese labels, list filters; the events are read only (append-only)
and the state moves only through the services (the API's actions)."""

from django.contrib import admin

from core.admin import ReadOnlyModelAdmin

from .models import Feedback, FeedbackEscalation, FeedbackEvent


class EventInline(admin.TabularInline):
    model = FeedbackEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "actor", "note", "forwarded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyModelAdmin):
    list_display = ("code", "title", "agency", "status", "received_at", "due_at", "verdict")
    list_filter = ("status", "subject", "category", "published", "verdict")
    search_fields = ("code", "title")
    raw_id_fields = (
        "dossier",
        "procedure",
        "official",
        "agency",
        "sender",
        "assignee",
        "answered_by",
        "primary",
    )
    date_hierarchy = "received_at"
    inlines = [EventInline]


@admin.register(FeedbackEvent)
class FeedbackEventAdmin(ReadOnlyModelAdmin):
    list_display = ("feedback", "action", "from_status", "to_status", "actor", "at")
    list_filter = ("action", "to_status")
    search_fields = ("feedback__code",)
    raw_id_fields = ("feedback", "actor")


@admin.register(FeedbackEscalation)
class FeedbackEscalationAdmin(ReadOnlyModelAdmin):
    list_display = ("feedback", "rung", "percent", "official", "at")
    list_filter = ("rung",)
    raw_id_fields = ("feedback", "official")
