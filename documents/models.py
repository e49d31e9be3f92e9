"""Files and the citizen's data store (kho dữ liệu, Decree 45/2020; docs/domain.md §7).

A file's bytes live in the `documents` storage (local files or S3) under a generated name;
the database keeps what it is: detected type, size, SHA-256, who uploaded it and when. A store
document is a digitised paper or an e-result with its metadata, reusable in later dossiers.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import BlindIndexField, EncryptedTextField, HashedQuerySet


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


class StoreDocumentKind(models.TextChoices):
    DIGITISED = "digitised", _("Giấy tờ đã số hóa")
    E_RESULT = "e_result", _("Kết quả giải quyết điện tử")


class StoreDocument(models.Model):
    """A document in a person's or organisation's data store (kho dữ liệu điện tử): every
    digitised paper and every e-result, with its metadata, reusable in their next dossiers."""

    # The owner's 12-digit personal ID or tax code (the applicant's identifier), encrypted at
    # rest (core/fields.py, docs/personal-data.md); a store is found by its keyed hash.
    owner_id = EncryptedTextField(_("số định danh chủ sở hữu"), max_length=14)
    owner_id_hash = BlindIndexField(source="owner_id")
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
    # Where the document came from (the code of the dossier that produced it), as text: the
    # store outlives and sits below the dossiers (docs/architecture.md).
    source_reference = models.CharField(_("hồ sơ nguồn"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("thời điểm lưu"), default=timezone.now)
    reuse_count = models.PositiveIntegerField(_("số lần tái sử dụng"), default=0)

    objects = HashedQuerySet.as_manager()

    class Meta:
        verbose_name = _("giấy tờ trong kho dữ liệu")
        verbose_name_plural = pgettext_lazy("plural", "kho dữ liệu điện tử")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner_id_hash", "-created_at"], name="store_owner_recent")]

    def __str__(self) -> str:
        return self.title[:80]

    @property
    def is_valid_now(self) -> bool:
        return self.valid_until is None or self.valid_until >= timezone.localdate()
