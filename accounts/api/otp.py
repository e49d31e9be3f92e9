"""Enrolling in two-factor authentication, for the signed-in user (docs/accounts.md).

1. POST /auth/otp/totp/ — a new authenticator, unconfirmed: its otpauth:// URI, its secret
   (for typing in by hand) and a QR code (SVG) to scan with an authenticator app;
2. POST /auth/otp/totp/confirm/ — the first code it shows confirms it, and ten recovery codes
   are answered, once;
3. POST /auth/otp/recovery-codes/ — ten new recovery codes (the previous ones stop working).

These also take the enrolment token that a login answers with `otp_not_enrolled`. Replacing an
authenticator or the recovery codes needs a current code (`otp`).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services, twofactor
from ..models import AuthToken, TokenPurpose

OTP_HELP = _("Mã hiện tại (6 số, hoặc một mã khôi phục): cần khi đã có ứng dụng xác thực.")


class OtpStatusSerializer(serializers.Serializer):
    enrolled = serializers.BooleanField(help_text=_("Đã có ứng dụng xác thực"))
    required = serializers.BooleanField(help_text=_("Tài khoản bắt buộc xác thực hai lớp"))
    recovery_codes_left = serializers.IntegerField(help_text=_("Số mã khôi phục chưa dùng"))


class ProofSerializer(serializers.Serializer):
    otp = serializers.CharField(max_length=32, required=False, allow_blank=True, help_text=OTP_HELP)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=32, help_text=_("Mã 6 số đang hiện trong ứng dụng xác thực")
    )


class EnrolmentSerializer(serializers.Serializer):
    otpauth_uri = serializers.CharField(help_text=_("Địa chỉ otpauth:// cho ứng dụng xác thực"))
    secret = serializers.CharField(help_text=_("Khóa bí mật (base32) để nhập tay"))
    qr_code = serializers.CharField(help_text=_("Mã QR của otpauth_uri: data:image/svg+xml"))
    confirm = serializers.CharField(help_text=_("Nơi gửi mã đầu tiên để xác nhận"))


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Mười mã khôi phục, mỗi mã dùng một lần; chỉ hiện lần này"),
    )


class EnrolmentView(APIView):
    permission_classes = [IsAuthenticated]
    accepts_enrolment_token = True


@extend_schema(tags=["auth"], responses=OtpStatusSerializer)
class OtpStatusView(EnrolmentView):
    """Tình trạng xác thực hai lớp của tài khoản."""

    def get(self, request):
        user = request.user
        body = {
            "enrolled": twofactor.is_enrolled(user),
            "required": twofactor.required_for(user),
            "recovery_codes_left": twofactor.recovery_codes_left(user),
        }
        return Response(OtpStatusSerializer(body).data)


@extend_schema(
    tags=["auth"],
    request=ProofSerializer,
    responses={
        201: EnrolmentSerializer,
        403: OpenApiResponse(
            description="`otp_required` / `otp_invalid`: replacing an authenticator needs a "
            "current code"
        ),
    },
)
class TotpView(EnrolmentView):
    """Bắt đầu đăng ký ứng dụng xác thực (TOTP): quét mã QR rồi xác nhận bằng mã đầu tiên."""

    def post(self, request):
        data = ProofSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = twofactor.start_totp(request.user, data.validated_data.get("otp"))
        body = {
            "otpauth_uri": enrolment.uri,
            "secret": enrolment.secret,
            "qr_code": enrolment.qr_data_uri,
            "confirm": reverse("auth-otp-totp-confirm"),
        }
        return Response(EnrolmentSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["auth"],
    request=CodeSerializer,
    responses={
        200: RecoveryCodesSerializer,
        400: OpenApiResponse(description="`otp_invalid`: not the code the authenticator shows"),
        409: OpenApiResponse(description="`otp_no_pending_device`: start enrolling first"),
    },
)
class TotpConfirmView(EnrolmentView):
    """Xác nhận ứng dụng xác thực bằng mã đầu tiên; trả về mười mã khôi phục (chỉ một lần).
    Token đăng ký (enrolment token) hết dùng: đăng nhập lại kèm mã."""

    def post(self, request):
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = twofactor.confirm_totp(request.user, data.validated_data["code"])
        if isinstance(request.auth, AuthToken) and request.auth.purpose != TokenPurpose.SESSION:
            services.revoke_token(request.auth)
        return Response(RecoveryCodesSerializer({"recovery_codes": codes}).data)


@extend_schema(
    tags=["auth"],
    request=ProofSerializer,
    responses={
        201: RecoveryCodesSerializer,
        403: OpenApiResponse(description="`otp_required` / `otp_invalid`: a current code"),
        409: OpenApiResponse(description="`otp_not_enrolled`: no authenticator yet"),
    },
)
class RecoveryCodesView(EnrolmentView):
    """Tạo mười mã khôi phục mới (các mã cũ hết hiệu lực); cần mã xác thực hiện tại."""

    def post(self, request):
        data = ProofSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = twofactor.new_recovery_codes(request.user, data.validated_data.get("otp"))
        return Response(
            RecoveryCodesSerializer({"recovery_codes": codes}).data,
            status=status.HTTP_201_CREATED,
        )
