"""List filters that never read the dossier table for their choices; the paginator that does
not count millions of rows is core.admin's."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import EstimatedCountPaginator, FormFilter
from organisations.models import SERVICE_CENTRE_KINDS, Agency

from .. import selectors


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


__all__ = [
    "AgencyFilter",
    "EstimatedCountPaginator",
    "FormFilter",
    "HandlingAgencyFilter",
    "OverdueFilter",
    "ProcedureCodeFilter",
    "ReceivingAgencyFilter",
]
