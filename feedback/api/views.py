"""The feedback API (docs/feedback.md):

- `POST /api/v1/feedback/` — a citizen, or anybody with a contact (throttled when anonymous);
- `GET /api/v1/feedback/` — a citizen's own, an official's agency's (filters `status`,
  `overdue`); `GET /api/v1/feedback/{code}/` — one, with its events;
- the agency's actions `assign`, `answer`, `reject`, `close`; the sender's `satisfaction` and
  `reopen` (`POST /api/v1/feedback/{code}/<action>/`);
- `GET /api/v1/feedback/public/` — the published answers, anonymised, searchable (`q`,
  accent-insensitive), filters `agency`, `procedure`; no login.

Outside one's scope: 404; a citizen calling an agency's action on their own feedback: 403.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.errors import NotFound
from core.pagination import OrderedCursorPagination
from organisations.models import Agency

from .. import selectors, services
from ..models import FeedbackStatus
from . import serializers as s


class FeedbackThrottle(AnonRateThrottle):
    scope = "feedback"


class NewestFirst(OrderedCursorPagination):
    cursor_ordering = ("-received_at", "-id")


def _flag(request, name: str) -> bool | None:
    raw = request.query_params.get(name, "").strip().lower()
    if raw == "":
        return None
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise ValidationError({name: [_("Giá trị phải là true hoặc false.")]})


def _choice(request, name: str, choices) -> str | None:
    raw = request.query_params.get(name, "").strip()
    if raw == "":
        return None
    if raw not in choices:
        raise ValidationError({name: [_("Chọn một trong: %(v)s.") % {"v": ", ".join(choices)}]})
    return raw


STATUS_PARAM = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=FeedbackStatus.values, description="Trạng thái."
)
OVERDUE_PARAM = OpenApiParameter(
    "overdue", OpenApiTypes.BOOL, description="true: đang xử lý và đã quá hạn."
)


class FeedbackListView(generics.ListCreateAPIView):
    # An official's (or an administrator's) account may not send feedback: 403.
    problem_statuses = (403,)
    serializer_class = s.FeedbackListSerializer
    pagination_class = NewestFirst
    filter_backends: list = []

    def get_permissions(self):
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        if self.request is not None and self.request.method == "POST":
            return [FeedbackThrottle()]
        return []

    def get_queryset(self):
        rows = selectors.visible_to(self.request.user).select_related(
            "agency", "dossier", "procedure", "primary"
        )
        wanted = _choice(self.request, "status", FeedbackStatus.values)
        overdue = _flag(self.request, "overdue")
        if wanted:
            rows = rows.filter(status=wanted)
        if overdue is True:
            rows = selectors.overdue(rows)
        elif overdue is False:
            rows = rows.exclude(pk__in=selectors.overdue(rows).values("pk"))
        return rows

    @extend_schema(
        tags=["feedback"],
        summary="Phản ánh, kiến nghị tôi gửi (công dân) hoặc của cơ quan tôi (cán bộ)",
        parameters=[STATUS_PARAM, OVERDUE_PARAM],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["feedback"],
        summary="Gửi phản ánh, kiến nghị (đăng nhập, hoặc không đăng nhập kèm liên hệ)",
        request=s.FeedbackSubmitSerializer,
        responses={201: s.FeedbackSerializer},
    )
    def post(self, request, *args, **kwargs):
        data = s.FeedbackSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sender = request.user if request.user.is_authenticated else None
        feedback = services.submit(sender=sender, **data.validated_data)
        body = s.FeedbackSerializer(feedback, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


def _visible(request, code: str):
    found = (
        selectors.visible_to(request.user)
        .select_related("agency", "dossier", "procedure", "primary")
        .prefetch_related("events")
        .filter(code=code)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


class FeedbackDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["feedback"],
        summary="Một phản ánh, kiến nghị và diễn biến xử lý",
        operation_id="feedback_read",
        responses={200: s.FeedbackSerializer},
    )
    def get(self, request, code: str):
        feedback = _visible(request, code)
        return Response(s.FeedbackSerializer(feedback, context={"request": request}).data)


def _action_view(name: str, serializer, summary: str, run):
    class ActionView(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(
            tags=["feedback"],
            summary=summary,
            operation_id=f"feedback_{name}",
            request=serializer,
            responses={200: s.FeedbackSerializer},
        )
        def post(self, request, code: str):
            _visible(request, code)  # outside one's scope: 404 before anything is judged
            data = serializer(data=request.data)
            data.is_valid(raise_exception=True)
            run(code, request.user, data.validated_data)
            feedback = _visible(request, code)
            return Response(s.FeedbackSerializer(feedback, context={"request": request}).data)

    ActionView.__name__ = f"Feedback{name.title()}View"
    ActionView.__qualname__ = ActionView.__name__
    return ActionView.as_view()


assign_view = _action_view(
    "assign",
    s.FeedbackAssignSerializer,
    "Phân công xử lý (cán bộ của cơ quan xử lý)",
    lambda code, user, v: services.assign(feedback=code, actor=user, **v),
)
answer_view = _action_view(
    "answer",
    s.FeedbackAnswerSerializer,
    "Trả lời (trả lời luôn các phản ánh trùng lặp gộp vào); công khai nếu chọn",
    lambda code, user, v: services.answer(feedback=code, actor=user, **v),
)
reject_view = _action_view(
    "reject",
    s.FeedbackReasonSerializer,
    "Từ chối xử lý (bắt buộc nêu lý do)",
    lambda code, user, v: services.reject(feedback=code, actor=user, **v),
)
close_view = _action_view(
    "close",
    s.FeedbackNoteSerializer,
    "Kết thúc phản ánh đã trả lời",
    lambda code, user, v: services.close(feedback=code, actor=user, **v),
)
satisfaction_view = _action_view(
    "satisfaction",
    s.FeedbackVerdictSerializer,
    "Người gửi đánh giá kết quả trả lời (hài lòng / không hài lòng)",
    lambda code, user, v: services.rate(feedback=code, actor=user, **v),
)
reopen_view = _action_view(
    "reopen",
    s.FeedbackReopenSerializer,
    "Người gửi mở lại phản ánh đã trả lời (một lần)",
    lambda code, user, v: services.reopen(feedback=code, actor=user, **v),
)


class PublicFeedbackView(generics.ListAPIView):
    """Published answers, anonymised; no login."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = s.PublicFeedbackSerializer
    pagination_class = NewestFirst
    filter_backends: list = []

    def get_cursor_ordering(self):
        return ("-published_at", "-id")

    def get_queryset(self):
        rows = selectors.published()
        q = self.request.query_params.get("q", "").strip()
        if len(q) > 200:
            raise ValidationError({"q": [_("Tối đa 200 ký tự.")]})
        agency = self.request.query_params.get("agency", "").strip()
        procedure = self.request.query_params.get("procedure", "").strip()
        if agency:
            if not Agency.objects.filter(code=agency).exists():
                raise ValidationError({"agency": [_("Không tìm thấy cơ quan này.")]})
            rows = rows.filter(agency__code=agency)
        if procedure:
            rows = rows.filter(procedure__code=procedure[:20])
        if q:
            rows = selectors.search(rows, q)
        return rows

    @extend_schema(
        tags=["feedback"],
        summary="Tra cứu trả lời phản ánh, kiến nghị đã công khai (không cần đăng nhập)",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Tìm không dấu: “phan anh” tìm “phản ánh”."
            ),
            OpenApiParameter("agency", OpenApiTypes.STR, description="Mã định danh cơ quan."),
            OpenApiParameter("procedure", OpenApiTypes.STR, description="Mã thủ tục."),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
