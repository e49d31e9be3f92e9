"""The catalogue: fields and procedures with their parts (components, steps, fees)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.calendar import TimeUnit
from organisations.models import AgencyKind

from .vocabulary import StepRole


class Field(models.Model):
    """A field (lĩnh vực) of procedures."""

    code = models.CharField(_("mã lĩnh vực"), max_length=64, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=300)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = pgettext_lazy("plural", "lĩnh vực")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceLevel(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    OFFLINE = "offline", _("Không trực tuyến")


class Level(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class ProcedureStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    PUBLISHED = "published", _("Đang áp dụng")
    RETIRED = "retired", _("Hết hiệu lực")


class TimeUnitChoices(models.TextChoices):
    WORKING_DAYS = TimeUnit.WORKING_DAYS, _("ngày làm việc")
    DAYS = TimeUnit.DAYS, _("ngày")
    WORKING_HOURS = TimeUnit.WORKING_HOURS, _("giờ làm việc")
    MONTHS = TimeUnit.MONTHS, _("tháng")


class SupplementRule(models.TextChoices):
    RESTART = "restart", _("Tính lại từ đầu")
    SHIFT = "shift", _("Lùi hạn theo thời gian tạm dừng")


class AssuranceLevel(models.IntegerChoices):
    """The electronic identification level a citizen's VNeID account has (Decree 69/2024/ND-CP on
    electronic identification and authentication, replacing Decree 59/2022): level 1 registered
    through the app, level 2 verified in person with the chip ID card. A procedure that asks for
    level 2 refuses an online submission made with a weaker login (docs/accounts.md, "VNeID")."""

    LEVEL_1 = 1, _("Mức 1")
    LEVEL_2 = 2, _("Mức 2")


class FeeMode(models.TextChoices):
    FREE = "free", _("Miễn phí")
    FIXED = "fixed", _("Mức thu cố định")
    REGULATION = "regulation", _("Theo quy định của HĐND/UBND tỉnh")
    UNKNOWN = "unknown", _("Chưa xác định")


class Procedure(models.Model):
    """One version of an administrative procedure (thủ tục hành chính).

    Versions share the national `code`; at most one version per code is published (in force) at
    a time, so a new version can be drafted while the current one applies.
    """

    # Indexed through the (code, version) constraint.
    code = models.CharField(_("mã thủ tục"), max_length=20)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    local_code = models.CharField(_("mã thủ tục tại địa phương"), max_length=64, blank=True)
    name = models.TextField(_("tên thủ tục"))
    field = models.ForeignKey(
        Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="procedures"
    )
    level = models.CharField(_("cấp thực hiện"), max_length=16, choices=Level.choices)
    level_raw = models.CharField(_("cấp thực hiện (gốc)"), max_length=200, blank=True)
    agency_kind = models.CharField(
        _("loại cơ quan thực hiện"), max_length=40, choices=AgencyKind.choices
    )
    agency_name = models.TextField(_("cơ quan thực hiện (gốc)"), blank=True)
    service_level = models.CharField(
        _("mức độ dịch vụ công"), max_length=16, choices=ServiceLevel.choices
    )
    service_level_assigned = models.BooleanField(
        _("mức độ được gán (không có trong dữ liệu công bố)"), default=False
    )
    processing_time_value = models.DecimalField(
        _("thời hạn giải quyết"), max_digits=8, decimal_places=2
    )
    processing_time_unit = models.CharField(
        _("đơn vị thời hạn"),
        max_length=16,
        choices=TimeUnitChoices.choices,
        default=TimeUnit.WORKING_DAYS,
    )
    processing_time_raw = models.TextField(_("thời hạn (gốc)"), blank=True)
    processing_time_inferred = models.BooleanField(_("thời hạn được suy ra"), default=False)
    fee_mode = models.CharField(
        _("phí, lệ phí"), max_length=16, choices=FeeMode.choices, default=FeeMode.UNKNOWN
    )
    fee_raw = models.TextField(_("phí, lệ phí (gốc)"), blank=True)
    result_name = models.TextField(_("kết quả thực hiện"), blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    supplement_rule = models.CharField(
        _("cách tính hạn khi bổ sung hồ sơ"),
        max_length=16,
        choices=SupplementRule.choices,
        default=SupplementRule.RESTART,
    )
    supplement_window_days = models.PositiveSmallIntegerField(
        _("thời hạn bổ sung (ngày làm việc)"), default=15
    )
    # The VNeID identification level an online submission needs (1: any citizen's login; 2: a
    # VNeID level-2 login), set by the province in the admin; the importer leaves it alone.
    min_assurance_level = models.PositiveSmallIntegerField(
        _("mức định danh điện tử tối thiểu"),
        choices=AssuranceLevel.choices,
        default=AssuranceLevel.LEVEL_1,
    )
    # Whether the fee can be paid online through the national payment platform (Decision
    # 766/QĐ-TTg, "Thủ tục có phí được triển khai thanh toán trực tuyến"): set by the province in
    # the admin (on a draft version, like the rest); a new procedure with a fixed fee starts
    # with it (the importer sets it on creation and leaves it alone afterwards).
    # docs/indicators.md, "Online payment offered".
    online_payment = models.BooleanField(
        _("triển khai thanh toán trực tuyến"),
        default=False,
        help_text=_("Phí, lệ phí của thủ tục nộp được qua nền tảng thanh toán trực tuyến."),
    )
    components_inferred = models.BooleanField(_("thành phần hồ sơ được suy ra"), default=False)
    steps_inferred = models.BooleanField(_("quy trình được suy ra"), default=False)
    origin = models.CharField(_("nguồn đưa vào danh mục"), max_length=32, blank=True)
    field_raw = models.TextField(_("lĩnh vực (gốc)"), blank=True)
    field_inferred = models.BooleanField(_("lĩnh vực được suy ra"), default=False)
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=ProcedureStatus.choices,
        default=ProcedureStatus.DRAFT,
    )
    valid_from = models.DateTimeField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateTimeField(_("hiệu lực đến"), null=True, blank=True)
    # Lower-case, diacritic-free text searched by q= (name, code, field).
    search_text = models.TextField(editable=False, default="")
    # Hash of the imported row: re-importing an unchanged row writes nothing.
    content_hash = models.CharField(max_length=64, editable=False, default="")
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = pgettext_lazy("plural", "thủ tục hành chính")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="procedure_code_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="published"),
                name="procedure_one_published_version",
            ),
            models.CheckConstraint(
                condition=Q(processing_time_value__gte=0), name="procedure_time_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "service_level"]),
            models.Index(fields=["status", "level"]),
            models.Index(fields=["status", "field"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class ProcedureComponent(models.Model):
    """A required dossier component (thành phần hồ sơ)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.TextField(_("tên giấy tờ"))
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    form_template = models.CharField(_("mẫu đơn, tờ khai"), max_length=300, blank=True)
    mandatory = models.BooleanField(_("bắt buộc"), default=True)
    reusable = models.BooleanField(_("có thể tái sử dụng từ kho dữ liệu"), default=False)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "thành phần hồ sơ")
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="component_order")
        ]

    def __str__(self) -> str:
        return self.name[:80]


class ProcessStep(models.Model):
    """A step of the procedure's internal electronic process (quy trình nội bộ)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên bước"), max_length=300)
    role = models.CharField(_("vai trò thực hiện"), max_length=16, choices=StepRole.choices)
    share = models.PositiveSmallIntegerField(_("tỷ lệ thời gian (%)"))

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("quy trình nội bộ")
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="step_order"),
            models.CheckConstraint(condition=Q(share__lte=100), name="step_share_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class FeeKind(models.TextChoices):
    PHI = "phi", _("Phí")
    LE_PHI = "le_phi", _("Lệ phí")


class FeeLine(models.Model):
    """A fee line (phí or lệ phí) of a procedure."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="fee_lines")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên khoản thu"), max_length=500)
    amount = models.PositiveBigIntegerField(_("số tiền (VNĐ)"), null=True, blank=True)
    kind = models.CharField(_("loại"), max_length=8, choices=FeeKind.choices)

    class Meta:
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = pgettext_lazy("plural", "phí, lệ phí")
        ordering = ["procedure", "order"]
        constraints = [models.UniqueConstraint(fields=["procedure", "order"], name="fee_order")]

    def __str__(self) -> str:
        return self.name
