"""The dossier console in the Django admin: read everything, change nothing directly.

A dossier is never edited here. Its fields, its timeline and its other records are read-only;
the only way to change it is the block of action buttons on its page, each leading to a small
form that calls the matching service (docs/architecture.md, principle 1) with the logged-in user as
the actor, so the service checks the rules and the `Event` records who acted.

Who gets in: the admin site admits active `is_staff` users. Besides Django's own model
permissions (superusers), `is_staff` users whose role is an official role (receiving officer,
processing officer, leader) or administrator may view dossiers here, each within their scope
(`selectors.visible_to`); no model permission needs to be granted to them. Officers act within
what `services.available_actions` allows; administrators read everything and act on nothing.

The change page also links the official forms that apply to the dossier (Mẫu 01–06, PDF), and
the list links the logbook page (Mẫu 07, PDF or CSV) for those who may read a logbook.

Scale: the dossier table holds millions of rows, so no filter lists values from it (the agency
filters read the Agency table), searches use exact matches where an index exists, facets are
off, and an unfiltered list on PostgreSQL shows the planner's row estimate instead of COUNT(*).
"""

from __future__ import annotations

import logging
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from accesslog.admin import RecordsReads
from accounts.roles import OFFICIAL_ROLES
from core.admin import ReadOnlyModelAdmin
from core.errors import DomainError, Forbidden
from core.fields import match
from core.replica import iterate_from_replica, reading_from_replica

from .. import access_log, selectors, services
from .. import paperwork as official_forms
from ..access_log import Purpose, ReadKind
from ..action_table import row_for
from ..models import Applicant, Dossier
from ..models.applicant import identified_by
from .access import may_read, reads_everything
from .filters import (
    EstimatedCountPaginator,
    HandlingAgencyFilter,
    OverdueFilter,
    ProcedureCodeFilter,
    ReceivingAgencyFilter,
)
from .inlines import ComponentInline, EventInline, PauseInline, StepRunInline

logger = logging.getLogger(__name__)


class LogbookForm(forms.Form):
    """Mẫu 07: the agencies the user may read, a range of local dates, PDF or CSV."""

    agency = forms.ModelChoiceField(
        label=_("Cơ quan tiếp nhận"), queryset=None, to_field_name="code"
    )
    date_from = forms.DateField(label=_("Từ ngày"), widget=AdminDateWidget)
    date_to = forms.DateField(label=_("Đến ngày"), widget=AdminDateWidget)
    format = forms.ChoiceField(
        label=_("Định dạng"), choices=[("pdf", "PDF"), ("csv", "CSV (Excel)")], initial="pdf"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = official_forms.logbook_agencies(user)

    def query_params(self) -> dict:
        data = self.cleaned_data
        return {
            "agency": data["agency"].code,
            "date_from": data["date_from"].isoformat(),
            "date_to": data["date_to"].isoformat(),
            "format": data["format"],
        }


def _attachment(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the dossier -----------------------------------------------------------------------------
CODE_LIKE = re.compile(r"\S*\d\S*")
DIGITS = re.compile(r"\+?\d{9,15}")


@admin.register(Dossier)
class DossierAdmin(RecordsReads, ReadOnlyModelAdmin):
    """Read-only: dossiers are created through the API (online submission, counter intake) and
    changed only by the services, through the action buttons. What officials and
    administrators see is recorded in the access log (docs/access-log.md)."""

    access_list_kind = ReadKind.DOSSIER_LIST
    access_list_purpose = Purpose.ADMIN_DOSSIER_CHANGELIST
    access_change_kind = ReadKind.DOSSIER_DETAIL
    access_change_purpose = Purpose.ADMIN_DOSSIER_CHANGE

    list_display = [
        "code",
        "procedure_code",
        "applicant_name",
        "status",
        "channel",
        "receiving_agency",
        "handling_agency",
        "due_at",
        "overdue",
    ]
    list_filter = [
        "status",
        "channel",
        ReceivingAgencyFilter,
        HandlingAgencyFilter,
        ProcedureCodeFilter,
        OverdueFilter,
        # The accountant's list: fees paid for a dossier that ended, to refund (docs/payments.md).
        "refund_pending",
    ]
    # Shown for the search box; the search itself is `get_search_results` (exact where
    # indexed).
    search_fields = ["code", "applicant__full_name"]
    search_help_text = _(
        "Mã hồ sơ (đầy đủ), số định danh, mã số thuế hoặc số điện thoại (chính xác), "
        "hoặc một phần họ tên chủ hồ sơ."
    )
    list_select_related = ["procedure", "applicant", "receiving_agency", "handling_agency"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    ordering = ["-id"]
    sortable_by = ["code", "status", "due_at"]
    actions = None
    inlines = [EventInline, StepRunInline, PauseInline, ComponentInline]

    class Media:
        # The action buttons and the form filters: styles in a file, none inline (the CSP).
        css = {"all": ["core/admin.css", "dossiers/admin.css"]}

    fieldsets = [
        (
            _("Hồ sơ"),
            {
                "fields": [
                    "code",
                    "procedure",
                    "summary",
                    "status",
                    "channel",
                    "receiving_agency",
                    "handling_agency",
                    "assignee",
                ]
            },
        ),
        # Shown inline rather than as a link: officers do not browse the applicant list.
        (_("Chủ hồ sơ"), {"fields": ["applicant_details"]}),
        (
            _("Thời hạn"),
            {
                "fields": [
                    "submitted_at",
                    "received_at",
                    "due_at",
                    "original_due_at",
                    "reschedule_count",
                    "overdue",
                    "finished_at",
                    "returned_at",
                ]
            },
        ),
        (
            _("Kết quả"),
            {"fields": ["return_method", "outcome", "outcome_reason", "has_e_result"]},
        ),
        (
            _("Chỉ tiêu đánh giá"),
            {"fields": ["is_digitised", "is_reused", "paid_online", "vneid_verified"]},
        ),
        (
            _("Khác"),
            {"classes": ["collapse"], "fields": ["created_by", "updated_at", "terms"]},
        ),
    ]

    def access_subject(self, obj):
        return access_log.dossier_subject(obj)

    # --- columns and read-only displays ------------------------------------------------------
    @admin.display(description=_("mã thủ tục"))
    def procedure_code(self, obj):
        return obj.procedure.code

    @admin.display(description=_("chủ hồ sơ"))
    def applicant_name(self, obj):
        return obj.applicant.full_name

    @admin.display(description=_("quá hạn"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

    @admin.display(description=_("thông tin chủ hồ sơ"))
    def applicant_details(self, obj):
        applicant = obj.applicant
        rows = [
            (_("Họ tên / tên tổ chức"), applicant.full_name),
            (_("Số định danh / mã số thuế"), applicant.identifier),
            (_("Số điện thoại"), applicant.phone),
            (_("Thư điện tử"), applicant.email),
            (_("Địa chỉ"), applicant.address),
            (_("Người nộp thay"), applicant.submitter_name),
        ]
        return format_html_join(
            "", "<div>{}: {}</div>", ((label, value) for label, value in rows if value)
        )

    # --- who may see, and that nobody edits ---------------------------------------------------
    def get_readonly_fields(self, request, obj=None):
        return flatten_fieldsets(self.fieldsets)

    def has_module_permission(self, request):
        return may_read(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return may_read(request) or super().has_view_permission(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if reads_everything(request.user):
            return queryset
        return queryset & selectors.visible_to(request.user)

    def get_search_results(self, request, queryset, search_term):
        """Exact matches on indexed identifiers; a name is matched by substring."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if DIGITS.fullmatch(term):
            # The identifiers are encrypted: compared through their keyed hashes (indexed).
            applicants = Applicant.objects.filter(identified_by(term)).values("pk")
            return queryset.filter(Q(code=term) | Q(applicant__in=applicants)), False
        if CODE_LIKE.fullmatch(term):
            codes = {term, term.upper()}
            applicants = Applicant.objects.filter(match("tax_code", term)).values("pk")
            return queryset.filter(Q(code__in=codes) | Q(applicant__in=applicants)), False
        return queryset.filter(applicant__full_name__icontains=term), False

    # --- the action buttons ---------------------------------------------------------------------
    def get_urls(self):
        return [
            path(
                "logbook/",
                self.admin_site.admin_view(self.logbook_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_logbook",
            ),
            path(
                "<path:object_id>/action/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_action",
            ),
            path(
                "<path:object_id>/form/<str:number>/",
                self.admin_site.admin_view(self.form_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_form",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context.update(self._actions_context(request, obj))
            extra_context.update(self._forms_context(obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if official_forms.may_use_logbook(request.user):
            extra_context["logbook_url"] = reverse(
                f"{self.admin_site.name}:dossiers_dossier_logbook"
            )
            extra_context["logbook_label"] = _("Sổ theo dõi hồ sơ (Mẫu 07)")
        return super().changelist_view(request, extra_context)

    # --- the official forms (Mẫu 01–07) ---------------------------------------------------------
    def _forms_context(self, obj) -> dict:
        links = [
            {
                "number": number,
                "label": _("Mẫu %(number)s – %(title)s")
                % {"number": number, "title": official_forms.FORMS[number]},
                "url": reverse(
                    f"{self.admin_site.name}:dossiers_dossier_form", args=[obj.pk, number]
                ),
            }
            for number in official_forms.available_forms(obj)
        ]
        return {
            "dossier_forms": links,
            "dossier_forms_title": _("Biểu mẫu (PDF)"),
            "dossier_forms_none": _("Chưa có biểu mẫu nào áp dụng cho hồ sơ ở tình trạng này."),
        }

    def form_view(self, request, object_id, number):
        """Download form `number` of the dossier (within the user's scope)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        try:
            content = official_forms.render_form(number, obj)
        except DomainError as exc:
            if exc.status_code == 404:
                raise Http404(str(exc.detail)) from exc
            self.message_user(request, str(exc.detail), messages.ERROR)
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:dossiers_dossier_change", args=[obj.pk])
            )
        access_log.record(request.user, [obj], ReadKind.FORM, Purpose.ADMIN_DOSSIER_FORM, number)
        response = HttpResponse(content, content_type="application/pdf")
        return _attachment(response, official_forms.form_filename(number, obj))

    def logbook_view(self, request):
        """Mẫu 07: choose an agency and a range, download the logbook as PDF or CSV."""
        user = request.user
        if not (self.has_view_permission(request) and official_forms.may_use_logbook(user)):
            raise PermissionDenied
        form = LogbookForm(request.GET if "agency" in request.GET else None, user=user)
        if form.is_bound and form.is_valid():
            try:
                query = official_forms.parse_logbook_query(form.query_params())
                official_forms.check_logbook_access(user, query.agency)
                args = (query.agency, query.date_from, query.date_to)
                on_rows = access_log.logbook_recorder(user, Purpose.ADMIN_LOGBOOK)
                # An export: from the read replica when one is configured and fresh.
                if query.format == "csv":
                    response = StreamingHttpResponse(
                        iterate_from_replica(official_forms.logbook_csv(*args, on_rows=on_rows)),
                        content_type="text/csv; charset=utf-8",
                    )
                else:
                    with reading_from_replica():
                        pdf = official_forms.render_logbook_pdf(*args, on_rows=on_rows)
                    response = HttpResponse(pdf, content_type="application/pdf")
            except Forbidden as exc:
                raise PermissionDenied(str(exc.detail)) from exc
            except DomainError as exc:
                self._add_domain_errors(form, exc)
            else:
                return _attachment(response, official_forms.logbook.filename(*args, query.format))
        title = official_forms.LOGBOOK_TITLE
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("%(title)s (Mẫu 07)") % {"title": title},
            "subtitle": None,
            "form": form,
            "media": self.media + form.media,
            "has_view_permission": True,
            "submit_label": _("Tải sổ"),
            "errors_title": _("Vui lòng sửa các lỗi dưới đây."),
            "help_text": _(
                "Hồ sơ do cơ quan tiếp nhận trong khoảng ngày đã chọn (tính cả hai đầu, tối đa "
                "%(days)s ngày). Bản PDF tối đa %(rows)s dòng; khoảng dài hơn, hãy tải CSV."
            )
            % {
                "days": official_forms.logbook.MAX_RANGE_DAYS,
                "rows": official_forms.logbook.PDF_MAX_ROWS,
            },
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/dossiers/dossier/logbook.html", context)

    def _actions_context(self, request, obj) -> dict:
        user = request.user
        names = [n for n in services.available_actions(obj, user) if row_for(n)]
        buttons = [
            {
                "name": name,
                "label": row_for(name).label,
                "url": reverse(
                    f"{self.admin_site.name}:dossiers_dossier_action", args=[obj.pk, name]
                ),
            }
            for name in names
        ]
        if buttons:
            note = ""
        elif getattr(user, "role", None) in OFFICIAL_ROLES:
            note = _("Ở trạng thái hiện tại, hồ sơ không có thao tác nào thuộc thẩm quyền của bạn.")
        else:
            note = _(
                "Tài khoản quản trị hệ thống chỉ được xem hồ sơ. Mọi thao tác xử lý "
                "(tiếp nhận, bổ sung, phân công, phê duyệt, trả kết quả…) do cán bộ có thẩm "
                "quyền thực hiện bằng tài khoản của mình, để nhật ký ghi đúng người thực hiện."
            )
        return {
            "dossier_actions": buttons,
            "dossier_actions_note": note,
            "dossier_actions_title": _("Thao tác xử lý hồ sơ"),
        }

    def action_view(self, request, object_id, action):
        row = row_for(action)
        if row is None:
            raise Http404(_("Không có thao tác này."))
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        change_url = reverse(f"{self.admin_site.name}:dossiers_dossier_change", args=[obj.pk])
        label = row.label

        if action not in services.available_actions(obj, request.user):
            self.message_user(request, self._why_not(obj, action, request.user), messages.ERROR)
            return HttpResponseRedirect(change_url)

        data = request.POST if request.method == "POST" else None
        form = row.form(data, dossier=obj, action=action)
        if request.method == "POST" and form.is_valid():
            try:
                dossier = row.service(dossier=obj, actor=request.user, **form.service_kwargs())
            except DomainError as exc:
                if exc.status_code == 400:
                    self._add_domain_errors(form, exc)
                else:
                    self.message_user(request, exc.detail, messages.ERROR)
                    return HttpResponseRedirect(change_url)
            except (TransitionNotAllowed, ConcurrentTransition):
                # The services map these to domain errors; should one slip through, the
                # transaction is rolled back and the officer gets a message, not a 500.
                logger.exception("dossier %s: %s escaped the service", obj.code, action)
                self.message_user(request, self._why_not(obj, action, request.user), messages.ERROR)
                return HttpResponseRedirect(change_url)
            else:
                self.message_user(
                    request,
                    _("Đã thực hiện “%(action)s” đối với hồ sơ %(code)s. Trạng thái: %(status)s.")
                    % {
                        "action": label,
                        "code": dossier.code,
                        "status": dossier.get_status_display(),
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)

        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("%(action)s: hồ sơ %(code)s") % {"action": label, "code": obj.code},
            "subtitle": None,
            "original": obj,
            "dossier": obj,
            "action": action,
            "action_label": label,
            "form": form,
            "media": self.media + form.media,
            "change_url": change_url,
            "has_view_permission": True,
            "submit_label": _("Xác nhận"),
            "cancel_label": _("Hủy"),
            "errors_title": _("Vui lòng sửa các lỗi dưới đây."),
            "status_label": _("Trạng thái hiện tại"),
            "applicant_label": _("Chủ hồ sơ"),
            "procedure_label": _("Thủ tục"),
            "due_label": _("Hạn trả kết quả"),
        }
        if request.method != "POST":
            # The page shows the applicant; what it then does is the write's own Event.
            access_log.record(
                request.user, [obj], ReadKind.DOSSIER_DETAIL, Purpose.ADMIN_DOSSIER_ACTION, action
            )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/dossiers/dossier/action_form.html", context)

    @staticmethod
    def _why_not(obj, action, user) -> str:
        """The door's own reason (permission, state or condition), without writing."""
        return services.explain(obj, action, user)

    @staticmethod
    def _add_domain_errors(form, exc) -> None:
        """A 400 from the service: its field errors on the fields, its detail on top."""
        for field, errors in (exc.errors or {}).items():
            target = field if field in form.fields else None
            for error in errors if isinstance(errors, list | tuple) else [errors]:
                form.add_error(target, str(error))
        form.add_error(None, str(exc.detail))
