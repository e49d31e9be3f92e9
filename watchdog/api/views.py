"""The apology drafts (Mẫu 04) the watchdog prepared, for the head of the handling agency to
sign through `POST /api/v1/dossiers/{code}/reschedule/` (docs/watchdog.md).

Object-level authorisation: only a leader of the dossier's handling agency (the one who may
`reschedule`, dossiers.permissions.can_reschedule) sees a draft; a dossier outside the user's
scope is a 404, inside it without that permission a 403."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated

from core.errors import Forbidden, NotFound
from core.pagination import OrderedCursorPagination
from dossiers import permissions, selectors

from ..models import ApologyDraft
from .serializers import ApologyDraftSerializer


class NewestFirst(OrderedCursorPagination):
    cursor_ordering = ("-drafted_at", "-id")


def drafts_for(user):
    """The drafts of the dossiers `user` may reschedule: their agency's, as its leader."""
    visible = selectors.visible_to(user)
    if getattr(user, "role", None) != "leader" or not user.agency_id:
        return ApologyDraft.objects.none()
    return ApologyDraft.objects.filter(
        dossier__in=visible.filter(handling_agency_id=user.agency_id)
    ).select_related("dossier")


@extend_schema(tags=["watchdog"], summary="Dự thảo thư xin lỗi, hẹn lại (Mẫu 04) chờ lãnh đạo ký")
class ApologyDraftListView(generics.ListAPIView):
    """The drafts still waiting for the head's signature, newest first (a leader's agency's
    only; empty for everyone else)."""

    permission_classes = [IsAuthenticated]
    serializer_class = ApologyDraftSerializer
    pagination_class = NewestFirst
    filter_backends: list = []

    def get_queryset(self):
        return drafts_for(self.request.user).filter(confirmed_at__isnull=True)


@extend_schema(tags=["watchdog"], summary="Dự thảo thư xin lỗi, hẹn lại của một hồ sơ")
class ApologyDraftDetailView(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ApologyDraftSerializer

    def get_object(self):
        dossier = selectors.visible_to(self.request.user).filter(code=self.kwargs["code"]).first()
        if dossier is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        if not permissions.can_reschedule(dossier, self.request.user):
            raise Forbidden(_("Chỉ lãnh đạo cơ quan giải quyết mới xem và ký thư xin lỗi."))
        draft = ApologyDraft.objects.filter(dossier=dossier).select_related("dossier").first()
        if draft is None:
            raise NotFound(_("Hồ sơ chưa có dự thảo thư xin lỗi."))
        return draft
