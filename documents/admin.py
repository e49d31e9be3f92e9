"""The data store in the Django admin: read-only, for administrators. Files come from uploads,
scans and approvals; downloads go through the API view, which checks who may read the file."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import SuperuserReadOnlyModelAdmin

from .models import StoreDocument


def download_link(file_id) -> str:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("file-download", kwargs={"file_id": file_id}),
        _("Tải về"),
    )


@admin.register(StoreDocument)
class StoreDocumentAdmin(SuperuserReadOnlyModelAdmin):
    list_display = ["title", "kind", "owner_id", "number", "issuer", "issued_on", "reuse_count"]
    list_filter = ["kind"]
    # Exact matches on indexed columns (the store grows with every dossier).
    search_fields = ["=owner_id", "=number"]
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ["file"]
    readonly_fields = ["download"]
    raw_id_fields = ["file"]

    @admin.display(description=_("Tệp"))
    def download(self, obj):
        return download_link(obj.file_id)
