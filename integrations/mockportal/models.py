"""What the mock portal stores: the dossiers it received, their history, progress steps, tokens,
idempotency keys, the fault switches (one row, shared by every process) and counters."""

from django.db import models


class Record(models.Model):
    """The portal's current view of one dossier (the last version applied)."""

    ma_ho_so = models.CharField(max_length=100, unique=True)
    phien_ban = models.PositiveIntegerField()
    trang_thai = models.PositiveSmallIntegerField()
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.ma_ho_so} v{self.phien_ban} ({self.trang_thai})"


class RecordVersion(models.Model):
    """Every create/update received for a dossier, applied or not (stale)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="versions")
    kind = models.CharField(max_length=10)  # "create" or "update"
    phien_ban = models.PositiveIntegerField()
    trang_thai = models.PositiveSmallIntegerField()
    data = models.JSONField()
    applied = models.BooleanField()
    stale = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.record.ma_ho_so} v{self.phien_ban} {self.kind}"


class ProgressStep(models.Model):
    """One progress step (TienDo item); identical items are stored once."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="steps")
    fingerprint = models.CharField(max_length=64)
    data = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "fingerprint"], name="mockportal_step_unique")
        ]

    def __str__(self):
        return f"{self.record.ma_ho_so} step {self.pk}"


class Token(models.Model):
    key = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"token until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class IdempotencyKey(models.Model):
    """The first answer given to a call with this Idempotency-Key, replayed on repeats."""

    endpoint = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()  # the JSON text answered, replayed byte for byte
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "key"], name="mockportal_idem_unique")
        ]

    def __str__(self):
        return f"{self.endpoint} {self.key}"


class FaultConfig(models.Model):
    """The fault switches: a single row (pk 1), read on every call, so every process sees them."""

    error_rate = models.FloatField(default=0.0)
    latency_ms = models.PositiveIntegerField(default=0)
    timeout_rate = models.FloatField(default=0.0)
    timeout_sleep_ms = models.PositiveIntegerField(default=30000)
    down = models.BooleanField(default=False)
    accept_out_of_order = models.BooleanField(default=False)

    FIELDS = (
        "error_rate",
        "latency_ms",
        "timeout_rate",
        "timeout_sleep_ms",
        "down",
        "accept_out_of_order",
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


class PortalProcedure(models.Model):
    """The portal's list of administrative procedures (national code and name)."""

    ma_tthc = models.CharField(max_length=50, unique=True)
    ten_tthc = models.TextField()

    class Meta:
        ordering = ["ma_tthc"]

    def __str__(self):
        return self.ma_tthc
