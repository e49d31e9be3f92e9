"""What the mock VNeID stores: authorization codes, access tokens and the fault switches (one
row, shared by every process). Codes and tokens are kept as SHA-256 digests."""

from django.db import models


class AuthorizationCode(models.Model):
    digest = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=200)
    redirect_uri = models.TextField()
    personal_id = models.CharField(max_length=12)  # the demo identity chosen
    scope = models.CharField(max_length=500)
    nonce = models.CharField(max_length=500, blank=True)
    code_challenge = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"code for {self.personal_id} ({'used' if self.used_at else 'unused'})"


class AccessToken(models.Model):
    digest = models.CharField(max_length=64, unique=True)
    code = models.ForeignKey(AuthorizationCode, on_delete=models.CASCADE, related_name="tokens")
    personal_id = models.CharField(max_length=12)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"access token of {self.personal_id}"


class FaultConfig(models.Model):
    """The fault switches (README.md next to this file)."""

    FIELDS = (
        "down",
        "wrong_key",
        "wrong_audience",
        "wrong_issuer",
        "wrong_nonce",
        "expired_id_token",
        "clock_offset_seconds",
        "userinfo_other_subject",
    )

    down = models.BooleanField(default=False)
    wrong_key = models.BooleanField(default=False)
    wrong_audience = models.BooleanField(default=False)
    wrong_issuer = models.BooleanField(default=False)
    wrong_nonce = models.BooleanField(default=False)
    expired_id_token = models.BooleanField(default=False)
    clock_offset_seconds = models.IntegerField(default=0)
    userinfo_other_subject = models.BooleanField(default=False)

    def __str__(self):
        return "faults"

    @classmethod
    def current(cls) -> "FaultConfig":
        config, _ = cls.objects.get_or_create(pk=1)
        return config

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}
