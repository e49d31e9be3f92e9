"""Pre-aggregated indicator counters (docs/indicators.md).

One table of additive counters, `StatCell`, at several grains. A grain says which period the
cell covers (a local day, month or year) and which dimensions it keeps; a dimension it drops
holds 0 ("all"). The signal handlers add and subtract whole dossiers to and from these cells in
the transaction of the change (`indicators.tally`); `rebuild_stats` recomputes them from the raw
rows and `verify_stats` compares.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Grain(models.IntegerChoices):
    """Which cells a grain keeps (period, then dimensions)."""

    PROCEDURE_DAY = 1, _("ngày × cơ quan × thủ tục × kênh")
    PROCEDURE_MONTH = 2, _("tháng × cơ quan × thủ tục × kênh")
    FIELD_MONTH = 3, _("tháng × cơ quan × lĩnh vực × cấp × kênh")
    AGENCY_DAY = 4, _("ngày × cơ quan × cấp × kênh")
    AGENCY_MONTH = 5, _("tháng × cơ quan × cấp × kênh")
    PROVINCE_PROCEDURE_MONTH = 6, _("tháng × thủ tục × kênh (toàn tỉnh)")
    PROCEDURE_YEAR = 7, _("năm × cơ quan × thủ tục × kênh")


# The additive counters of a cell, in table order (docs/indicators.md lists their dates).
COUNTERS = (
    "submitted",
    "pending",
    "received",
    "digitised",
    "reused",
    "with_fee",
    "paid_online",
    "in_process",
    "paused",
    "finished",
    "early",
    "on_time",
    "late",
    "withdrawn",
    "resolved",
    "e_result",
    "processing_days",
    "returned",
    "refused_receipt",
    "stopped",
    "sync_events",
    "sync_on_time",
)
# The dimensions, in the order of the unique key.
KEY = ("grain", "period", "agency_id", "procedure_id", "field_id", "level", "channel")


class StatCell(models.Model):
    grain = models.PositiveSmallIntegerField(_("mức gộp"), choices=Grain.choices)
    # The first day of the period the cell covers (a day, a month or a year), local time.
    period = models.DateField(_("kỳ"))
    # Dimensions are plain ids (0 = all), not foreign keys: a cell outlives nothing and the
    # handlers must not take locks on the catalogue rows.
    agency_id = models.IntegerField(_("cơ quan giải quyết"), default=0)
    procedure_id = models.IntegerField(_("thủ tục"), default=0)
    field_id = models.IntegerField(_("lĩnh vực"), default=0)
    level = models.PositiveSmallIntegerField(_("cấp thực hiện"), default=0)
    channel = models.PositiveSmallIntegerField(_("kênh"), default=0)

    submitted = models.IntegerField(_("đã nộp"), default=0)
    pending = models.IntegerField(_("chờ tiếp nhận"), default=0)
    received = models.IntegerField(_("đã tiếp nhận"), default=0)
    digitised = models.IntegerField(_("đã số hóa"), default=0)
    reused = models.IntegerField(_("có tái sử dụng"), default=0)
    with_fee = models.IntegerField(_("có phí, lệ phí"), default=0)
    paid_online = models.IntegerField(_("thanh toán trực tuyến"), default=0)
    in_process = models.IntegerField(_("đang giải quyết"), default=0)
    paused = models.IntegerField(_("đang tạm dừng"), default=0)
    finished = models.IntegerField(_("đã giải quyết"), default=0)
    early = models.IntegerField(_("trước hạn"), default=0)
    on_time = models.IntegerField(_("đúng hạn"), default=0)
    late = models.IntegerField(_("quá hạn"), default=0)
    withdrawn = models.IntegerField(_("rút hồ sơ"), default=0)
    resolved = models.IntegerField(_("có kết quả"), default=0)
    e_result = models.IntegerField(_("có kết quả điện tử"), default=0)
    processing_days = models.BigIntegerField(_("tổng ngày làm việc giải quyết"), default=0)
    returned = models.IntegerField(_("đã trả kết quả"), default=0)
    refused_receipt = models.IntegerField(_("từ chối tiếp nhận"), default=0)
    stopped = models.IntegerField(_("dừng xử lý"), default=0)
    sync_events = models.IntegerField(_("sự kiện đồng bộ"), default=0)
    sync_on_time = models.IntegerField(_("đồng bộ kịp thời"), default=0)

    class Meta:
        verbose_name = _("ô thống kê")
        verbose_name_plural = pgettext_lazy("plural", "ô thống kê")
        constraints = [models.UniqueConstraint(fields=list(KEY), name="statcell_key")]
        indexes = [
            models.Index(fields=["grain", "procedure_id", "period"], name="statcell_procedure"),
            models.Index(fields=["grain", "field_id", "period"], name="statcell_field"),
        ]

    def __str__(self) -> str:
        return f"{self.get_grain_display()} {self.period}"
