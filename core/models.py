"""Cross-cutting data: the decreed exceptions of the working-day calendar."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
