"""What the mock gateways store: the messages they accepted, the answers per Idempotency-Key,
and the fault switches (one row per gateway, read on every call, shared by every process)."""

from django.db import models


class Message(models.Model):
    gateway = models.CharField(max_length=8)  # "sms" or "zalo"
    gateway_id = models.CharField(max_length=64, unique=True)
    to = models.CharField(max_length=32)
    text = models.TextField()
    reference = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict)
    status = models.CharField(max_length=10, default="accepted")  # accepted, delivered, failed
    callback_status = models.PositiveSmallIntegerField(null=True)  # onecua's answer
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.gateway} {self.gateway_id} → {self.to}"


class IdempotencyKey(models.Model):
    gateway = models.CharField(max_length=8)
    key = models.CharField(max_length=255)
    message = models.ForeignKey(Message, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "key"], name="mockmessaging_idem_unique")
        ]

    def __str__(self):
        return f"{self.gateway} {self.key}"


class FaultConfig(models.Model):
    """down: every send is 503; latency_ms: each call waits; error_rate: share of 500s;
    fail_delivery: accepted, then a "failed" delivery receipt; receipts: send receipts at all."""

    gateway = models.CharField(max_length=8, unique=True)
    down = models.BooleanField(default=False)
    latency_ms = models.PositiveIntegerField(default=0)
    error_rate = models.FloatField(default=0.0)
    fail_delivery = models.BooleanField(default=False)
    receipts = models.BooleanField(default=True)

    FIELDS = ("down", "latency_ms", "error_rate", "fail_delivery", "receipts")

    def __str__(self):
        return f"faults of {self.gateway}"

    @classmethod
    def current(cls, gateway: str) -> "FaultConfig":
        return cls.objects.get_or_create(gateway=gateway)[0]

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}
