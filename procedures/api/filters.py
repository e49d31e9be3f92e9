import django_filters
from drf_spectacular.utils import extend_schema_field

from organisations.models import AdministrativeUnit, Agency, AgencyKind, UnitType

from ..models import Field, Level, Procedure, ServiceLevel


@extend_schema_field({"type": "string", "enum": ["true", "false"]})
class TrueFalseFilter(django_filters.TypedChoiceFilter):
    """A boolean query parameter spelled `true` or `false`, documented as such."""


class ProcedureFilter(django_filters.FilterSet):
    service_level = django_filters.ChoiceFilter(choices=ServiceLevel.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    field = django_filters.ModelChoiceFilter(
        queryset=Field.objects.all(), to_field_name="code", help_text="Mã lĩnh vực"
    )
    agency_kind = django_filters.ChoiceFilter(choices=AgencyKind.choices)
    # true / false only (another value is a 400, like the other filters' choices).
    online_payment = TrueFalseFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="Thủ tục đã triển khai thanh toán trực tuyến phí, lệ phí (true / false)",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text='Tìm theo tên hoặc mã, không phân biệt dấu ("dang ky khai sinh").',
    )

    class Meta:
        model = Procedure
        fields = ["service_level", "level", "field", "agency_kind", "online_payment"]

    def filter_q(self, queryset, name, value):
        # Searching is done in the view, which also switches the ordering to relevance.
        return queryset


class AgencyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AgencyKind.choices)
    unit = django_filters.ModelChoiceFilter(
        queryset=AdministrativeUnit.objects.all(), to_field_name="code"
    )
    parent = django_filters.ModelChoiceFilter(queryset=Agency.objects.all(), to_field_name="code")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Agency
        fields = ["kind", "unit", "parent"]


class UnitFilter(django_filters.FilterSet):
    unit_type = django_filters.ChoiceFilter(choices=UnitType.choices)
    parent = django_filters.ModelChoiceFilter(
        queryset=AdministrativeUnit.objects.all(), to_field_name="code"
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = AdministrativeUnit
        fields = ["unit_type", "parent"]
