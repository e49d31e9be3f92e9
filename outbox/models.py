"""The transactional outbox's rows (outbox/delivery.py delivers them)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    DEAD = "dead", _("Gửi thất bại")
    # A dead message whose content a newer message of the same key and topic carries in full:
    # kept for audit, no longer blocking its key (outbox.delivery.deliver_key).
    SUPERSEDED = "superseded", _("Đã được thay bằng thông điệp mới hơn")


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
    # The handler sends the receiver the whole current state (not a delta): once this message
    # goes, any dead older message of its key and topic is obsolete.
    # (A database default too: bulk loaders that COPY rows without this column keep working.)
    supersedes = models.BooleanField(_("thay thế thông điệp cũ"), default=False, db_default=False)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("được thay bằng"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded",
        db_index=False,  # the partial index below: almost every row has none
        # No database constraint: the table is partitioned on PostgreSQL (docs/partitions.md).
        db_constraint=False,
    )

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
            # The dead letters counted on the admin index and the dashboard.
            models.Index(fields=["id"], name="outbox_dead", condition=models.Q(status="dead")),
            models.Index(
                fields=["superseded_by"],
                name="outbox_superseded_by",
                condition=models.Q(superseded_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.key} #{self.pk} ({self.status})"

    @property
    def lag_seconds(self) -> float | None:
        """How long the outside world waited for this message."""
        if self.sent_at is None:
            return None
        return (self.sent_at - self.created_at).total_seconds()
