"""The e-results in the Django admin: read-only, for administrators.

Nothing here edits a result: e-results come from approvals.
Downloads go through the API view, which checks who may read the file.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accesslog.admin import RecordsReads
from core.admin import SuperuserReadOnlyModelAdmin
from documents.admin import download_link

from .. import access_log
from ..access_log import Purpose, ReadKind
from ..models import EResult


@admin.register(EResult)
class EResultAdmin(RecordsReads, SuperuserReadOnlyModelAdmin):
    access_list_kind = access_change_kind = ReadKind.E_RESULT
    access_list_purpose = Purpose.ADMIN_E_RESULT_CHANGELIST
    access_change_purpose = Purpose.ADMIN_E_RESULT_CHANGE

    list_display = ["title", "dossier", "issuer", "signer", "signed_at", "verify"]
    search_fields = ["=dossier__code"]
    show_facets = admin.ShowFacets.NEVER
    list_select_related = ["dossier__applicant"]
    readonly_fields = ["download", "verify"]
    raw_id_fields = ["dossier", "file", "store_document"]

    def access_subject(self, obj):
        return access_log.dossier_subject(obj.dossier, object_id=obj.pk)

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
