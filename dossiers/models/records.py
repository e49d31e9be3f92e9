"""What happens to a dossier: the audit trail, pauses, process steps, components, codes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..rules import Timing
from .actions import DossierAction
from .dossier import Dossier
from .status import DossierStatus


class DossierComponent(models.Model):
    """A component (thành phần hồ sơ) as declared by the applicant or checked at the counter."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.TextField(_("tên giấy tờ"))
    mandatory = models.BooleanField(_("bắt buộc"), default=True)
    provided = models.BooleanField(_("đã nộp"), default=False)
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    content = models.TextField(_("nội dung kê khai"), blank=True)
    is_reused = models.BooleanField(_("lấy từ kho dữ liệu"), default=False)
    is_digitised = models.BooleanField(_("đã số hóa"), default=False)
    # The document of the applicant's data store this component reuses, if any.
    store_document = models.ForeignKey(
        "documents.StoreDocument",
        verbose_name=_("giấy tờ tái sử dụng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reuses",
    )

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "thành phần hồ sơ")
        ordering = ["dossier", "order"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "order"], name="dossier_component_order")
        ]

    def __str__(self) -> str:
        return self.name[:80]


class DossierSequence(models.Model):
    """The last sequence number given at one agency on one (local) day, for dossier codes."""

    agency = models.ForeignKey("organisations.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossier_sequence_agency_day")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Events are append-only")

    def delete(self):
        raise PermissionError("Events are append-only")


class Event(models.Model):
    """The append-only audit trail: one row per action on a dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("thao tác"), max_length=40, choices=DossierAction.choices)
    from_status = models.CharField(
        _("trạng thái trước"), max_length=32, choices=DossierStatus.choices, blank=True
    )
    to_status = models.CharField(_("trạng thái sau"), max_length=32, choices=DossierStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    note = models.TextField(_("ghi chú"), blank=True)
    payload = models.JSONField(_("dữ liệu"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("nhật ký xử lý")
        verbose_name_plural = pgettext_lazy("plural", "nhật ký xử lý")
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="event_dossier_at")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Events are append-only")


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", _("Bổ sung hồ sơ")
    PAYMENT = "payment", _("Nghĩa vụ tài chính")


class Pause(models.Model):
    """An interval during which the statutory clock does not run."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("lý do tạm dừng"), max_length=16, choices=PauseKind.choices)
    reason = models.TextField(_("nội dung"), blank=True)
    # The state to go back to when the pause ends.
    resume_to = models.CharField(max_length=32, choices=DossierStatus.choices)
    opened_at = models.DateTimeField(_("bắt đầu"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # Deadline for the applicant (the supplement window), if any.
    respond_by = models.DateTimeField(_("hạn bổ sung"), null=True, blank=True)
    due_at_when_opened = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("tạm dừng")
        verbose_name_plural = pgettext_lazy("plural", "tạm dừng")
        ordering = ["dossier", "opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(closed_at__isnull=True),
                name="pause_one_open_per_dossier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.opened_at:%d/%m/%Y}"


# Early / on time / late: one rule (dossiers.rules.timing) and its enum.
StepTiming = Timing


class StepRun(models.Model):
    """One internal process step actually run: a line of the process-control slip (Mẫu 06)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="step_runs")
    order = models.PositiveSmallIntegerField(_("thứ tự bước"))
    name = models.CharField(_("tên bước"), max_length=300)
    role = models.CharField(_("vai trò"), max_length=16)
    agency = models.ForeignKey(
        "organisations.Agency", null=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("nhận lúc"))
    due_at = models.DateTimeField(_("hạn bước"), null=True, blank=True)
    finished_at = models.DateTimeField(_("giao lúc"), null=True, blank=True)
    timing = models.CharField(
        _("kết quả thời gian"), max_length=8, choices=StepTiming.choices, blank=True
    )
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("bước xử lý đã thực hiện")
        verbose_name_plural = _("phiếu kiểm soát quá trình xử lý")
        ordering = ["dossier", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(finished_at__isnull=True),
                name="steprun_one_open_per_dossier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"
