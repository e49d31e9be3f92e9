"""The data store in the Django admin: read-only, for administrators. Files come from uploads,
scans and approvals; downloads go through the API view, which checks who may read the file."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accesslog.admin import RecordsReads
from accesslog.models import Purpose, ReadKind
from accesslog.recording import Subject
from core.admin import EncryptedSearchMixin, SuperuserReadOnlyModelAdmin

from .models import StoreDocument


def download_link(file_id) -> str:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("file-download", kwargs={"file_id": file_id}),
        _("Tải về"),
    )


@admin.register(StoreDocument)
class StoreDocumentAdmin(RecordsReads, EncryptedSearchMixin, SuperuserReadOnlyModelAdmin):
    """What is shown is recorded in the access log (docs/access-log.md)."""

    access_list_kind = access_change_kind = ReadKind.STORE_DOCUMENT
    access_list_purpose = Purpose.ADMIN_STORE_CHANGELIST
    access_change_purpose = Purpose.ADMIN_STORE_CHANGE
    list_display = ["title", "kind", "owner_id", "number", "issuer", "issued_on", "reuse_count"]
    list_filter = ["kind"]
    # Exact matches on indexed columns (the store grows with every dossier); the owner's
    # identifier is encrypted at rest, so it is matched through its keyed hash.
    search_fields = ["=number"]
    encrypted_search_fields = ["owner_id"]
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ["file"]
    readonly_fields = ["download"]
    raw_id_fields = ["file"]

    def access_subject(self, obj):
        # The owner's identifier is the data subject; the dossier is known by its code only.
        return Subject(
            dossier_code=obj.source_reference, identifier=obj.owner_id, object_id=str(obj.pk)
        )

    @admin.display(description=_("Tệp"))
    def download(self, obj):
        return download_link(obj.file_id)
