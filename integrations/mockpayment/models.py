"""What the mock payment platform stores: the transactions it was asked to collect, the
notifications (IPN) it owes the partners and every attempt to deliver them, the fault switches
(one row, shared by every process) and counters."""

from django.db import models


class Status(models.TextChoices):
    PENDING = "pending", "Chờ thanh toán"
    PAID = "paid", "Đã thanh toán"
    FAILED = "failed", "Thanh toán không thành công"
    CANCELLED = "cancelled", "Người nộp đã huỷ"
    EXPIRED = "expired", "Đã hết hạn"


class Transaction(models.Model):
    """One payment request (init) and its outcome, as the platform sees it."""

    partner_code = models.CharField(max_length=50)
    transaction_ref = models.CharField(max_length=64)
    platform_txn_id = models.CharField(max_length=32, unique=True)
    # The hosted page's address is /pay/<page_token>/: unguessable, it is the payer's access.
    page_token = models.CharField(max_length=64, unique=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="VND")
    dossier_code = models.CharField(max_length=100)
    fee_lines = models.JSONField()
    description = models.CharField(max_length=255, blank=True)
    return_url = models.URLField(max_length=1000)
    notify_url = models.URLField(max_length=1000)
    expires_at = models.DateTimeField()
    # The init's fields as text (signing.INIT_FIELDS + description): a repeat must match it.
    request_text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # What was paid: the amount, unless the fault `amount_delta` made it differ.
    paid_amount = models.BigIntegerField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner_code", "transaction_ref"], name="mockpayment_ref_unique"
            )
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="mockpayment_txn_due"),
        ]

    def __str__(self):
        return f"{self.partner_code}/{self.transaction_ref} {self.status}"

    @property
    def reported_amount(self) -> int:
        return self.paid_amount if self.paid_amount is not None else self.amount


class Notification(models.Model):
    """One IPN owed to the partner: the exact body sent (check value included), retried with
    backoff until the partner acknowledges it (`00` or `02`) or the retry window closes."""

    class State(models.TextChoices):
        PENDING = "pending", "Đang gửi"
        ACKNOWLEDGED = "acknowledged", "Đã được xác nhận"
        GAVE_UP = "gave_up", "Ngừng gửi lại"
        LOST = "lost", "Bị mất (lỗi giả lập)"

    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, related_name="notifications"
    )
    url = models.URLField(max_length=1000)
    body = models.JSONField()
    # Why this copy exists: "outcome", or a fault's "duplicate" / "reordered" (an earlier status).
    reason = models.CharField(max_length=20, default="outcome")
    state = models.CharField(max_length=15, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    first_due_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="mockpayment_ntf_due"),
        ]

    def __str__(self):
        return f"IPN {self.body.get('status')} of {self.transaction_id} ({self.state})"


class DeliveryAttempt(models.Model):
    """One POST of a notification and what the partner answered."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    at = models.DateTimeField()
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    code = models.CharField(max_length=10, blank=True)  # the partner's answer code
    error = models.CharField(max_length=300, blank=True)  # no answer: why
    acknowledged = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"attempt {self.at:%H:%M:%S} → {self.http_status} {self.code}"


class FaultConfig(models.Model):
    """The fault switches: a single row (pk 1), read on every call, so every process sees them."""

    down = models.BooleanField(default=False)
    ipn_lost = models.BooleanField(default=False)
    ipn_delay_seconds = models.PositiveIntegerField(default=0)
    ipn_duplicate = models.BooleanField(default=False)
    ipn_reorder = models.BooleanField(default=False)
    wrong_checksum = models.BooleanField(default=False)
    amount_delta = models.BigIntegerField(default=0)
    decline = models.BooleanField(default=False)

    FIELDS = (
        "down",
        "ipn_lost",
        "ipn_delay_seconds",
        "ipn_duplicate",
        "ipn_reorder",
        "wrong_checksum",
        "amount_delta",
        "decline",
    )

    def __str__(self):
        return "faults"

    @classmethod
    def current(cls) -> "FaultConfig":
        return cls.objects.get_or_create(pk=1)[0]

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}


class Counter(models.Model):
    name = models.CharField(max_length=100, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name}={self.value}"
