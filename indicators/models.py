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
    # Satisfaction ratings (satisfaction.Rating), on the day the rated dossier finished.
    "rated_very_satisfied",
    "rated_satisfied",
    "rated_not_satisfied",
    # Of `finished` and not `late`: rated "not satisfied" (the 766 satisfaction group).
    "unsatisfied_in_time",
    # Feedback (PAKN, feedback.Feedback), on the local day it was received (indicators/feedback.py):
    # received; of them handled (answered or rejected) by the first deadline / after it; handled
    # without a "not satisfied" verdict or a re-opening; with a "not satisfied" verdict.
    "feedback_received",
    "feedback_on_time",
    "feedback_late",
    "feedback_satisfied",
    "feedback_not_satisfied",
    # Of `finished` and neither `late` nor `unsatisfied_in_time`: drew feedback once finished
    # (on the day the dossier finished).
    "feedback_dossiers_in_time",
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
    rated_very_satisfied = models.IntegerField(_("đánh giá rất hài lòng"), default=0)
    rated_satisfied = models.IntegerField(_("đánh giá hài lòng"), default=0)
    rated_not_satisfied = models.IntegerField(_("đánh giá không hài lòng"), default=0)
    unsatisfied_in_time = models.IntegerField(_("đúng hạn nhưng không hài lòng"), default=0)
    feedback_received = models.IntegerField(_("phản ánh, kiến nghị đã nhận"), default=0)
    feedback_on_time = models.IntegerField(_("phản ánh xử lý đúng hạn"), default=0)
    feedback_late = models.IntegerField(_("phản ánh xử lý quá hạn"), default=0)
    feedback_satisfied = models.IntegerField(_("phản ánh xử lý hài lòng"), default=0)
    feedback_not_satisfied = models.IntegerField(_("phản ánh không hài lòng"), default=0)
    feedback_dossiers_in_time = models.IntegerField(
        _("hồ sơ đúng hạn nhưng có phản ánh"), default=0
    )

    class Meta:
        verbose_name = _("ô thống kê")
        verbose_name_plural = pgettext_lazy("plural", "ô thống kê")
        constraints = [models.UniqueConstraint(fields=list(KEY), name="statcell_key")]
        indexes = [
            models.Index(fields=["grain", "procedure_id", "period"], name="statcell_procedure"),
            models.Index(fields=["grain", "field_id", "period"], name="statcell_field"),
            models.Index(fields=["grain", "agency_id", "period"], name="statcell_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.get_grain_display()} {self.period}"


# --- distinct procedures ------------------------------------------------------------------------
class Scope(models.IntegerChoices):
    """Whose distinct procedures a `ProcedureUse` / `ProcedureCount` row counts."""

    PROVINCE = 0, _("toàn tỉnh")
    AGENCY = 1, _("cơ quan")
    COMMUNE = 2, _("xã, phường")


class Span(models.IntegerChoices):
    """The period a distinct-procedure row covers (a day only for the province)."""

    DAY = 1, _("ngày")
    MONTH = 2, _("tháng")
    QUARTER = 3, _("quý")
    YEAR = 4, _("năm")


# The counters of a `ProcedureUse` row and the distinct counts of a `ProcedureCount` row.
USE_COUNTERS = ("received", "online", "with_fee", "paid_online")
USE_KEY = ("scope", "scope_id", "span", "period", "procedure_id")
COUNT_FIELDS = ("active", "full_active", "full_online", "with_fees", "paid", "offered")
COUNT_KEY = ("scope", "scope_id", "span", "period")


class ProcedureUse(models.Model):
    """Dossiers of one procedure received in one period by one scope (an agency, a commune or
    the province): the flags behind the distinct-procedure counts. A row going from 0 to
    positive (or back) moves the `ProcedureCount` of its scope and period by one."""

    scope = models.PositiveSmallIntegerField(_("phạm vi"), choices=Scope.choices)
    scope_id = models.IntegerField(_("mã phạm vi"), default=0)  # agency, unit, 0 = province
    span = models.PositiveSmallIntegerField(_("loại kỳ"), choices=Span.choices)
    period = models.DateField(_("kỳ"))
    procedure_id = models.IntegerField(_("thủ tục"))
    received = models.IntegerField(_("đã tiếp nhận"), default=0)
    online = models.IntegerField(_("tiếp nhận trực tuyến"), default=0)
    with_fee = models.IntegerField(_("có phí, lệ phí"), default=0)
    paid_online = models.IntegerField(_("thanh toán trực tuyến"), default=0)

    class Meta:
        verbose_name = _("thủ tục phát sinh hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "thủ tục phát sinh hồ sơ")
        constraints = [models.UniqueConstraint(fields=list(USE_KEY), name="procedureuse_key")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.scope_id} {self.period} {self.procedure_id}"


class ProcedureCount(models.Model):
    """Distinct procedures with dossiers received in one period by one scope: all of them,
    toàn trình, toàn trình with an online dossier, with fees, with a dossier paid online, with
    fees and online payment offered (`Procedure.online_payment`)."""

    scope = models.PositiveSmallIntegerField(_("phạm vi"), choices=Scope.choices)
    scope_id = models.IntegerField(_("mã phạm vi"), default=0)
    span = models.PositiveSmallIntegerField(_("loại kỳ"), choices=Span.choices)
    period = models.DateField(_("kỳ"))
    active = models.IntegerField(_("thủ tục có hồ sơ"), default=0)
    full_active = models.IntegerField(_("thủ tục toàn trình có hồ sơ"), default=0)
    full_online = models.IntegerField(_("thủ tục toàn trình có hồ sơ trực tuyến"), default=0)
    with_fees = models.IntegerField(_("thủ tục có hồ sơ có phí"), default=0)
    paid = models.IntegerField(_("thủ tục có hồ sơ thanh toán trực tuyến"), default=0)
    offered = models.IntegerField(
        _("thủ tục có hồ sơ có phí được triển khai thanh toán trực tuyến"), default=0
    )

    class Meta:
        verbose_name = _("số thủ tục phát sinh hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "số thủ tục phát sinh hồ sơ")
        constraints = [models.UniqueConstraint(fields=list(COUNT_KEY), name="procedurecount_key")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.scope_id} {self.period}: {self.active}"


# --- the running set ----------------------------------------------------------------------------
RUNNING_FIELDS = (
    "agency_id",
    "procedure_id",
    "field_id",
    "level",
    "channel",
    "received_at",
    "due_at",
)


class RunningDossier(models.Model):
    """A narrow copy of each dossier whose clock runs (received / processing), kept by the
    handlers: the overdue counts read it by `due_at` without joining the catalogue."""

    dossier_id = models.BigIntegerField(_("hồ sơ"), primary_key=True)
    agency_id = models.IntegerField(_("cơ quan giải quyết"))
    procedure_id = models.IntegerField(_("thủ tục"))
    field_id = models.IntegerField(_("lĩnh vực"), default=0)
    level = models.PositiveSmallIntegerField(_("cấp thực hiện"), default=0)
    channel = models.PositiveSmallIntegerField(_("kênh"), default=0)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True)
    due_at = models.DateTimeField(_("hạn giải quyết"), null=True)

    class Meta:
        verbose_name = _("hồ sơ đang giải quyết")
        verbose_name_plural = pgettext_lazy("plural", "hồ sơ đang giải quyết")
        indexes = [
            models.Index(fields=["due_at", "agency_id"], name="running_due"),
            models.Index(fields=["agency_id", "due_at"], name="running_agency_due"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.due_at}"


# The maintained tables beside the cells, as the recounts fill them and `verify_stats` compares
# them: name -> (model, key columns, value columns).
EXTRA_TABLES = {
    "uses": (ProcedureUse, USE_KEY, USE_COUNTERS),
    "counts": (ProcedureCount, COUNT_KEY, COUNT_FIELDS),
    "running": (RunningDossier, ("dossier_id",), RUNNING_FIELDS),
}
