"""Files, the citizen's data store (kho dữ liệu) and signed e-results (domain.md §3, §7).

A file's bytes live in the `documents` storage (local files or S3) under a generated name;
the database keeps what it is: detected type, size, SHA-256, who uploaded it and when.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .dossier import Dossier
from .records import DossierComponent


class StoredFile(models.Model):
    """One file kept in the documents storage."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The generated storage name (never the user's): yyyy/mm/<uuid>.<ext>.
    path = models.CharField(_("vị trí lưu"), max_length=255, unique=True, editable=False)
    name = models.CharField(_("tên tệp"), max_length=200)
    content_type = models.CharField(_("kiểu tệp"), max_length=64)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tải lên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), default=timezone.now)

    class Meta:
        verbose_name = _("tệp lưu trữ")
        verbose_name_plural = pgettext_lazy("plural", "tệp lưu trữ")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.name


class FileSource(models.TextChoices):
    UPLOAD = "upload", _("Công dân tải lên")
    SCAN = "scan", _("Số hóa tại quầy")
    STORE = "store", _("Lấy từ kho dữ liệu")


class ComponentFile(models.Model):
    """A file attached to a dossier component."""

    component = models.ForeignKey(DossierComponent, on_delete=models.CASCADE, related_name="files")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="attachments")
    source = models.CharField(_("nguồn"), max_length=8, choices=FileSource.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("thời điểm đính kèm"), default=timezone.now)

    class Meta:
        verbose_name = _("tệp của thành phần hồ sơ")
        verbose_name_plural = pgettext_lazy("plural", "tệp của thành phần hồ sơ")
        ordering = ["component", "added_at", "id"]

    def __str__(self) -> str:
        return str(self.file)


class StoreDocumentKind(models.TextChoices):
    DIGITISED = "digitised", _("Giấy tờ đã số hóa")
    E_RESULT = "e_result", _("Kết quả giải quyết điện tử")


class StoreDocument(models.Model):
    """A document in a person's or organisation's data store (kho dữ liệu điện tử): every
    digitised paper and every e-result, with its metadata, reusable in their next dossiers."""

    # The owner's 12-digit personal ID or tax code (the applicant's identifier).
    owner_id = models.CharField(_("số định danh chủ sở hữu"), max_length=14, db_index=True)
    owner_name = models.CharField(_("chủ sở hữu"), max_length=300)
    kind = models.CharField(_("loại"), max_length=16, choices=StoreDocumentKind.choices)
    title = models.CharField(_("tên giấy tờ"), max_length=500)
    number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=300, blank=True)
    signer = models.CharField(_("người ký"), max_length=200, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    file = models.ForeignKey(
        StoredFile, verbose_name=_("tệp"), on_delete=models.PROTECT, related_name="+"
    )
    source_dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("hồ sơ nguồn"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="store_documents",
    )
    created_at = models.DateTimeField(_("thời điểm lưu"), default=timezone.now)
    reuse_count = models.PositiveIntegerField(_("số lần tái sử dụng"), default=0)

    class Meta:
        verbose_name = _("giấy tờ trong kho dữ liệu")
        verbose_name_plural = pgettext_lazy("plural", "kho dữ liệu điện tử")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner_id", "-created_at"], name="store_owner_recent")]

    def __str__(self) -> str:
        return self.title[:80]

    @property
    def is_valid_now(self) -> bool:
        return self.valid_until is None or self.valid_until >= timezone.localdate()


class EResult(models.Model):
    """The signed electronic result of an approved dossier. Its id is public: it is printed on
    the document (QR code) and verified at /verify/<id>/."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dossier = models.OneToOneField(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="e_result"
    )
    file = models.ForeignKey(
        StoredFile, verbose_name=_("tệp"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("tên kết quả"), max_length=500)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=300)
    signer = models.CharField(_("người ký"), max_length=300)
    signed_at = models.DateTimeField(_("thời điểm ký"))
    store_document = models.OneToOneField(
        StoreDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="e_result"
    )

    class Meta:
        verbose_name = _("kết quả điện tử")
        verbose_name_plural = pgettext_lazy("plural", "kết quả điện tử")
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.dossier_id})"
