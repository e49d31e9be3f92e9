"""Token login and logout for the API (the admin and the dashboard use sessions).

Each login is a new token for one device (docs/accounts.md): logging out revokes that token,
`logout-all` every token of the account.
"""

from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import logout as session_logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.errors import DomainError, Forbidden

from .. import network, services, twofactor
from ..models import AuthToken, TokenPurpose
from ..roles import Role


class LoginThrottle(AnonRateThrottle):
    """THROTTLE_LOGIN per client address, except from the centres' networks, where many
    counters share one address (accounts/network.py)."""

    scope = "login"

    def allow_request(self, request, view):
        if network.in_centre_network(network.client_ip(request)):
            return True
        return super().allow_request(request, view)


class AccountLocked(DomainError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "account_locked"
    title = _("Tài khoản tạm thời bị khóa")


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"})
    device = serializers.CharField(
        max_length=services.DEVICE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_(
            "Tên thiết bị để nhận ra phiên đăng nhập (ví dụ “Quầy 3”, “Điện thoại”); "
            "mặc định là User-Agent của ứng dụng."
        ),
    )
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_(
            "Mã xác thực hai lớp: 6 số từ ứng dụng xác thực, hoặc một mã khôi phục. Cần khi tài "
            "khoản đã đăng ký ứng dụng xác thực (và với lãnh đạo, quản trị khi bắt buộc)."
        ),
    )


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    agency = serializers.CharField(source="agency.code", allow_null=True, default=None)
    agency_name = serializers.CharField(source="agency.name", allow_null=True, default=None)


TokenResponse = inline_serializer(
    "TokenResponse",
    {
        "token": serializers.CharField(),
        "expiry": serializers.DateTimeField(),
        "user": MeSerializer(),
    },
)


@extend_schema(
    tags=["auth"],
    request=LoginSerializer,
    responses={
        200: TokenResponse,
        401: OpenApiResponse(
            description="`otp_required` (the account asks for a second factor: send `otp`) or "
            "`otp_invalid` (wrong, used or expired code)"
        ),
        403: OpenApiResponse(
            description="`otp_not_enrolled`: the account must use a second factor and has no "
            "authenticator yet; `enrolment_token` (valid 15 minutes) opens the enrolment "
            "endpoints (`enrol`: POST /auth/otp/totp/). `password_login_disabled`: a citizen's "
            "password login while ONECUA_CITIZEN_PASSWORD_LOGIN is off; `vneid_login` is where "
            "the VNeID login starts"
        ),
    },
)
class LoginView(APIView):
    """Đăng nhập: mỗi lần đăng nhập là một token mới cho một thiết bị, dùng trong header
    `Authorization: Token <token>`; kèm `otp` khi tài khoản dùng xác thực hai lớp."""

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
        if user.role == Role.CITIZEN and not settings.ONECUA_CITIZEN_PASSWORD_LOGIN:
            # Citizens log in through VNeID (settings ONECUA_CITIZEN_PASSWORD_LOGIN).
            raise Forbidden(
                _("Công dân đăng nhập bằng tài khoản định danh điện tử VNeID."),
                code="password_login_disabled",
                extra={"vneid_login": reverse("vneid-login")},
            )
        device = data.validated_data.get("device") or request.headers.get("User-Agent", "")
        self.second_factor(request, user, data.validated_data.get("otp"), device)
        # What a session login would do: axes resets the failure count, Django records
        # last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        # A new token for this device; the account's other devices keep theirs.
        token, secret = services.issue_token(user, device=device)
        expiry = serializers.DateTimeField().to_representation(token.expiry)
        return Response({"token": secret, "expiry": expiry, "user": MeSerializer(user).data})

    @staticmethod
    def second_factor(request, user, code, device) -> None:
        """The code of a user who is asked for one (accounts/twofactor.py). A wrong code counts
        as a failed login for the lockout. One who must use a second factor but has no
        authenticator gets a short-lived token that opens the enrolment endpoints only."""
        try:
            twofactor.check_login(user, code)
        except twofactor.OtpInvalid:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=request._request,
            )
            if getattr(request._request, "axes_locked_out", False):
                raise AccountLocked(
                    _("Đăng nhập sai quá nhiều lần; tài khoản tạm khóa, vui lòng thử lại sau.")
                ) from None
            raise
        except twofactor.OtpNotEnrolled as refusal:
            token, secret = services.issue_token(
                user,
                device=device,
                purpose=TokenPurpose.OTP_ENROLMENT,
                lifetime=twofactor.ENROLMENT_TOKEN_LIFETIME,
            )
            refusal.extra = {
                "enrolment_token": secret,
                "enrolment_expiry": serializers.DateTimeField().to_representation(token.expiry),
                "enrol": reverse("auth-otp-totp"),
            }
            raise


def _end_session(request) -> None:
    """Logging out by session (the browsable API) ends that session; by token, nothing more."""
    if not isinstance(request.auth, AuthToken):
        session_logout(request._request)
    else:
        user = request.user
        user_logged_out.send(sender=user.__class__, request=request._request, user=user)


@extend_schema(tags=["auth"], request=None, responses={204: None})
class LogoutView(APIView):
    """Đăng xuất trên thiết bị này: thu hồi token đang dùng; các thiết bị khác vẫn đăng nhập."""

    permission_classes = [IsAuthenticated]
    accepts_enrolment_token = True

    def post(self, request):
        if isinstance(request.auth, AuthToken):
            services.revoke_token(request.auth)
        _end_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["auth"], request=None, responses={204: None})
class LogoutAllView(APIView):
    """Đăng xuất trên mọi thiết bị: thu hồi mọi token của tài khoản."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        services.revoke_all_tokens(request.user)
        _end_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CurrentLoginSerializer(MeSerializer):
    assurance_level = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "Mức định danh điện tử (1 hoặc 2) của lần đăng nhập VNeID đang dùng; null khi đăng "
            "nhập bằng mật khẩu."
        ),
    )


@extend_schema(tags=["auth"], responses=CurrentLoginSerializer)
class MeView(APIView):
    """Tài khoản đang đăng nhập (và mức định danh VNeID của lần đăng nhập này)."""

    permission_classes = [IsAuthenticated]
    accepts_enrolment_token = True

    def get(self, request):
        level = services.login_assurance_level(request)
        return Response({**MeSerializer(request.user).data, "assurance_level": level})
