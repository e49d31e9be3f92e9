"""The dossier's records in its admin page: read-only inlines."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyMixin

from ..models import DossierComponent, Event, Pause, StepRun, action_label
from .access import may_read


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return may_read(request) or super().has_view_permission(request, obj)


class EventInline(ReadOnlyInline):
    """The timeline (append-only)."""

    model = Event
    fields = ["at", "action_label", "from_status", "to_status", "actor", "note"]
    verbose_name = _("sự kiện")
    verbose_name_plural = _("dòng thời gian xử lý")

    @admin.display(description=_("thao tác"))
    def action_label(self, event):
        return action_label(event.action)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class StepRunInline(ReadOnlyInline):
    """The process-control slip (Mẫu 06)."""

    model = StepRun
    fields = [
        "order",
        "name",
        "role",
        "agency",
        "assignee",
        "started_at",
        "due_at",
        "finished_at",
        "timing",
        "note",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency", "assignee")


class PauseInline(ReadOnlyInline):
    model = Pause
    fields = ["kind", "reason", "opened_at", "opened_by", "respond_by", "closed_at", "closed_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("opened_by", "closed_by")


class ComponentInline(ReadOnlyInline):
    model = DossierComponent
    fields = [
        "order",
        "name",
        "mandatory",
        "provided",
        "originals",
        "copies",
        "content",
        "is_reused",
        "is_digitised",
    ]
