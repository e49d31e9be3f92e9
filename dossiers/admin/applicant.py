"""The applicants in the admin: read-only, for administrators."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accesslog.admin import RecordsReads
from accounts.roles import Role
from core.admin import ReadOnlyModelAdmin

from .. import access_log
from ..access_log import Purpose, ReadKind
from ..models import Applicant
from ..models.applicant import identified_by
from .dossier import CODE_LIKE, DIGITS
from .filters import EstimatedCountPaginator


# --- the applicant ---------------------------------------------------------------------------
@admin.register(Applicant)
class ApplicantAdmin(RecordsReads, ReadOnlyModelAdmin):
    """Read-only: an applicant is written with its dossier (online submission or intake).
    What is shown is recorded in the access log (docs/access-log.md)."""

    access_list_kind = access_change_kind = ReadKind.APPLICANT
    access_list_purpose = Purpose.ADMIN_APPLICANT_CHANGELIST
    access_change_purpose = Purpose.ADMIN_APPLICANT_CHANGE

    list_display = ["full_name", "kind", "personal_id", "tax_code", "phone", "unit"]
    list_filter = ["kind"]
    # Shown for the search box; the search itself is `get_search_results` (the identifiers are
    # encrypted: matched exactly through their keyed hashes).
    search_fields = ["full_name"]
    search_help_text = _(
        "Số định danh, mã số thuế hoặc số điện thoại (chính xác), hoặc một phần họ tên."
    )
    list_select_related = ["unit"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    ordering = ["-id"]
    actions = None

    def access_subject(self, obj):
        return access_log.applicant_subject(obj, object_id=str(obj.pk))

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Applicant._meta.fields]

    def has_module_permission(self, request):
        return self._is_administrator(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._is_administrator(request) or super().has_view_permission(request, obj)

    @staticmethod
    def _is_administrator(request) -> bool:
        # Officers see an applicant through the dossiers in their scope, not the whole list.
        user = request.user
        return bool(user.is_active and user.is_staff and user.role == Role.ADMINISTRATOR)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if DIGITS.fullmatch(term) or CODE_LIKE.fullmatch(term):
            return queryset.filter(identified_by(term)), False
        return queryset.filter(full_name__icontains=term), False
