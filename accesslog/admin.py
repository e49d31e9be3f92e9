"""The access log in the Django admin: administrators search it, nobody changes it; and the
mixin with which the other apps' admin pages record what they show."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import EstimatedCountPaginator, FormFilter, ReadOnlyModelAdmin
from core.calendar import LOCAL_TZ

from . import recording
from .models import AccessRecord, Purpose, ReadKind


# --- recording the admin's reads -------------------------------------------------------------
class RecordsReads:
    """A ModelAdmin mixin: the change list records one row per object on the page (one INSERT)
    and the change page one row for its object, for the readers the log records. The admin
    says what it shows (`access_*` attributes) and whose data an object is (`access_subject`)."""

    access_list_kind: ReadKind
    access_list_purpose: Purpose
    access_change_kind: ReadKind
    access_change_purpose: Purpose

    def access_subject(self, obj) -> recording.Subject:
        raise NotImplementedError

    def _record(self, request, kind: ReadKind, purpose: Purpose, objects) -> None:
        if recording.is_recorded_reader(request.user):
            subjects = [self.access_subject(obj) for obj in objects]
            recording.record(request.user, kind, purpose, subjects)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None:
            kind, purpose = self.access_list_kind, self.access_list_purpose
            self._record(request, kind, purpose, changelist.result_list)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code == 200 and obj is not None:
            kind, purpose = self.access_change_kind, self.access_change_purpose
            self._record(request, kind, purpose, [obj])
        return response


# --- the log itself ----------------------------------------------------------------------------
class TextFilter(FormFilter):
    """An exact match on one column, typed in a text box."""

    widget = "text"
    field_name = ""

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(**{self.field_name: value})


class ReaderFilter(TextFilter):
    title = _("người xem (tên đăng nhập)")
    parameter_name = "reader"
    field_name = "reader_username"


class AgencyCodeFilter(TextFilter):
    title = _("cơ quan (mã định danh)")
    parameter_name = "agency"
    field_name = "reader_agency_code"


class DossierCodeFilter(TextFilter):
    title = _("mã hồ sơ")
    parameter_name = "dossier"
    field_name = "dossier_code"


class DateFilter(TextFilter):
    """A local date (YYYY-MM-DD or DD/MM/YYYY): from its start, or up to its end."""

    placeholder = "2026-01-31"
    until = False

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        day = parse_day(value)
        if day is None:
            return queryset.none()
        start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ)
        if self.until:
            return queryset.filter(at__lt=start + timedelta(days=1))
        return queryset.filter(at__gte=start)


class SinceFilter(DateFilter):
    title = _("từ ngày")
    parameter_name = "since"


class UntilFilter(DateFilter):
    title = _("đến ngày")
    parameter_name = "until"
    until = True


def parse_day(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def may_search(request) -> bool:
    """Administrators (the role, or a superuser) who may use the admin."""
    user = request.user
    return bool(user.is_active and user.is_staff and recording.is_administrator(user))


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyModelAdmin):
    """Who read what, when: searchable by administrators, changed by nobody (no add, change or
    delete permission, no actions; the table refuses changes itself)."""

    class Media:
        # The form filters: styles in a file, none inline (the CSP).
        css = {"all": ["core/admin.css"]}

    list_display = [
        "at",
        "reader_username",
        "reader_name",
        "reader_role",
        "reader_agency_name",
        "by_administrator",
        "kind",
        "purpose",
        "dossier_code",
        "object_id",
    ]
    list_filter = [
        SinceFilter,
        UntilFilter,
        ReaderFilter,
        AgencyCodeFilter,
        DossierCodeFilter,
        "kind",
        "by_administrator",
        "reader_role",
        "purpose",
    ]
    # No date_hierarchy: its links are a DISTINCT over the dates of the whole (filtered) table,
    # a scan of millions of rows; the period is two dates typed in (since, until).
    list_per_page = 100
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    ordering = ["-at", "-id"]
    sortable_by: list[str] = []
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in AccessRecord._meta.fields]

    def has_module_permission(self, request):
        return may_search(request)

    def has_view_permission(self, request, obj=None):
        return may_search(request)
