import django_filters
from drf_spectacular.utils import extend_schema_field

from core.filters import UTCDateTimeFilter

from ..models import AccessRecord, Purpose, ReadKind

BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


@extend_schema_field({"type": "string", "enum": [value for value, _label in BOOLEAN_CHOICES]})
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """true/false (or 1/0); anything else is a 400 (as dossiers.api.filters')."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        kwargs.setdefault("coerce", lambda value: value in ("true", "1"))
        super().__init__(*args, **kwargs)


class AccessRecordFilter(django_filters.FilterSet):
    """The administrators' search: who (username, agency), what (dossier, kind, purpose), when
    (an ISO 8601 period), and reads by administrators only. Each filter has an index."""

    reader = django_filters.CharFilter(
        field_name="reader_username", max_length=150, help_text="Tên đăng nhập người xem."
    )
    agency = django_filters.CharFilter(
        field_name="reader_agency_code", max_length=64, help_text="Mã định danh cơ quan."
    )
    dossier = django_filters.CharFilter(
        field_name="dossier_code", max_length=64, help_text="Mã hồ sơ."
    )
    kind = django_filters.ChoiceFilter(choices=ReadKind.choices)
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices)
    since = UTCDateTimeFilter(
        field_name="at", lookup_expr="gte", help_text="Từ thời điểm (ISO 8601, tính cả)."
    )
    until = UTCDateTimeFilter(
        field_name="at", lookup_expr="lt", help_text="Đến trước thời điểm (ISO 8601)."
    )
    administrators = StrictBooleanFilter(
        field_name="by_administrator", help_text="Chỉ các lượt xem của quản trị hệ thống."
    )

    class Meta:
        model = AccessRecord
        fields: list[str] = []
