"""The dossier API: citizens submit and follow; officials work their queue and act."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts import services as accounts
from core.errors import NotFound, ProblemSerializer
from core.pagination import OrderedCursorPagination

from .. import access_log, detail_lists, selectors, services, tracking
from ..access_log import Purpose, ReadKind
from ..action_table import ACTION_TABLE, ActionRow
from ..models import ComponentFile, Dossier, DossierComponent, Event, StepRun
from . import serializers as s
from .filters import DossierFilter


class TrackThrottle(AnonRateThrottle):
    scope = "track"


# Request examples of the schema: a real procedure of the catalogue (Cấp thẻ tư vấn viên pháp
# luật, handled by Sở Tư pháp) and an applicant as the rules want one (a person with their
# 12-digit ID: the demo citizen's).
_APPLICANT = {
    "kind": 1,
    "full_name": "Nguyễn Văn An",
    "personal_id": "025090001234",
    "phone": "0912345678",
}
SUBMIT_EXAMPLE = OpenApiExample(
    "Nộp hồ sơ",
    value={
        "procedure": "1.000426",
        "summary": "Đề nghị cấp thẻ tư vấn viên pháp luật",
        "applicant": _APPLICANT,
        "components": [{"order": 1, "content": "Đơn đề nghị cấp thẻ"}],
        "return_method": "online",
    },
    request_only=True,
)
INTAKE_EXAMPLE = OpenApiExample(
    "Tiếp nhận tại quầy",
    value={
        "procedure": "1.000426",
        "summary": "Đề nghị cấp thẻ tư vấn viên pháp luật",
        "applicant": _APPLICANT,
        # At the counter every mandatory component is taken (1.000426 has three).
        "components": [{"order": 1}, {"order": 2}, {"order": 3}],
        "channel": 1,
        "return_method": "counter",
    },
    request_only=True,
)


def _detail_prefetches():
    return (
        Prefetch(
            "components",
            queryset=DossierComponent.objects.prefetch_related(
                Prefetch("files", queryset=ComponentFile.objects.select_related("file"))
            ),
        ),
        "pauses",
        "fees",
        Prefetch(
            "events",
            queryset=Event.objects.select_related("actor__agency").order_by("at", "id"),
        ),
        Prefetch(
            "step_runs",
            queryset=StepRun.objects.select_related("assignee", "agency").order_by(
                "started_at", "id"
            ),
        ),
    )


def _detail_queryset(queryset):
    return selectors.with_related(queryset).prefetch_related(*_detail_prefetches())


def _visible(user, code) -> bool:
    return selectors.visible_to(user).filter(code=code).exists()


def _action_view(row: ActionRow):
    """POST /api/v1/dossiers/{code}/{action}/: the row's input serializer, its service, and the
    dossier's detail in the answer; the schema documents the input and every error code."""
    codes = row.error_codes()
    by_status: dict[int, list[str]] = {}
    for code, (http_status, _meaning) in sorted(codes.items()):
        by_status.setdefault(http_status, []).append(code)
    responses = {200: s.DossierDetailSerializer}
    for http_status, names in sorted(by_status.items()):
        responses[http_status] = OpenApiResponse(
            response=ProblemSerializer,
            description="problem+json; `code`: "
            + ", ".join(f"`{name}` ({codes[name][1]})" for name in names),
        )

    def view(self, request, code=None):
        # A dossier outside the user's scope is a 404 before anything is said about the input.
        # The service's lock reads the row through the same scope (a 404 too), so the scope is
        # looked at separately only when the answer would be about the input (one query fewer
        # on every action that succeeds).
        try:
            data = row.serializer(data=request.data)
            data.is_valid(raise_exception=True)
            dossier = row.service(dossier=code, actor=request.user, **data.validated_data)
        except Exception as exc:
            if not isinstance(exc, NotFound) and not _visible(request.user, code):
                raise NotFound(_("Không tìm thấy hồ sơ.")) from None
            raise
        held = isinstance(dossier, Dossier) and dossier.code == code
        if held and services.still_visible(dossier):
            # The row the door locked and the service wrote, as saved: no read back (issue 16
            # §1). Otherwise (a write that moved it out of the user's scope) read it, as before.
            return self._detail_answer(dossier)
        return self._detail_response(code)

    view.__name__ = row.name
    routed = action(detail=True, methods=["post"], url_path=row.action.url_path)(view)
    # After @action, which replaces the function's kwargs (where the schema is kept).
    return extend_schema(
        operation_id=f"dossiers_{row.name}",
        request=row.serializer,
        responses=responses,
        summary=row.label,
        description=row.summary,
        tags=["dossiers"],
    )(routed)


@extend_schema_view(
    list=extend_schema(
        tags=["dossiers"],
        summary="Danh sách hồ sơ (hàng đợi công việc), sắp theo hạn xử lý",
    ),
    retrieve=extend_schema(tags=["dossiers"], summary="Chi tiết hồ sơ với dòng thời gian"),
)
class DossierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_class = DossierFilter
    pagination_class = OrderedCursorPagination
    cursor_ordering = ("queue_at", "id")

    def get_queryset(self):
        queryset = selectors.visible_to(self.request.user)
        if self.action == "retrieve":
            return _detail_queryset(queryset)
        # The list shows no terms: leave the (large) JSON snapshot in the database.
        return selectors.with_related(queryset).defer("terms")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.DossierDetailSerializer
        return s.DossierListSerializer

    def paginate_queryset(self, queryset):
        # The list's page, as shown: one access-log row per dossier, in one INSERT.
        page = super().paginate_queryset(queryset)
        if page is not None:
            user = self.request.user
            access_log.record(user, page, ReadKind.DOSSIER_LIST, Purpose.API_DOSSIER_LIST)
        return page

    def retrieve(self, request, *args, **kwargs):
        dossier = self.get_object()
        data = self.get_serializer(dossier).data
        access_log.record(
            request.user, [dossier], ReadKind.DOSSIER_DETAIL, Purpose.API_DOSSIER_RETRIEVE
        )
        return Response(data)

    def _detail_answer(self, dossier, status_code=status.HTTP_200_OK, *, empty=()):
        """The detail of a dossier the request's write holds (its related rows loaded by the
        door's lock or set by the service), its lists read afresh in one statement
        (dossiers/detail_lists.py) but those the caller knows to be `empty`: the same answer
        as `_detail_response`, without reading the dossier again."""
        detail_lists.load(dossier, empty=empty)
        return Response(
            s.DossierDetailSerializer(dossier, context=self.get_serializer_context()).data,
            status=status_code,
        )

    def _detail_response(self, code, status_code=status.HTTP_200_OK):
        dossier = (
            _detail_queryset(selectors.visible_to(self.request.user)).filter(code=code).first()
        )
        if dossier is None:
            raise NotFound()
        return Response(
            s.DossierDetailSerializer(dossier, context=self.get_serializer_context()).data,
            status=status_code,
        )

    @extend_schema(
        request=s.SubmitSerializer,
        responses={201: s.DossierDetailSerializer},
        summary="Nộp hồ sơ trực tuyến (công dân, tổ chức)",
        tags=["dossiers"],
        examples=[SUBMIT_EXAMPLE],
    )
    def create(self, request):
        data = s.SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        dossier = services.submit_online(
            actor=request.user,
            procedure_code=v["procedure"],
            applicant=v.get("applicant", {}),
            summary=v["summary"],
            components=v.get("components", []),
            receiving_agency=v.get("receiving_agency") or None,
            return_method=v["return_method"],
            assurance_level=accounts.login_assurance_level(request),
        )
        # The citizen's own dossier (its applicant's account is theirs): visible to them. Just
        # submitted, it has no pause and no step yet (its first step opens at the receipt).
        return self._detail_answer(dossier, status.HTTP_201_CREATED, empty=("pauses", "step_runs"))


# One endpoint per row of the action table: POST /api/v1/dossiers/{code}/{action}/
for _row in ACTION_TABLE.values():
    setattr(DossierViewSet, _row.name, _action_view(_row))


@extend_schema(
    tags=["counter"],
    request=s.IntakeSerializer,
    examples=[INTAKE_EXAMPLE],
    responses={201: s.IntakeResultSerializer},
    summary="Tiếp nhận hồ sơ trực tiếp tại quầy (trả về dữ liệu phiếu hẹn Mẫu 01)",
)
class CounterIntakeView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        data = s.IntakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        dossier = services.counter_intake(
            actor=request.user,
            procedure_code=v["procedure"],
            applicant=v["applicant"],
            summary=v["summary"],
            components=v.get("components", []),
            channel=v["channel"],
            handling_agency=v.get("handling_agency") or None,
            return_method=v["return_method"],
        )
        # The counter needs the code and the slip; the full record is one GET away. Both are
        # built from the rows the service holds (no read back: issue 16 §1).
        context = {"request": request}
        return Response(
            {
                "dossier": s.DossierListSerializer(dossier, context=context).data,
                "receipt": s.ReceiptSlipSerializer(
                    selectors.counter_receipt_slip(dossier, request.user)
                ).data,
            },
            status=status.HTTP_201_CREATED,
        )


@extend_schema(
    tags=["counter"],
    responses=s.ReceiptSlipSerializer,
    summary="Dữ liệu phiếu tiếp nhận và hẹn trả kết quả (Mẫu 01)",
)
class ReceiptSlipView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, code):
        dossier = (
            selectors.with_related(selectors.visible_to(request.user))
            .prefetch_related("components")
            .filter(code=code, received_at__isnull=False)
            .first()
        )
        if dossier is None:
            raise NotFound()
        data = s.ReceiptSlipSerializer(selectors.receipt_slip(dossier)).data
        access_log.record(
            request.user, [dossier], ReadKind.FORM, Purpose.API_COUNTER_RECEIPT, object_id="01"
        )
        return Response(data)


@extend_schema(
    tags=["public"],
    parameters=[
        OpenApiParameter("code", str, required=True),
        OpenApiParameter("id4", str, required=True),
    ],
    responses=s.TrackSerializer,
    summary="Tra cứu tình trạng hồ sơ bằng mã hồ sơ và 4 số cuối giấy tờ của chủ hồ sơ",
)
class TrackView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TrackThrottle]
    problem_statuses = (404,)  # no such code, or the digits do not match (docs/api.md)

    def get(self, request):
        query = s.TrackQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            dossier = tracking.lookup(query.validated_data["code"], query.validated_data["id4"])
        except tracking.TooManyAttempts:
            raise Throttled(detail=_("Tra cứu sai quá nhiều lần; vui lòng thử lại sau.")) from None
        if dossier is None:
            raise NotFound()
        return Response(s.TrackSerializer(tracking.public_view(dossier)).data)
