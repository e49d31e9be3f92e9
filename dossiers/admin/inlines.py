"""The dossier's records in its admin page: read-only inlines."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyMixin
from procedures.models import StepRole

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
    fields = ["at", "action_label", "from_status", "to_status", "actor_name", "note"]
    verbose_name = _("sự kiện")
    verbose_name_plural = _("dòng thời gian xử lý")

    @admin.display(description=_("thao tác"))
    def action_label(self, event):
        return action_label(event.action)

    @admin.display(description=_("người thực hiện"))
    def actor_name(self, event):
        return person_name(event.actor) if event.actor_id else _("Hệ thống")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


def person_name(user) -> str:
    """An official as people name them (full name), not their login."""
    if user is None:
        return "—"
    return user.full_name or user.username


class StepRunInline(ReadOnlyInline):
    """The process-control slip (Mẫu 06). The step's role and the people are shown in words
    (Vietnamese labels, full names), not as codes or logins."""

    model = StepRun
    fields = [
        "order",
        "name",
        "role_label",
        "agency_name",
        "assignee_name",
        "started_at",
        "due_at",
        "finished_at",
        "timing",
        "note",
    ]

    @admin.display(description=_("vai trò"))
    def role_label(self, run):
        try:
            return StepRole(run.role).label
        except ValueError:
            return run.role

    @admin.display(description=_("đơn vị"))
    def agency_name(self, run):
        return run.agency.name if run.agency_id else "—"

    @admin.display(description=_("người thực hiện"))
    def assignee_name(self, run):
        return person_name(run.assignee)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency", "assignee")


class PauseInline(ReadOnlyInline):
    model = Pause
    fields = [
        "kind",
        "reason",
        "opened_at",
        "opened_by_name",
        "respond_by",
        "closed_at",
        "closed_by_name",
    ]

    @admin.display(description=_("người yêu cầu"))
    def opened_by_name(self, pause):
        return person_name(pause.opened_by)

    @admin.display(description=_("người kết thúc"))
    def closed_by_name(self, pause):
        return person_name(pause.closed_by) if pause.closed_at else "—"

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
