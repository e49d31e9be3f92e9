"""Admin bases shared by the apps (read-only admins, a GET-form list filter, a paginator for
tables of millions of rows), and the working-day calendar's overrides."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .fields import match
from .models import CalendarOverride


class ReadOnlyMixin:
    """Nothing can be added, changed or deleted through the admin: the rows are written by the
    services (or the workers) and the admin only shows them. Works for ModelAdmin and inlines."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyModelAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class SuperuserReadOnlyModelAdmin(ReadOnlyModelAdmin):
    """Read-only and shown to superusers only (personal documents, signed results)."""

    def has_view_permission(self, request, obj=None):
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser)


class FormFilter(admin.SimpleListFilter):
    """A filter rendered as a small GET form (a select or a text box) that keeps the other
    parameters of the list."""

    template = "admin/core/form_filter.html"
    widget = "select"
    placeholder = ""

    def choices(self, changelist):
        hidden = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name != self.parameter_name
            for value in values
        ]
        yield {
            "selected": not self.value(),
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Tất cả"),
            "hidden": hidden,
            "submit": _("Lọc"),
            "clear": _("Bỏ lọc này"),
        }
        for value, label in self.lookup_choices:
            yield {"value": str(value), "display": label, "selected": self.value() == str(value)}


class EstimatedCountPaginator(Paginator):
    """COUNT(*) over a whole table of millions of rows (dossiers, the access log) is slow: for an
    unfiltered list on PostgreSQL take the planner's estimate (when the table is analysed and
    large)."""

    EXACT_BELOW = 100_000

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            # -1 (PostgreSQL 14+) or 0: never analysed; count exactly.
            if row and row[0] > 0 and row[0] >= self.EXACT_BELOW:
                return row[0]
        return super().count


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "reason"]
    list_filter = ["is_working_day"]
    search_fields = ["reason"]
    date_hierarchy = "date"


class EncryptedSearchMixin:
    """A ModelAdmin whose search also finds rows whose encrypted, hashed fields
    (`encrypted_search_fields`, e.g. ["personal_id"]) equal the term exactly, through their
    keyed hashes (core.fields.match); `search_fields` keep the plain fields."""

    encrypted_search_fields: tuple[str, ...] | list[str] = ()

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term or not self.encrypted_search_fields:
            return found, may_have_duplicates
        exact = Q(pk__in=[])
        for path in self.encrypted_search_fields:
            exact |= match(path, term)
        return found | queryset.filter(exact), may_have_duplicates
