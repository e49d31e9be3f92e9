"""Read-only, public catalogue API and the due-date calculator."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.calendar import get_calendar
from core.pagination import OrderedCursorPagination
from organisations.models import AdministrativeUnit, Agency

from ..models import FeeLine, Field, ProcedureComponent, ProcessStep
from ..selectors import catalogue_stats, published_procedures, search_procedures
from . import serializers
from .filters import AgencyFilter, ProcedureFilter, UnitFilter


class CalendarThrottle(AnonRateThrottle):
    scope = "calendar"


class PublicReadMixin:
    permission_classes = [AllowAny]
    authentication_classes: list = []
    pagination_class = OrderedCursorPagination
    cursor_ordering = ("code",)


@extend_schema(tags=["catalogue"])
class ProcedureList(PublicReadMixin, generics.ListAPIView):
    """Thủ tục hành chính đang áp dụng. `q` tìm không dấu, xếp theo mức độ phù hợp."""

    serializer_class = serializers.ProcedureListSerializer
    filterset_class = ProcedureFilter

    def get_queryset(self):
        # Only the listed columns: whole rows carry long texts (legal basis, raw fees).
        return (
            published_procedures()
            .select_related("field")
            .only(
                "code",
                "local_code",
                "name",
                "field__code",
                "field__name",
                "level",
                "service_level",
                "agency_kind",
                "processing_time_value",
                "processing_time_unit",
                "processing_time_inferred",
                "fee_mode",
                "online_payment",
                "min_assurance_level",
            )
        )

    def _query(self) -> str:
        return (self.request.query_params.get("q") or "").strip()

    def get_cursor_ordering(self):
        return ("-rank", "code") if self._query() else ("code",)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self._query():
            queryset = search_procedures(queryset, self._query())
        return queryset


@extend_schema(tags=["catalogue"])
class ProcedureDetail(PublicReadMixin, generics.RetrieveAPIView):
    """Một thủ tục (phiên bản đang áp dụng) với thành phần hồ sơ, quy trình, phí."""

    serializer_class = serializers.ProcedureDetailSerializer
    lookup_field = "code"

    def get_queryset(self):
        return (
            published_procedures()
            .select_related("field")
            .prefetch_related(
                Prefetch("components", queryset=ProcedureComponent.objects.order_by("order")),
                Prefetch("steps", queryset=ProcessStep.objects.order_by("order")),
                Prefetch("fee_lines", queryset=FeeLine.objects.order_by("order")),
            )
        )


@extend_schema(tags=["catalogue"], responses=serializers.CatalogueStatsSerializer)
class ProcedureStats(PublicReadMixin, APIView):
    """Số thủ tục đang áp dụng theo mức độ dịch vụ công và theo cấp thực hiện."""

    def get(self, request):
        return Response(catalogue_stats())


@extend_schema(tags=["catalogue"])
class FieldList(PublicReadMixin, generics.ListAPIView):
    serializer_class = serializers.FieldSerializer
    queryset = Field.objects.all()


@extend_schema(tags=["catalogue"])
class AgencyList(PublicReadMixin, generics.ListAPIView):
    serializer_class = serializers.AgencySerializer
    filterset_class = AgencyFilter
    queryset = Agency.objects.select_related("parent", "unit")


@extend_schema(tags=["catalogue"])
class UnitList(PublicReadMixin, generics.ListAPIView):
    serializer_class = serializers.UnitSerializer
    filterset_class = UnitFilter
    queryset = AdministrativeUnit.objects.select_related("parent")
    cursor_ordering = ("code",)


@extend_schema(
    tags=["calendar"],
    parameters=[serializers.DueDateQuerySerializer],
    responses=serializers.DueDateSerializer,
)
class DueDate(APIView):
    """Ngày hẹn trả kết quả: thời điểm tiếp nhận + thời hạn (ngày làm việc, ngày, giờ làm việc).

    Tính theo lịch làm việc (ngày lễ, ngày làm bù, giờ hành chính; tiếp nhận sau 15:00 tính từ
    sáng ngày làm việc tiếp theo). Truyền `procedure` để dùng thời hạn của thủ tục.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [CalendarThrottle]
    problem_statuses = (404,)  # `procedure` names no procedure in force (core/openapi.py)

    def get(self, request):
        query = serializers.DueDateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        received_at = data.get("received_at") or timezone.now()
        code = data.get("procedure")
        if code:
            procedure = get_object_or_404(published_procedures(), code=code)
            value, unit = procedure.processing_time_value, procedure.processing_time_unit
        else:
            value, unit = data["days"], data["unit"]
        calendar = get_calendar()
        due = calendar.due_at(received_at, float(value), unit)
        result = {
            "received_at": calendar.localize(received_at),
            "counting_from": calendar.counting_start(received_at),
            "due_at": due,
            "value": value,
            "unit": unit,
            "procedure": code or None,
            "working_days_left": round(calendar.working_days_between(timezone.now(), due), 2),
        }
        return Response(serializers.DueDateSerializer(result).data)
