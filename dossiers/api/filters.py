import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import Channel, Dossier, DossierStatus
from ..models.dossier import OPEN_STATES


class DossierFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DossierStatus.choices)
    open = django_filters.BooleanFilter(
        method="filter_open", help_text=_("Chỉ hồ sơ còn phải xử lý (chưa kết thúc).")
    )
    procedure = django_filters.CharFilter(field_name="procedure__code", max_length=20)
    agency = django_filters.CharFilter(
        method="filter_agency", max_length=64, help_text=_("Mã cơ quan tiếp nhận hoặc giải quyết")
    )
    receiving_agency = django_filters.CharFilter(field_name="receiving_agency__code", max_length=64)
    handling_agency = django_filters.CharFilter(field_name="handling_agency__code", max_length=64)
    channel = django_filters.TypedChoiceFilter(choices=Channel.choices, coerce=int)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    due_soon = django_filters.BooleanFilter(
        method="filter_due_soon",
        help_text=_("Đến hạn trong vòng một ngày làm việc (cần xin lỗi, hẹn lại)."),
    )
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    assignee = django_filters.NumberFilter(field_name="assignee_id")

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

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        now = timezone.now()
        if value:
            return selectors.overdue(queryset, now)
        return selectors.not_overdue(queryset, now)

    def filter_due_soon(self, queryset, name, value):
        if not value:
            return queryset
        return selectors.due_within_one_working_day(queryset)
