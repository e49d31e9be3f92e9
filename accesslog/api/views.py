"""The access log over the API: a citizen's own (GET /me/access-log/), and the administrators'
search (GET /access-log/)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import BasePermission, IsAuthenticated

from core.pagination import OrderedCursorPagination

from .. import recording, selectors
from ..models import AccessRecord
from . import serializers
from .filters import AccessRecordFilter


class NewestFirst(OrderedCursorPagination):
    cursor_ordering = ("-at", "-id")


class IsAdministrator(BasePermission):
    """The administrator role, or a superuser."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and recording.is_administrator(user))


@extend_schema(
    tags=["access-log"],
    summary="Nhật ký truy cập dữ liệu của tôi: cơ quan nào đã xem dữ liệu của tôi, khi nào, "
    "xem gì và để làm gì (mới nhất trước)",
)
class MyAccessLogView(generics.ListAPIView):
    """Reads of the signed-in citizen's dossiers and data by officials and administrators,
    newest first. Each shows the reader's agency and role, never their name (docs/access-log.md);
    reads by system administrators are flagged. Empty for accounts that are not citizens."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.MyAccessRecordSerializer
    pagination_class = NewestFirst
    filter_backends: list = []

    def get_queryset(self):
        return selectors.about(self.request.user)


@extend_schema(
    tags=["access-log"],
    summary="Tra cứu nhật ký truy cập dữ liệu (quản trị hệ thống): ai đã xem gì, trong khoảng "
    "thời gian nào",
)
class AccessLogSearchView(generics.ListAPIView):
    """Every read recorded, newest first, for administrators: filter by reader (username),
    agency (code), dossier (code), kind, purpose, period, and reads by administrators."""

    permission_classes = [IsAuthenticated, IsAdministrator]
    serializer_class = serializers.AccessRecordSerializer
    pagination_class = NewestFirst
    filterset_class = AccessRecordFilter

    def get_queryset(self):
        return AccessRecord.objects.all()
