"""The payment API (docs/payments.md): the applicant starts an online payment of a dossier's
fees; those who may see a dossier list its payments; the platform posts its notification (IPN,
public: verified by its check value, not by a login)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound, ProblemSerializer
from dossiers import access_log, selectors
from dossiers.access_log import Purpose, ReadKind

from .. import services
from ..models import Payment, PaymentStatus
from ..receipt import render_receipt
from . import serializers as s


def _return_url(request, dossier_code: str, given: str) -> str:
    if given:
        return given
    return settings.ONECUA_PAYMENT_RETURN_URL or request.build_absolute_uri(
        f"/tra-cuu/?code={dossier_code}"
    )


class DossierPaymentsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["payments"],
        responses={200: s.PaymentSerializer(many=True)},
        summary="Các giao dịch thanh toán trực tuyến của hồ sơ",
    )
    def get(self, request, code):
        dossier = selectors.visible_to(request.user).filter(code=code).first()
        if dossier is None:
            raise NotFound(_not_found())
        payments = Payment.objects.filter(dossier=dossier).select_related("dossier")
        data = s.PaymentSerializer(payments, many=True).data
        access_log.record(request.user, [dossier], ReadKind.DOSSIER_DETAIL, Purpose.API_PAYMENTS)
        return Response(data)

    @extend_schema(
        tags=["payments"],
        request=s.StartSerializer,
        responses={
            201: s.PaymentSerializer,
            200: OpenApiResponse(s.PaymentSerializer, description="the payment still pending"),
            409: OpenApiResponse(
                ProblemSerializer,
                description="`dossier_closed`, `no_fee_owed`, `fee_not_requested` (not yet "
                "time to pay), `fee_amount_unknown`",
            ),
            503: OpenApiResponse(
                ProblemSerializer,
                description="`payment_platform_unavailable`: the platform did not answer or "
                "refused the order (the attempt is recorded failed)",
            ),
        },
        summary="Thanh toán trực tuyến phí, lệ phí của hồ sơ (chủ hồ sơ): trả về trang thanh toán",
    )
    def post(self, request, code):
        data = s.StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment, new = services.start_payment(
            dossier=code,
            actor=request.user,
            return_url=_return_url(request, code, data.validated_data["return_url"]),
        )
        return Response(
            s.PaymentSerializer(payment).data,
            status=status.HTTP_201_CREATED if new else status.HTTP_200_OK,
        )


class ReceiptView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["payments"],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="Biên lai thu phí, lệ phí điện tử (PDF) của một giao dịch đã thanh toán",
    )
    def get(self, request, code, reference):
        dossier = selectors.visible_to(request.user).filter(code=code).first()
        payment = (
            Payment.objects.filter(
                dossier=dossier,
                reference=reference,
                status__in=(PaymentStatus.PAID, PaymentStatus.REFUNDED),
            )
            .select_related("dossier__receiving_agency__parent")
            .first()
            if dossier is not None
            else None
        )
        if payment is None:
            raise NotFound(_not_found())
        body = render_receipt(payment)
        access_log.record(request.user, [dossier], ReadKind.DOSSIER_DETAIL, Purpose.API_PAYMENTS)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="bien-lai-{payment.reference}.pdf"'
        return response


def _not_found() -> str:
    return _("Không tìm thấy hồ sơ.")


@method_decorator(csrf_exempt, name="dispatch")
class NotificationView(APIView):
    """The platform's server-to-server notification: no login, no session; what is verified is
    the message itself. Always answered in the platform's format (`code`, `message`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        tags=["payments"],
        auth=[],
        request=s.NotificationSerializer,
        responses={200: s.NotificationAnswerSerializer},
        summary="Thông báo kết quả thanh toán (IPN) của nền tảng thanh toán quốc gia",
        description=(
            "Mã trả lời: 00 đã nhận; 01 không có giao dịch; 02 đã ghi nhận trước đó; 04 số tiền "
            "hoặc đơn vị tiền sai (giữ lại chờ cán bộ xử lý); 97 sai mã kiểm tra; 99 lỗi khác."
        ),
    )
    def post(self, request):
        try:
            data = request.data
        except (ParseError, UnsupportedMediaType):
            data = None
        return Response(services.handle_notification(data))
