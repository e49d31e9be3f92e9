"""List filters that never read the dossier table for their choices, and a paginator that does
not count millions of rows."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from organisations.models import SERVICE_CENTRE_KINDS, Agency

from .. import selectors


class FormFilter(admin.SimpleListFilter):
    """A filter rendered as a small GET form (a select or a text box) that keeps the other
    parameters of the list."""

    template = "admin/dossiers/filters/form_filter.html"
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


class AgencyFilter(FormFilter):
    """Agencies come from the Agency table (a few hundred rows), never from a DISTINCT over
    dossiers; the value is the agency's id, matched against the indexed foreign key."""

    field_name = ""
    kinds: tuple = ()

    def lookups(self, request, model_admin):
        agencies = Agency.objects.order_by("name")
        if self.kinds:
            agencies = agencies.filter(kind__in=self.kinds)
        rows = agencies.values_list("pk", "name", "code")
        return [(pk, f"{name} ({code})") for pk, name, code in rows]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{f"{self.field_name}_id": int(value)})


class ReceivingAgencyFilter(AgencyFilter):
    title = _("nơi tiếp nhận")
    parameter_name = "receiving_agency"
    field_name = "receiving_agency"
    kinds = tuple(SERVICE_CENTRE_KINDS)


class HandlingAgencyFilter(AgencyFilter):
    title = _("cơ quan giải quyết")
    parameter_name = "handling_agency"
    field_name = "handling_agency"


class ProcedureCodeFilter(FormFilter):
    """By procedure code (every version of it): a text box, not a list of 2,000 procedures."""

    title = _("mã thủ tục")
    parameter_name = "procedure"
    widget = "text"
    placeholder = "1.001193"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(procedure__code=value)


class OverdueFilter(admin.SimpleListFilter):
    title = _("quá hạn")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Quá hạn")), ("no", _("Chưa quá hạn"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return selectors.overdue(queryset)
        if self.value() == "no":
            return selectors.not_overdue(queryset)
        return queryset


class EstimatedCountPaginator(Paginator):
    """COUNT(*) over the whole dossier table is slow at millions of rows: for an unfiltered
    list on PostgreSQL take the planner's estimate (when the table is analysed and large)."""

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
