"""Notification templates (versioned), the notifications sent and their delivery receipts, and
each user's preferences (docs/notifications.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import events, rendering


class Channel(models.TextChoices):
    INBOX = "inbox", _("Hộp thư trên hệ thống")
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo (ZNS)")


# The channels that go out through a gateway (and the outbox); the inbox is a row here.
EXTERNAL = (Channel.EMAIL, Channel.SMS, Channel.ZALO)


class Language(models.TextChoices):
    VI = "vi", _("Tiếng Việt")
    EN = "en", _("English")


class NotificationTemplate(models.Model):
    """One version of the text of a notice on a channel in a language. Versions are never
    changed: saving in the admin writes a new version (notifications/admin.py), and the newest
    version of (kind, channel, language) is the one used; a notification names the version it
    was rendered from."""

    kind = models.CharField(_("loại thông báo"), max_length=40, choices=events.kind_choices())
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    language = models.CharField(
        _("ngôn ngữ"), max_length=2, choices=Language.choices, default=Language.VI
    )
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    enabled = models.BooleanField(
        _("đang dùng"), default=True, help_text=_("Tắt: không gửi thông báo này qua kênh này.")
    )
    subject = models.CharField(
        _("tiêu đề"), max_length=200, blank=True, help_text=_("Thư điện tử và hộp thư.")
    )
    body = models.TextField(
        _("nội dung"), help_text=_("Biến dạng {{ tên_biến }}; xem danh sách biến bên dưới.")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = pgettext_lazy("plural", "mẫu thông báo")
        ordering = ["kind", "channel", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "channel", "language", "version"],
                name="notifications_template_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.channel}/{self.language} v{self.version}"

    def clean(self) -> None:
        super().clean()
        rendering.check(self.kind, self.subject, self.body)

    @classmethod
    def current(cls, kind: str, channel: str, language: str) -> NotificationTemplate | None:
        return (
            cls.objects.filter(kind=kind, channel=channel, language=language)
            .order_by("-version")
            .first()
        )


class Audience(models.TextChoices):
    APPLICANT = events.APPLICANT, _("Chủ hồ sơ")
    OFFICIAL = events.OFFICIAL, _("Cán bộ")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    DELIVERED = "delivered", _("Đã đến người nhận")
    FAILED = "failed", _("Gửi không thành công")


class Notification(models.Model):
    """One notice to one recipient on one channel, rendered when the event happened (the text
    the recipient gets is the text recorded here)."""

    kind = models.CharField(_("loại thông báo"), max_length=40, choices=events.kind_choices())
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    audience = models.CharField(_("đối tượng"), max_length=10, choices=Audience.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=2, choices=Language.choices)
    required = models.BooleanField(_("bắt buộc theo quy định"), default=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản nhận"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        "dossiers.Event",
        verbose_name=_("sự kiện"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        # No database constraint: the events are partitioned on PostgreSQL and a foreign key
        # cannot name (id) of a partitioned table (docs/partitions.md).
        db_constraint=False,
    )
    template = models.ForeignKey(
        NotificationTemplate,
        verbose_name=_("mẫu (phiên bản)"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # E-mail address or phone number (+84…); empty for the inbox.
    address = models.CharField(_("địa chỉ nhận"), max_length=254, blank=True)
    subject = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"))
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    gateway_id = models.CharField(_("mã của cổng gửi"), max_length=200, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    # Not before (quiet hours: an SMS is held until the morning).
    not_before = models.DateTimeField(_("gửi từ"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("đến lúc"), null=True, blank=True)
    read_at = models.DateTimeField(_("đọc lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = pgettext_lazy("plural", "thông báo")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                name="notifications_inbox",
                condition=models.Q(channel="inbox"),
            ),
            models.Index(
                fields=["gateway_id"],
                name="notifications_gateway_id",
                condition=~models.Q(gateway_id=""),
            ),
            models.Index(fields=["address", "channel", "sent_at"], name="notifications_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} #{self.pk}"


class DeliveryReceipt(models.Model):
    """What a gateway said about a notification: accepted (sent), delivered or failed."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("thông báo"),
        on_delete=models.CASCADE,
        related_name="receipts",
        # No database constraint: notifications are partitioned on PostgreSQL
        # (docs/partitions.md); Django cascades the deletion.
        db_constraint=False,
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=NotificationStatus.choices)
    gateway_id = models.CharField(_("mã của cổng gửi"), max_length=200, blank=True)
    detail = models.CharField(_("chi tiết"), max_length=500, blank=True)
    at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("biên nhận gửi")
        verbose_name_plural = pgettext_lazy("plural", "biên nhận gửi")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.status}"


class Preference(models.Model):
    """A user's choice of channels. Opting out stops every notice the law does not require;
    a required notice still reaches the inbox and the chosen channels."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.BooleanField(_("thư điện tử"), default=True)
    sms = models.BooleanField(_("tin nhắn SMS"), default=True)
    zalo = models.BooleanField(_("Zalo"), default=False)
    only_required = models.BooleanField(_("chỉ nhận thông báo bắt buộc"), default=False)
    language = models.CharField(
        _("ngôn ngữ"), max_length=2, choices=Language.choices, default=Language.VI
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("tùy chọn nhận thông báo")
        verbose_name_plural = pgettext_lazy("plural", "tùy chọn nhận thông báo")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, channel: str) -> bool:
        return channel == Channel.INBOX or bool(getattr(self, channel, False))
