from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import FeeLine, Field, Procedure, ProcedureComponent, ProcedureStatus, ProcessStep


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):
        services.save_field(field=obj)


class DraftOnlyInline(admin.TabularInline):
    """The parts of a version in force (or retired) are history: edit them in a new draft."""

    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == ProcedureStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ComponentInline(DraftOnlyInline):
    model = ProcedureComponent


class StepInline(DraftOnlyInline):
    model = ProcessStep


class FeeInline(DraftOnlyInline):
    model = FeeLine


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "version",
        "short_name",
        "field",
        "level",
        "service_level",
        "processing_time_value",
        "processing_time_unit",
        "status",
    ]
    list_filter = [
        "status",
        "service_level",
        "level",
        "agency_kind",
        "service_level_assigned",
        "min_assurance_level",
        "online_payment",
        "field",
    ]
    search_fields = ["code", "name", "search_text"]
    list_select_related = ["field"]
    autocomplete_fields = ["field"]
    inlines = [ComponentInline, StepInline, FeeInline]
    readonly_fields = ["status", "valid_from", "valid_to", "version", "updated_at"]
    actions = ["draft_new_version", "publish_version"]
    list_per_page = 50
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        services.save_procedure(procedure=obj)

    @admin.display(description=_("tên thủ tục"))
    def short_name(self, obj):
        return obj.name if len(obj.name) <= 90 else obj.name[:87] + "…"

    def get_readonly_fields(self, request, obj=None):
        # A version in force or retired is history: change it through a new draft.
        if obj and obj.status != ProcedureStatus.DRAFT:
            return [f.name for f in Procedure._meta.fields if f.name != "id"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == ProcedureStatus.DRAFT

    @admin.action(description=_("Tạo phiên bản dự thảo mới"))
    def draft_new_version(self, request, queryset):
        for procedure in queryset:
            try:
                draft = services.draft_new_version(procedure=procedure)
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Đã tạo dự thảo phiên bản %(v)s của %(code)s.")
                    % {"v": draft.version, "code": draft.code},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Công bố phiên bản mới (áp dụng ngay)"))
    def publish_version(self, request, queryset):
        for procedure in queryset:
            try:
                published = services.publish_version(procedure=procedure)
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Đã công bố phiên bản %(v)s của %(code)s.")
                    % {"v": published.version, "code": published.code},
                    messages.SUCCESS,
                )
