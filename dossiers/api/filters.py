import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from core.filters import UTCDateTimeFilter

from .. import selectors
from ..models import Channel, Dossier, DossierStatus
from ..models.applicant import identified_by
from ..models.status import OPEN_STATES

BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


@extend_schema_field({"type": "string", "enum": [value for value, _label in BOOLEAN_CHOICES]})
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """true/false (or 1/0); anything else is a 400, not silently ignored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        kwargs.setdefault("coerce", lambda value: value in ("true", "1"))
        super().__init__(*args, **kwargs)


class DossierFilter(django_filters.FilterSet):
    # No DISTINCT: the filter joins nothing that could repeat a row, and DISTINCT over the
    # joined list query costs hundreds of ms at a million dossiers (docs/performance.md).
    status = django_filters.MultipleChoiceFilter(choices=DossierStatus.choices, distinct=False)
    open = StrictBooleanFilter(
        method="filter_open", help_text=_("Chỉ hồ sơ còn phải xử lý (chưa kết thúc).")
    )
    procedure = django_filters.CharFilter(field_name="procedure__code", max_length=20)
    agency = django_filters.CharFilter(
        method="filter_agency", max_length=64, help_text=_("Mã cơ quan tiếp nhận hoặc giải quyết")
    )
    receiving_agency = django_filters.CharFilter(field_name="receiving_agency__code", max_length=64)
    handling_agency = django_filters.CharFilter(field_name="handling_agency__code", max_length=64)
    channel = django_filters.TypedChoiceFilter(choices=Channel.choices, coerce=int)
    overdue = StrictBooleanFilter(method="filter_overdue")
    silent = StrictBooleanFilter(
        method="filter_silent",
        help_text=_(
            "Hồ sơ “im lặng”: không có người chịu trách nhiệm bước hiện tại, hoặc không có "
            "sự kiện nào lâu hơn thời gian của bước (docs/watchdog.md)."
        ),
    )
    due_soon = StrictBooleanFilter(
        method="filter_due_soon",
        help_text=_("Đến hạn trong vòng một ngày làm việc (cần xin lỗi, hẹn lại)."),
    )
    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (a 500 otherwise).
    due_before = UTCDateTimeFilter(field_name="due_at", lookup_expr="lt")
    # Exact, through the keyed hashes: the identifiers are encrypted at rest
    # (docs/personal-data.md); indexed, so as fast at a million applicants as at ten.
    applicant = django_filters.CharFilter(
        method="filter_applicant",
        max_length=16,
        help_text=_(
            "Số định danh cá nhân, mã số thuế hoặc số điện thoại của chủ hồ sơ (chính xác)."
        ),
    )
    assignee = django_filters.NumberFilter(
        field_name="assignee_id", min_value=1, max_value=2**63 - 1
    )

    class Meta:
        model = Dossier
        fields = ["status", "procedure", "channel"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(status__in=OPEN_STATES)
            if value
            else queryset.exclude(status__in=OPEN_STATES)
        )

    def filter_agency(self, queryset, name, value):
        return queryset.filter(Q(receiving_agency__code=value) | Q(handling_agency__code=value))

    def filter_applicant(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(identified_by(value, prefix="applicant__"))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        now = timezone.now()
        if value:
            return selectors.overdue(queryset, now)
        return selectors.not_overdue(queryset, now)

    def filter_silent(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(silent_since__isnull=not value)

    def filter_due_soon(self, queryset, name, value):
        if not value:
            return queryset
        return selectors.due_within_one_working_day(queryset)
