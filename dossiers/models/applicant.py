from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import (
    BlindIndexField,
    EncryptedTextField,
    HashedQuerySet,
    match,
    refresh_hashes,
)

personal_id_validator = RegexValidator(
    r"^\d{12}$", _("Số định danh cá nhân gồm đúng 12 chữ số."), code="personal_id"
)
tax_code_validator = RegexValidator(
    r"^\d{10}(-\d{3})?$", _("Mã số thuế/mã số doanh nghiệp gồm 10 chữ số (hoặc 10-3)."), "tax"
)
phone_validator = RegexValidator(r"^\+?\d{9,15}$", _("Số điện thoại không hợp lệ."), code="phone")


class ApplicantKind(models.IntegerChoices):
    """LoaiDoiTuong of the national portal."""

    CITIZEN = 1, _("Công dân")
    BUSINESS = 2, _("Doanh nghiệp")
    STATE_AGENCY = 3, _("Cơ quan nhà nước")
    OTHER = 4, _("Tổ chức khác")


class Applicant(models.Model):
    """The dossier's owner (chủ hồ sơ): a person or an organisation, with an optional
    authorised submitter."""

    kind = models.PositiveSmallIntegerField(
        _("loại đối tượng"), choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    full_name = models.CharField(_("họ tên / tên tổ chức"), max_length=300)
    # Personal data encrypted at rest (core/fields.py, docs/personal-data.md): the attribute is
    # the clear value, the column its ciphertext; an exact search compares the keyed hash kept
    # beside it (`core.fields.match("personal_id", value)`), never the column.
    personal_id = EncryptedTextField(
        _("số định danh cá nhân"),
        max_length=12,
        blank=True,
        validators=[personal_id_validator],
    )
    personal_id_hash = BlindIndexField(source="personal_id")
    tax_code = EncryptedTextField(
        _("mã số thuế / mã số doanh nghiệp"),
        max_length=14,
        blank=True,
        validators=[tax_code_validator],
    )
    tax_code_hash = BlindIndexField(source="tax_code")
    phone = EncryptedTextField(
        _("số điện thoại"), max_length=16, blank=True, validators=[phone_validator]
    )
    phone_hash = BlindIndexField(source="phone")
    email = models.EmailField(_("thư điện tử"), blank=True)
    address = EncryptedTextField(_("địa chỉ"), max_length=500, blank=True)
    unit = models.ForeignKey(
        "organisations.AdministrativeUnit",
        verbose_name=_("xã/phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Người nộp thay (authorised submitter), when someone files on the owner's behalf.
    submitter_name = models.CharField(_("người nộp thay"), max_length=300, blank=True)
    submitter_personal_id = EncryptedTextField(
        _("số định danh người nộp thay"),
        max_length=12,
        blank=True,
        validators=[personal_id_validator],
    )
    authorisation_document = models.CharField(_("văn bản ủy quyền"), max_length=300, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applicants",
    )

    objects = HashedQuerySet.as_manager()

    class Meta:
        # Exact search by personal ID, tax code or phone: through these (docs/personal-data.md).
        indexes = [
            models.Index(fields=["personal_id_hash"], name="applicant_personal_id_hash"),
            models.Index(fields=["tax_code_hash"], name="applicant_tax_code_hash"),
            models.Index(fields=["phone_hash"], name="applicant_phone_hash"),
        ]
        verbose_name = _("chủ hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "chủ hồ sơ")

    def __str__(self) -> str:
        return self.full_name

    @property
    def identifier(self) -> str:
        return self.personal_id or self.tax_code

    def clean(self) -> None:
        super().clean()
        refresh_hashes(self)
        errors = identity_errors(
            kind=self.kind,
            personal_id=self.personal_id,
            tax_code=self.tax_code,
            submitter_name=self.submitter_name,
            submitter_personal_id=self.submitter_personal_id,
        )
        if errors:
            raise ValidationError(errors)


def identified_by(term: str, prefix: str = ""):
    """Applicants (or, with `prefix`, e.g. "applicant__", rows naming one) whose personal ID,
    tax code or phone is exactly `term`: the one search by identifier, through the keyed hashes
    (the values are encrypted at rest; docs/personal-data.md)."""
    return (
        match(f"{prefix}personal_id", term)
        | match(f"{prefix}tax_code", term)
        | match(f"{prefix}phone", term)
    )


def identity_errors(
    *, kind, personal_id="", tax_code="", submitter_name="", submitter_personal_id=""
) -> dict[str, list[str]]:
    """Who the applicant is must be known (Decree 118/2025 art. 9; the portal's ChuHoSo /
    SoGiayToChuHoSo): a person by their 12-digit personal ID, an organisation by its tax code,
    and someone filing on the owner's behalf by their own personal ID. The one statement of the
    rule: the model's `clean()` and the API's input serializer both ask it."""
    errors: dict[str, list[str]] = {}
    if (kind or ApplicantKind.CITIZEN) == ApplicantKind.CITIZEN:
        if not personal_id:
            errors["personal_id"] = [_("Công dân phải có số định danh cá nhân (12 chữ số).")]
    elif not tax_code:
        errors["tax_code"] = [_("Tổ chức phải có mã số thuế/mã số doanh nghiệp.")]
    if submitter_name and not submitter_personal_id:
        errors["submitter_personal_id"] = [_("Cần số định danh của người nộp thay.")]
    return errors
