"""What ties files to a dossier: the files of its components and its signed e-result
(docs/domain.md §3.6). The files themselves and the data store live in `documents`."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from documents.models import StoredFile, StoreDocument

from .dossier import Dossier
from .records import DossierComponent


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
