"""Cross-cutting models: the user account and the working-day calendar overrides."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .roles import OFFICIAL_ROLES, Role


class User(AbstractUser):
    """An account: a citizen or business, an official of an agency, or an administrator."""

    role = models.CharField(
        _("vai trò"), max_length=32, choices=Role.choices, default=Role.CITIZEN, db_index=True
    )
    # Referenced by name only: onecua never imports an app's code at module level.
    agency = models.ForeignKey(
        "procedures.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    # Số định danh cá nhân (12 digits) for citizens.
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)

    class Meta:
        constraints = [
            # One citizen account per person: counter intake links dossiers by this number.
            models.UniqueConstraint(
                fields=["personal_id"],
                condition=models.Q(role="citizen") & ~models.Q(personal_id=""),
                name="user_citizen_personal_id",
            )
        ]
        verbose_name = _("tài khoản")
        verbose_name_plural = pgettext_lazy("plural", "tài khoản")

    def clean(self) -> None:
        super().clean()
        if self.role in OFFICIAL_ROLES and not self.agency_id:
            raise ValidationError({"agency": _("Cán bộ phải thuộc một cơ quan.")})
        if self.personal_id and not (len(self.personal_id) == 12 and self.personal_id.isdigit()):
            raise ValidationError({"personal_id": _("Số định danh cá nhân gồm đúng 12 chữ số.")})

    @property
    def is_official(self) -> bool:
        return self.role in OFFICIAL_ROLES

    def __str__(self) -> str:
        return self.full_name or self.username


class CalendarOverride(models.Model):
    """A decreed exception to the working-day calendar: a day swapped off or on."""

    date = models.DateField(_("ngày"), unique=True)
    is_working_day = models.BooleanField(_("là ngày làm việc"))
    reason = models.CharField(_("lý do"), max_length=300)

    class Meta:
        verbose_name = _("ngày làm việc điều chỉnh")
        verbose_name_plural = pgettext_lazy("plural", "ngày làm việc điều chỉnh")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("làm việc") if self.is_working_day else _("nghỉ")
        return f"{self.date:%d/%m/%Y} ({kind}): {self.reason}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    DEAD = "dead", _("Gửi thất bại")


class OutboxMessage(models.Model):
    """A message to the outside world, written in the same transaction as the change it tells
    about (the transactional outbox). Celery delivers it; the row, not the broker, is the
    truth. Messages with the same `key` are delivered one at a time, in `id` order."""

    topic = models.CharField(_("chủ đề"), max_length=64)
    key = models.CharField(_("khóa thứ tự"), max_length=128)
    reference = models.JSONField(_("tham chiếu"), default=dict)
    idempotency_key = models.CharField(_("khóa chống trùng"), max_length=128, unique=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("số lần thử"), default=0)
    next_attempt_at = models.DateTimeField(_("thử lại lúc"), default=timezone.now)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông điệp gửi đi")
        verbose_name_plural = pgettext_lazy("plural", "thông điệp gửi đi")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["key", "id"], name="outbox_key_order"),
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["topic", "status"], name="outbox_topic_status"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.key} #{self.pk} ({self.status})"

    @property
    def lag_seconds(self) -> float | None:
        """How long the outside world waited for this message."""
        if self.sent_at is None:
            return None
        return (self.sent_at - self.created_at).total_seconds()
