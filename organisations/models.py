"""Where the one-stop system works: administrative units (the province and its communes/wards)
and agencies (Decision 20/2020 identifiers), below the catalogue that names them."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UnitType(models.TextChoices):
    # Level 1
    PROVINCE = "tinh", _("Tỉnh")
    CENTRAL_CITY = "thanh_pho_trung_uong", _("Thành phố trực thuộc trung ương")
    # Level 2 (after 1/7/2025 there is no district level)
    COMMUNE = "xa", _("Xã")
    WARD = "phuong", _("Phường")
    SPECIAL_ZONE = "dac_khu", _("Đặc khu")


class AdministrativeUnit(models.Model):
    """A province or a commune/ward, with its official code (vietnam-provinces)."""

    code = models.PositiveIntegerField(_("mã đơn vị hành chính"), unique=True)
    name = models.CharField(_("tên"), max_length=200)
    unit_type = models.CharField(_("loại đơn vị"), max_length=32, choices=UnitType.choices)
    codename = models.CharField(_("tên mã"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("thuộc tỉnh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị hành chính")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "unit_type"], name="unit_parent_type")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_province(self) -> bool:
        return self.unit_type in (UnitType.PROVINCE, UnitType.CENTRAL_CITY)


class AgencyKind(models.TextChoices):
    PROVINCIAL_DEPARTMENT = "provincial_department", _("Sở, ban, ngành cấp tỉnh")
    PROVINCIAL_SERVICE_CENTRE = (
        "provincial_service_centre",
        _("Trung tâm Phục vụ hành chính công tỉnh"),
    )
    COMMUNE_COMMITTEE = "commune_committee", _("Ủy ban nhân dân cấp xã")
    COMMUNE_SERVICE_CENTRE = "commune_service_centre", _("Trung tâm Phục vụ hành chính công cấp xã")
    VERTICAL_CENTRAL = "vertical_central", _("Cơ quan ngành dọc trung ương")
    PROVINCIAL_COMMITTEE = "provincial_committee", _("Ủy ban nhân dân tỉnh")


SERVICE_CENTRE_KINDS = (AgencyKind.PROVINCIAL_SERVICE_CENTRE, AgencyKind.COMMUNE_SERVICE_CENTRE)


class Agency(models.Model):
    """An agency, identified by its code in the Decision 20/2020 layout (e.g. 000.00.01.H43)."""

    code = models.CharField(_("mã định danh"), max_length=64, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=300)
    kind = models.CharField(_("loại cơ quan"), max_length=40, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("đơn vị hành chính"),
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = pgettext_lazy("plural", "cơ quan")
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "code"], name="agency_kind_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_service_centre(self) -> bool:
        return self.kind in SERVICE_CENTRE_KINDS
