"""The administrators' pages for the service centres: centres with their groups and counters,
sessions, appointments; tickets read only (only the services write them)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin

from .models import (
    Appointment,
    AppointmentSlot,
    Centre,
    Counter,
    CounterSession,
    ServiceGroup,
    Ticket,
    TicketDossier,
)


class ServiceGroupInline(admin.TabularInline):
    model = ServiceGroup
    extra = 0
    fields = ("letter", "name", "slot_capacity", "position", "is_active")


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0
    fields = ("number", "name", "groups", "is_active")


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ("agency", "slot_minutes", "no_show_grace_minutes", "is_active")
    list_filter = ("is_active",)
    search_fields = ("agency__name", "agency__code")
    raw_id_fields = ("agency",)
    inlines = [ServiceGroupInline, CounterInline]


@admin.register(ServiceGroup)
class ServiceGroupAdmin(admin.ModelAdmin):
    list_display = ("letter", "name", "centre", "slot_capacity", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "centre__agency__name")
    filter_horizontal = ("fields",)
    raw_id_fields = ("centre",)


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "centre", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "centre__agency__name")
    filter_horizontal = ("groups",)
    raw_id_fields = ("centre",)


@admin.register(CounterSession)
class CounterSessionAdmin(ReadOnlyModelAdmin):
    list_display = ("counter", "official", "opened_at", "closed_at")
    list_filter = ("closed_at",)
    search_fields = ("official__username", "official__full_name")


class TicketDossierInline(admin.TabularInline):
    model = TicketDossier
    extra = 0
    can_delete = False
    fields = ("dossier", "linked_at", "linked_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyModelAdmin):
    list_display = ("label", "centre", "group", "day", "status", "counter", "official", "issued_at")
    list_filter = ("status", "priority", "day")
    search_fields = ("label", "centre__agency__name")
    date_hierarchy = "issued_at"
    inlines = [TicketDossierInline]


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(ReadOnlyModelAdmin):
    list_display = ("group", "starts_at", "ends_at", "capacity", "booked")
    date_hierarchy = "starts_at"


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("citizen", "slot", "status", "created_at", "reminded_at", "checked_in_at")
    list_filter = ("status",)
    search_fields = ("citizen__username", "citizen__full_name")
    raw_id_fields = ("slot", "citizen")
    readonly_fields = ("created_at", "cancelled_at", "checked_in_at", "reminded_at")
    actions = None

    @admin.display(description=_("khung giờ"))
    def slot_display(self, obj):
        return obj.slot

    def has_add_permission(self, request):
        # Bookings go through the services (capacity, once per slot).
        return False
