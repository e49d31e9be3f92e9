"""Online payments of a dossier's fees (docs/payments.md): one `Payment` per attempt at the
national payment platform, and `PaymentMessage`, the append-only log of every message sent and
received about it (kept for audit, verified or not)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Thất bại")
    CANCELLED = "cancelled", _("Người nộp đã hủy")
    EXPIRED = "expired", _("Hết hạn")
    # A verified notification whose amount or currency differs from the order: never marked
    # paid; an official looks into it (the admin lists them).
    HELD = "held", _("Sai lệch số tiền, chờ cán bộ xử lý")
    REFUNDED = "refunded", _("Đã hoàn trả")


# An outcome that is final: a later notification changes nothing.
SETTLED = frozenset({PaymentStatus.PAID, PaymentStatus.HELD, PaymentStatus.REFUNDED})


class Payment(models.Model):
    """One attempt to pay a dossier's owed lines online."""

    reference = models.CharField(_("mã giao dịch"), max_length=32, unique=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount = models.PositiveBigIntegerField(_("số tiền (VNĐ)"))
    currency = models.CharField(_("đơn vị tiền"), max_length=3, default="VND")
    # The lines it pays, as sent: [{"order", "name", "kind", "amount"}].
    lines = models.JSONField(_("các khoản thu"), default=list)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    payer = models.CharField(_("người nộp"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người khởi tạo"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("khởi tạo lúc"), default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    platform_txn_id = models.CharField(_("mã giao dịch của nền tảng"), max_length=64, blank=True)
    payment_url = models.URLField(_("trang thanh toán"), max_length=1000, blank=True)
    bank_code = models.CharField(_("ngân hàng, ví"), max_length=32, blank=True)
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    settled_at = models.DateTimeField(_("ghi nhận kết quả lúc"), null=True, blank=True)
    # Why the payment is held for an official (the amount or currency the platform reported).
    held_reason = models.TextField(_("lý do chờ xử lý"), blank=True)

    class Meta:
        verbose_name = _("giao dịch thanh toán")
        verbose_name_plural = pgettext_lazy("plural", "giao dịch thanh toán")
        ordering = ["-created_at"]
        indexes = [
            # Reconciliation: what is still pending after its expiry.
            models.Index(
                fields=["expires_at"],
                name="payment_pending_exp",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["dossier", "status"], name="payment_dossier"),
            models.Index(fields=["status", "created_at"], name="payment_status"),
        ]

    def __str__(self) -> str:
        return self.reference


class Direction(models.TextChoices):
    SENT = "sent", _("Gửi đi")
    RECEIVED = "received", _("Nhận về")


class MessageKind(models.TextChoices):
    INIT = "init", _("Khởi tạo")
    INIT_ANSWER = "init_answer", _("Trả lời khởi tạo")
    NOTIFY = "notify", _("Thông báo kết quả (IPN)")
    NOTIFY_ANSWER = "notify_answer", _("Trả lời IPN")
    QUERY = "query", _("Truy vấn trạng thái")
    QUERY_ANSWER = "query_answer", _("Kết quả truy vấn")
    REPORT = "report", _("Báo cáo đối soát ngày")


class PaymentMessage(models.Model):
    """One message about a payment, as sent or received (append-only: never updated)."""

    payment = models.ForeignKey(
        Payment,
        verbose_name=_("giao dịch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    # The reference the message names (also when it names none we know).
    reference = models.CharField(_("mã giao dịch"), max_length=64, blank=True, db_index=True)
    direction = models.CharField(_("chiều"), max_length=8, choices=Direction.choices)
    kind = models.CharField(_("loại"), max_length=16, choices=MessageKind.choices)
    body = models.JSONField(_("nội dung"), default=dict)
    # For a received message: whether its check value verified; the code we answered.
    verified = models.BooleanField(_("đã xác thực"), null=True)
    code = models.CharField(_("mã trả lời"), max_length=4, blank=True)
    at = models.DateTimeField(_("lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("thông điệp thanh toán")
        verbose_name_plural = pgettext_lazy("plural", "thông điệp thanh toán")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("payment messages are append-only")
        super().save(*args, **kwargs)
