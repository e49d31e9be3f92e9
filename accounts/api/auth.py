"""Token login and logout for the API (the admin uses sessions)."""

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.errors import DomainError

from .tokens import is_expired


class LoginThrottle(AnonRateThrottle):
    scope = "login"


class AccountLocked(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "account_locked"
    title = _("Tài khoản tạm thời bị khóa")


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"})


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    agency = serializers.CharField(source="agency.code", allow_null=True, default=None)
    agency_name = serializers.CharField(source="agency.name", allow_null=True, default=None)


TokenResponse = inline_serializer(
    "TokenResponse", {"token": serializers.CharField(), "user": MeSerializer()}
)


@extend_schema(tags=["auth"], request=LoginSerializer, responses={200: TokenResponse})
class LoginView(APIView):
    """Đăng nhập: trả về token dùng trong header `Authorization: Token <token>`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LoginThrottle]

    def post(self, request):
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = authenticate(
                request=request._request,
                username=data.validated_data["username"],
                password=data.validated_data["password"],
            )
        except AxesBackendPermissionDenied as exc:
            raise AccountLocked(
                _("Đăng nhập sai quá nhiều lần; tài khoản tạm khóa, vui lòng thử lại sau.")
            ) from exc
        if getattr(request._request, "axes_locked_out", False):
            raise AccountLocked(
                _("Đăng nhập sai quá nhiều lần; tài khoản tạm khóa, vui lòng thử lại sau.")
            )
        if user is None or not user.is_active:
            raise DomainError(
                _("Tên đăng nhập hoặc mật khẩu không đúng."), code="invalid_credentials"
            )
        # What a session login would do: axes resets the failure count, Django records
        # last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        # One token per account, shared by its devices; an expired one is replaced.
        token = Token.objects.filter(user=user).first()
        if token is None or is_expired(token):
            Token.objects.filter(user=user).delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key, "user": MeSerializer(user).data})


@extend_schema(tags=["auth"], request=None, responses={204: None})
class LogoutView(APIView):
    """Đăng xuất: thu hồi token hiện tại."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["auth"], responses=MeSerializer)
class MeView(APIView):
    """Tài khoản đang đăng nhập."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(MeSerializer(request.user).data)
