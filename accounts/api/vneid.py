"""The citizen's app exchanges the one-time ticket of a VNeID login for its API token
(docs/accounts.md, "VNeID"): the browser's login ends on /vneid/done/, which hands out the
ticket; this endpoint takes it once, within two minutes, and issues a token for the app's
device carrying the login's identification level."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError

from .. import services
from .auth import LoginThrottle, MeSerializer


class TicketSerializer(serializers.Serializer):
    ticket = serializers.CharField(
        max_length=100,
        help_text=_("Mã dùng một lần từ trang /vneid/done/ sau khi đăng nhập VNeID."),
    )
    device = serializers.CharField(
        max_length=services.DEVICE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("Tên thiết bị; mặc định là User-Agent của ứng dụng."),
    )


VneidTokenResponse = inline_serializer(
    "VneidTokenResponse",
    {
        "token": serializers.CharField(),
        "expiry": serializers.DateTimeField(),
        "assurance_level": serializers.IntegerField(
            help_text=_("Mức định danh điện tử của lần đăng nhập VNeID (1 hoặc 2).")
        ),
        "user": MeSerializer(),
    },
)


@extend_schema(
    tags=["auth"],
    request=TicketSerializer,
    responses={
        200: VneidTokenResponse,
        400: OpenApiResponse(
            description="`invalid_ticket`: unknown, already used or expired (2 minutes)"
        ),
    },
)
class VneidTokenView(APIView):
    """Đổi mã dùng một lần của lần đăng nhập VNeID lấy token API cho thiết bị này."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LoginThrottle]

    def post(self, request):
        data = TicketSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = data.validated_data.get("device") or request.headers.get("User-Agent", "")
        issued = services.exchange_vneid_ticket(data.validated_data["ticket"], device=device)
        if issued is None:
            raise DomainError(
                _("Mã không hợp lệ, đã được dùng hoặc đã hết hạn; vui lòng đăng nhập VNeID lại."),
                code="invalid_ticket",
            )
        token, secret = issued
        return Response(
            {
                "token": secret,
                "expiry": serializers.DateTimeField().to_representation(token.expiry),
                "assurance_level": token.assurance_level,
                "user": MeSerializer(token.user).data,
            }
        )
