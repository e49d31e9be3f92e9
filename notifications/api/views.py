"""The in-app inbox (GET /me/notifications/, POST /me/notifications/read/, POST
/me/notifications/{id}/read/) and the preferences (GET/PUT /me/notification-preferences/).
Each user sees only their own notifications: another's id is a 404."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import OrderedCursorPagination

from .. import services
from ..models import Preference
from . import serializers


class NewestFirst(OrderedCursorPagination):
    cursor_ordering = ("-created_at", "-id")


@extend_schema(
    tags=["notifications"],
    summary="Hộp thư thông báo của tôi (mới nhất trước)",
    parameters=[
        OpenApiParameter(
            "unread",
            OpenApiTypes.BOOL,
            description="true: chỉ các thông báo chưa đọc.",
        )
    ],
)
class MyNotificationsView(generics.ListAPIView):
    """The signed-in user's inbox: every notice about their dossiers (citizens) or the dossiers
    given to them (officials), newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.NotificationSerializer
    pagination_class = NewestFirst
    filter_backends: list = []

    def get_queryset(self):
        rows = services.inbox_of(self.request.user).select_related("dossier")
        if self.request.query_params.get("unread", "").lower() in ("true", "1"):
            rows = rows.filter(read_at__isnull=True)
        return rows


class MarkOneReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["notifications"],
        summary="Đánh dấu một thông báo là đã đọc",
        operation_id="me_notification_mark_read",
        request=None,
        responses={200: serializers.NotificationSerializer},
    )
    def post(self, request, notification_id: int):
        notification = get_object_or_404(services.inbox_of(request.user), pk=notification_id)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(serializers.NotificationSerializer(notification).data)


class MarkReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["notifications"],
        summary="Đánh dấu các thông báo là đã đọc (tất cả, hoặc những id đã nêu)",
        operation_id="me_notifications_mark_read",
        request=serializers.MarkReadSerializer,
        responses={200: serializers.MarkReadResultSerializer},
    )
    def post(self, request):
        body = serializers.MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = services.mark_read(request.user, body.validated_data.get("ids"))
        return Response({"marked": marked}, status=status.HTTP_200_OK)


@extend_schema(tags=["notifications"])
class MyPreferencesView(generics.RetrieveUpdateAPIView):
    """Which channels the signed-in user is told through, and whether only the legally required
    notices (docs/notifications.md)."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.PreferenceSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]

    def get_object(self):
        return Preference.objects.get_or_create(user=self.request.user)[0]

    @extend_schema(summary="Tùy chọn nhận thông báo của tôi")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Thay đổi tùy chọn nhận thông báo")
    def put(self, request, *args, **kwargs):
        return super().put(request, *args, **kwargs)

    @extend_schema(summary="Thay đổi một phần tùy chọn nhận thông báo")
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)
