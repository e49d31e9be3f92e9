"""What a dossier owes (phí, lệ phí): the fee lines frozen with its terms, each with its status
(docs/payments.md). Procedures' fee lines (`procedures.FeeLine`) are copied into the dossier's
`terms["fees"]` when it is filed; the owed lines are made from that snapshot, so a later change
of the catalogue never changes what an applicant owes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from procedures.models import FeeKind

from .dossier import Dossier


class FeeStatus(models.TextChoices):
    OWED = "owed", _("Chưa nộp")
    PAID = "paid", _("Đã nộp")
    EXEMPT = "exempt", _("Được miễn")
    REFUND_REQUESTED = "refund_requested", _("Đề nghị hoàn trả")
    REFUNDED = "refunded", _("Đã hoàn trả")


class FeeCollection(models.TextChoices):
    """When the fee is collected (docs/payments.md, "When fees are collected")."""

    SUBMISSION = "submission", _("Khi nộp hồ sơ trực tuyến")
    RECEIPT = "receipt", _("Khi tiếp nhận hồ sơ")
    REQUEST = "request", _("Khi cơ quan giải quyết yêu cầu")


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("Thanh toán trực tuyến")
    CASH = "cash", _("Tiền mặt tại quầy")
    CARD = "card", _("Thẻ tại quầy")


class DossierFee(models.Model):
    """One owed line of a dossier: what the procedure's fee line asks of this applicant."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên khoản thu"), max_length=500)
    kind = models.CharField(_("loại"), max_length=8, choices=FeeKind.choices)
    # The amount the procedure fixes (None: set by regulation, not known when filed).
    amount = models.PositiveBigIntegerField(_("mức thu (VNĐ)"), null=True, blank=True)
    # What this applicant owes after an exemption or a reduction (None: not known yet).
    amount_due = models.PositiveBigIntegerField(_("số phải nộp (VNĐ)"), null=True, blank=True)
    payer = models.CharField(_("người nộp"), max_length=255)
    status = models.CharField(
        _("tình trạng"), max_length=20, choices=FeeStatus.choices, default=FeeStatus.OWED
    )
    # An exemption or a reduction: why, and under which legal basis.
    adjustment_reason = models.TextField(_("lý do miễn, giảm"), blank=True)
    adjustment_legal_basis = models.TextField(_("căn cứ pháp lý miễn, giảm"), blank=True)
    adjusted_at = models.DateTimeField(_("thời điểm miễn, giảm"), null=True, blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # How and when it was paid; the payment's reference (online) or the receipt number.
    method = models.CharField(
        _("hình thức nộp"), max_length=8, choices=PaymentMethod.choices, blank=True
    )
    paid_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)
    reference = models.CharField(_("số tham chiếu, biên lai"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("khoản phí, lệ phí của hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "khoản phí, lệ phí của hồ sơ")
        ordering = ["dossier", "order"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "order"], name="dossier_fee_order")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reduced(self) -> bool:
        if self.amount is None or self.amount_due is None:
            return False
        return self.amount_due < self.amount
