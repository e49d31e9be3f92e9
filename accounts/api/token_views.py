"""The signed-in user's own API tokens: one per device that logged in (docs/accounts.md).

Never the secret, nor anything derived from it: a token is named by its `id`.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound

from .. import services


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    device = serializers.CharField(help_text=_("Tên thiết bị khi đăng nhập (hoặc User-Agent)"))
    created = serializers.DateTimeField(help_text=_("Thời điểm đăng nhập"))
    expiry = serializers.DateTimeField(help_text=_("Hết hạn lúc"))
    last_used = serializers.DateTimeField(
        source="last_used_at", allow_null=True, help_text=_("Dùng lần cuối (chính xác tới 1 phút)")
    )
    current = serializers.SerializerMethodField(help_text=_("Token của chính yêu cầu này"))

    def get_current(self, token) -> bool:
        return token.pk == getattr(self.context["request"].auth, "pk", None)


@extend_schema(tags=["auth"], responses=TokenSerializer(many=True))
class TokenListView(APIView):
    """Các phiên đăng nhập (token) còn hiệu lực của tài khoản, mới nhất trước."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        tokens = services.live_tokens(request.user)
        return Response(TokenSerializer(tokens, many=True, context={"request": request}).data)


@extend_schema(tags=["auth"], request=None, responses={204: None})
class TokenDetailView(APIView):
    """Thu hồi một token của chính mình (đăng xuất thiết bị đó)."""

    permission_classes = [IsAuthenticated]

    def delete(self, request, token_id: int):
        token = services.live_tokens(request.user).filter(pk=token_id).first()
        if token is None:
            raise NotFound(_("Không tìm thấy phiên đăng nhập này."))
        services.revoke_token(token)
        return Response(status=status.HTTP_204_NO_CONTENT)
