"""The e-results in the Django admin: read-only, for administrators.

Nothing here edits a result: e-results come from approvals.
Downloads go through the API view, which checks who may read the file.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import SuperuserReadOnlyModelAdmin
from documents.admin import download_link

from ..models import EResult


@admin.register(EResult)
class EResultAdmin(SuperuserReadOnlyModelAdmin):
    list_display = ["title", "dossier", "issuer", "signer", "signed_at", "verify"]
    search_fields = ["=dossier__code"]
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ["dossier"]
    readonly_fields = ["download", "verify"]
    raw_id_fields = ["dossier", "file", "store_document"]

    @admin.display(description=_("Tệp"))
    def download(self, obj):
        return download_link(obj.file_id)

    @admin.display(description=_("Xác thực"))
    def verify(self, obj):
        return format_html(
            '<a href="{}" target="_blank">{}</a>',
            reverse("public-verify", kwargs={"result_id": obj.pk}),
            _("Kiểm tra chữ ký"),
        )
