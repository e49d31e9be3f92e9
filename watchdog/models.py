"""The escalation ladder's record: one row per (step run, rung), so each rung fires once
whatever the beat does (restarts, two passes at once: the unique constraint decides)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Rung(models.IntegerChoices):
    HANDLER = 1, _("Nhắc người xử lý")
    HEAD = 2, _("Báo trưởng đơn vị")
    LEADER = 3, _("Báo lãnh đạo")


class Escalation(models.Model):
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="escalations"
    )
    step_run = models.ForeignKey(
        "dossiers.StepRun", on_delete=models.CASCADE, related_name="escalations"
    )
    rung = models.PositiveSmallIntegerField(_("bậc"), choices=Rung.choices)
    # The share of the step's working time used when the rung fired.
    percent = models.PositiveSmallIntegerField(_("tỷ lệ thời gian đã dùng (%)"))
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người được báo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("thời điểm"), db_index=True)

    class Meta:
        verbose_name = _("nhắc việc, báo cáo chậm")
        verbose_name_plural = pgettext_lazy("plural", "nhắc việc, báo cáo chậm")
        constraints = [
            models.UniqueConstraint(fields=["step_run", "rung"], name="escalation_once_per_rung")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} step {self.step_run_id} rung {self.rung}"


class ApologyDraft(models.Model):
    """The apology and new date (Mẫu 04) the watchdog drafts for a dossier that will be late,
    for the head of the handling agency to sign. A draft is never sent: nothing is told to the
    applicant until the head runs the existing `reschedule` action (with this text and date, or
    their own), which marks the draft confirmed. One per dossier (an apology is made once)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="apology_draft"
    )
    reason = models.TextField(_("lý do chậm (dự thảo)"))
    proposed_due_at = models.DateTimeField(_("ngày hẹn mới đề xuất"))
    due_at_when_drafted = models.DateTimeField(_("hạn trả khi dự thảo"))
    drafted_at = models.DateTimeField(_("dự thảo lúc"))
    confirmed_at = models.DateTimeField(_("lãnh đạo ký lúc"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lãnh đạo ký"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dự thảo thư xin lỗi, hẹn lại (Mẫu 04)")
        verbose_name_plural = pgettext_lazy("plural", "dự thảo thư xin lỗi, hẹn lại (Mẫu 04)")

    def __str__(self) -> str:
        return f"{self.dossier_id} → {self.proposed_due_at:%d/%m/%Y}"
