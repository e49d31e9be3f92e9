"""Shapes of files, data-store documents and verifications."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from documents.models import StoreDocument

from ..models import ComponentFile
from .serializers import StrictInputMixin


class DocumentMetadataSerializer(StrictInputMixin, serializers.Serializer):
    """What the officer records about a digitised paper (optional, all of it)."""

    title = serializers.CharField(max_length=500, required=False, allow_blank=True)
    number = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text=_("Số, ký hiệu")
    )
    issuer = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text=_("Cơ quan ban hành")
    )
    signer = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text=_("Người ký")
    )
    issued_on = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)


class UploadSerializer(DocumentMetadataSerializer):
    file = serializers.FileField(
        allow_empty_file=True,  # an empty file gets our own clear error, not DRF's
        help_text=_("Tệp PDF, JPEG hoặc PNG; kiểu tệp được xác định theo nội dung"),
    )


class ComponentFileOutSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="file.id")
    component = serializers.IntegerField(source="component.order")
    name = serializers.CharField(source="file.name")
    content_type = serializers.CharField(source="file.content_type")
    size = serializers.IntegerField(source="file.size")
    sha256 = serializers.CharField(source="file.sha256")
    is_digitised = serializers.BooleanField(source="component.is_digitised")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ComponentFile
        fields = [
            "id",
            "component",
            "name",
            "content_type",
            "size",
            "sha256",
            "source",
            "is_digitised",
            "added_at",
            "download_url",
        ]

    def get_download_url(self, attachment) -> str:
        return reverse("file-download", kwargs={"file_id": attachment.file_id})


class StoreDocumentSerializer(serializers.ModelSerializer):
    file_name = serializers.CharField(source="file.name")
    content_type = serializers.CharField(source="file.content_type")
    size = serializers.IntegerField(source="file.size")
    sha256 = serializers.CharField(source="file.sha256")
    source_dossier = serializers.SerializerMethodField(
        help_text=_("Mã hồ sơ đã tạo ra giấy tờ (null nếu không có).")
    )
    is_valid_now = serializers.BooleanField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = StoreDocument
        fields = [
            "id",
            "kind",
            "title",
            "number",
            "issuer",
            "signer",
            "issued_on",
            "valid_until",
            "is_valid_now",
            "owner_id",
            "owner_name",
            "source_dossier",
            "reuse_count",
            "created_at",
            "file_name",
            "content_type",
            "size",
            "sha256",
            "download_url",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_source_dossier(self, document) -> str | None:
        return document.source_reference or None

    def get_download_url(self, document) -> str:
        return reverse("my-document-download", kwargs={"pk": document.pk})


class VerificationSerializer(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True)
    registered = serializers.BooleanField(help_text=_("Do hệ thống này phát hành"))
    valid = serializers.BooleanField(help_text=_("Toàn vẹn, chữ ký hợp lệ và tin cậy"))
    intact = serializers.BooleanField()
    signature_valid = serializers.BooleanField()
    trusted = serializers.BooleanField()
    problem = serializers.CharField(allow_blank=True)
    title = serializers.CharField(allow_blank=True)
    issuer = serializers.CharField(allow_blank=True)
    issued_on = serializers.DateField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    certificate = serializers.CharField(allow_blank=True)


class VerifyUploadSerializer(StrictInputMixin, serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
