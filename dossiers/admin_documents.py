"""The data store and the e-results in the Django admin: read-only, for administrators.

Nothing here edits a document: files come from uploads and scans, e-results from approvals.
Downloads go through the API view, which checks who may read the file.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import EResult, StoreDocument


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser)


def _download(file_id) -> str:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("file-download", kwargs={"file_id": file_id}),
        _("Tải về"),
    )


@admin.register(StoreDocument)
class StoreDocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "owner_id", "number", "issuer", "issued_on", "reuse_count"]
    list_filter = ["kind"]
    # Exact matches on indexed columns (the store grows with every dossier).
    search_fields = ["=owner_id", "=number"]
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ["file"]
    readonly_fields = ["download"]
    raw_id_fields = ["source_dossier", "file"]

    @admin.display(description=_("Tệp"))
    def download(self, obj):
        return _download(obj.file_id)


@admin.register(EResult)
class EResultAdmin(ReadOnlyAdmin):
    list_display = ["title", "dossier", "issuer", "signer", "signed_at", "verify"]
    search_fields = ["=dossier__code"]
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ["dossier"]
    readonly_fields = ["download", "verify"]
    raw_id_fields = ["dossier", "file", "store_document"]

    @admin.display(description=_("Tệp"))
    def download(self, obj):
        return _download(obj.file_id)

    @admin.display(description=_("Xác thực"))
    def verify(self, obj):
        return format_html(
            '<a href="{}" target="_blank">{}</a>',
            reverse("public-verify", kwargs={"result_id": obj.pk}),
            _("Kiểm tra chữ ký"),
        )
