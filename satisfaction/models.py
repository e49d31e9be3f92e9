"""A rating of the service by the applicant: once per dossier, never edited (docs/satisfaction.md).

The scale is the national portal's three levels (very satisfied / satisfied / not satisfied);
only "not satisfied" moves the Decision 766 score (docs/indicators.md, satisfaction group)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Rất hài lòng")
    SATISFIED = "satisfied", _("Hài lòng")
    NOT_SATISFIED = "not_satisfied", _("Không hài lòng")


class RatingChannel(models.TextChoices):
    API = "api", _("Cổng dịch vụ công (đăng nhập)")
    LINK = "link", _("Đường dẫn trong thông báo")
    KIOSK = "kiosk", _("Tại bộ phận một cửa")


COMMENT_MAX = 1000


class Rating(models.Model):
    # One per dossier: the unique key is what makes "once" hold under concurrency.
    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="rating", verbose_name=_("hồ sơ")
    )
    agency = models.ForeignKey(
        "organisations.Agency",
        on_delete=models.PROTECT,
        related_name="ratings",
        verbose_name=_("cơ quan giải quyết"),
    )
    level = models.CharField(_("mức độ hài lòng"), max_length=20, choices=Level.choices)
    comment_attitude = models.TextField(_("về thái độ của cán bộ"), blank=True)
    comment_time = models.TextField(_("về thời gian giải quyết"), blank=True)
    comment_procedure = models.TextField(_("về thủ tục"), blank=True)
    channel = models.CharField(_("kênh đánh giá"), max_length=10, choices=RatingChannel.choices)
    # Who submitted it: the citizen (API), nobody (a signed link), the official who opened the
    # kiosk form for the citizen.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người gửi"),
    )
    created_at = models.DateTimeField(_("thời điểm đánh giá"), auto_now_add=True)

    class Meta:
        verbose_name = _("đánh giá mức độ hài lòng")
        verbose_name_plural = _("đánh giá mức độ hài lòng")
        indexes = [models.Index(fields=["agency", "created_at"], name="rating_agency_created")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.level}"
