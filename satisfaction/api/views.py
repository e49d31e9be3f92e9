"""`GET/POST /api/v1/dossiers/{code}/rating/`: the owning citizen reads or gives their one
rating (docs/satisfaction.md). Anybody else: 404 (the dossier is not theirs to know of);
anonymous: 401."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from dossiers import permissions
from dossiers.models import Dossier

from .. import services
from ..models import Rating, RatingChannel
from . import serializers


def _own_dossier(user, code: str) -> Dossier:
    dossier = Dossier.objects.select_related("applicant").filter(code=code).first()
    if dossier is None or not permissions.is_owner(dossier, user):
        raise NotFound()
    return dossier


class DossierRatingView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["satisfaction"],
        summary="Đánh giá của tôi về hồ sơ (404 khi chưa đánh giá)",
        operation_id="dossier_rating_read",
        responses={200: serializers.RatingSerializer},
    )
    def get(self, request, code):
        dossier = _own_dossier(request.user, code)
        rating = Rating.objects.select_related("dossier", "agency").filter(dossier=dossier).first()
        if rating is None:
            raise NotFound(_("Hồ sơ chưa được đánh giá."), code="not_rated")
        return Response(serializers.RatingSerializer(rating).data)

    @extend_schema(
        tags=["satisfaction"],
        summary="Đánh giá mức độ hài lòng (một lần cho mỗi hồ sơ, không sửa được)",
        operation_id="dossier_rating_create",
        request=serializers.RateSerializer,
        responses={201: serializers.RatingSerializer},
    )
    def post(self, request, code):
        dossier = _own_dossier(request.user, code)
        data = serializers.RateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.record(
            dossier, channel=RatingChannel.API, submitted_by=request.user, **data.validated_data
        )
        return Response(serializers.RatingSerializer(rating).data, status=status.HTTP_201_CREATED)
