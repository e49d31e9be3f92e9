from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dossiers.api.serializers import StrictInputMixin

from ..models import Payment


class StartSerializer(StrictInputMixin, serializers.Serializer):
    return_url = serializers.URLField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Trang của ứng dụng mà trình duyệt được đưa về sau khi thanh toán (mặc định: "
            "trang tra cứu hồ sơ)."
        ),
    )


class PaymentSerializer(serializers.ModelSerializer):
    dossier = serializers.CharField(source="dossier.code")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Payment
        fields = [
            "reference",
            "dossier",
            "amount",
            "currency",
            "lines",
            "status",
            "status_display",
            "payer",
            "created_at",
            "expires_at",
            "payment_url",
            "platform_txn_id",
            "bank_code",
            "paid_at",
        ]


class NotificationSerializer(serializers.Serializer):
    """The platform's notification (docs/payment-platform.md, "Notification (IPN)")."""

    partner_code = serializers.CharField()
    transaction_ref = serializers.CharField()
    platform_txn_id = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=["paid", "failed", "cancelled", "expired"])
    paid_at = serializers.CharField(allow_blank=True, help_text="yyyyMMddHHmmss, giờ Việt Nam")
    bank_code = serializers.CharField(allow_blank=True)
    checksum = serializers.CharField()


class NotificationAnswerSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["00", "01", "02", "04", "97", "99"])
    message = serializers.CharField()
