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
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from accounts.roles import OFFICIAL_ROLES, Role
from core.errors import DomainError, Forbidden
from organisations.models import SERVICE_CENTRE_KINDS, Agency

from . import paperwork as official_forms
from . import selectors, services
from .labels import ACTION_LABELS
from .models import Applicant, Dossier, DossierComponent, Event, Pause, ReturnMethod, StepRun
from .services.core import check, next_step

logger = logging.getLogger(__name__)

# Staff users with these roles may read dossiers in the admin without model permissions.
READER_ROLES = frozenset(OFFICIAL_ROLES | {Role.ADMINISTRATOR})


def may_read(request) -> bool:
    """An active staff user whose role reads dossiers (see the module docstring)."""
    user = request.user
    return bool(user.is_active and user.is_staff and getattr(user, "role", None) in READER_ROLES)


def reads_everything(user) -> bool:
    return user.is_superuser or getattr(user, "role", None) == Role.ADMINISTRATOR


# --- the forms behind the action buttons -----------------------------------------------------
class ActionForm(forms.Form):
    """What one action needs; `service_kwargs()` turns it into the service's arguments."""

    def __init__(self, *args, dossier: Dossier, action: str, **kwargs):
        self.dossier = dossier
        self.action = action
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


def _note_field():
    return forms.CharField(
        label=_("Ghi chú"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


def _reason_field(required: bool = True):
    return forms.CharField(
        label=_("Lý do"),
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )


class NoteForm(ActionForm):
    note = _note_field()


class ReasonForm(ActionForm):
    reason = _reason_field()


class OptionalReasonForm(ActionForm):
    reason = _reason_field(required=False)


class SupplementRequestForm(ActionForm):
    items = forms.CharField(
        label=_("Giấy tờ cần bổ sung"),
        help_text=_("Mỗi dòng một giấy tờ; liệt kê đầy đủ trong một lần yêu cầu."),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
    )
    reason = _reason_field(required=False)

    def clean_items(self) -> list[str]:
        items = [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]
        if not items:
            raise forms.ValidationError(_("Danh sách giấy tờ cần bổ sung không được để trống."))
        if len(items) > 100:
            raise forms.ValidationError(_("Tối đa 100 giấy tờ."))
        return items


class AssigneeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return f"{user.full_name or user.username} ({user.username}, {user.get_role_display()})"


class AssignForm(ActionForm):
    """assign, hand_over: someone of the handling agency (a leader when the next step is the
    leader's)."""

    assignee = AssigneeChoiceField(label=_("Người được giao"), queryset=None)
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = [Role.PROCESSING_OFFICER, Role.LEADER]
        if self.action == "hand_over":
            step = next_step(self.dossier)
            if step and step["role"] == "leader":
                roles = [Role.LEADER]
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(
                agency_id=self.dossier.handling_agency_id, role__in=roles, is_active=True
            )
            .order_by("full_name", "username")
        )

    def service_kwargs(self) -> dict:
        return {"assignee": self.cleaned_data["assignee"].pk, "note": self.cleaned_data["note"]}


class PaymentRequestForm(ActionForm):
    amount = forms.IntegerField(label=_("Số tiền (đồng)"), required=False, min_value=0)
    note = _note_field()


class PaymentConfirmForm(ActionForm):
    paid_online = forms.BooleanField(label=_("Đã thanh toán trực tuyến"), required=False)
    note = _note_field()


class ApproveForm(ActionForm):
    e_result = forms.BooleanField(label=_("Có kết quả điện tử"), required=False)
    note = _note_field()


class ReturnForm(ActionForm):
    method = forms.ChoiceField(
        label=_("Hình thức trả kết quả"), choices=ReturnMethod.choices, required=False
    )
    note = _note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].initial = self.dossier.return_method

    def service_kwargs(self) -> dict:
        return {"method": self.cleaned_data["method"] or None, "note": self.cleaned_data["note"]}


class RescheduleForm(ActionForm):
    reason = _reason_field()
    new_due_at = forms.SplitDateTimeField(
        label=_("Ngày hẹn trả kết quả mới"), widget=AdminSplitDateTime
    )


ACTION_FORMS: dict[str, tuple] = {
    "receive": (services.receive, NoteForm),
    "refuse_receipt": (services.refuse_receipt, ReasonForm),
    "request_supplement": (services.request_supplement, SupplementRequestForm),
    "supplement": (services.supplement, NoteForm),
    "assign": (services.assign, AssignForm),
    "hand_over": (services.hand_over, AssignForm),
    "request_payment": (services.request_payment, PaymentRequestForm),
    "confirm_payment": (services.confirm_payment, PaymentConfirmForm),
    "approve": (services.approve, ApproveForm),
    "refuse": (services.refuse, ReasonForm),
    "return_result": (services.return_result, ReturnForm),
    "withdraw": (services.withdraw, OptionalReasonForm),
    "stop": (services.stop, ReasonForm),
    "reschedule": (services.reschedule, RescheduleForm),
}
assert set(ACTION_FORMS) == services.TRANSITIONS, "every transition needs an admin form"


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


# --- list filters that never read the dossier table for their choices ----------------------
class FormFilter(admin.SimpleListFilter):
    """A filter rendered as a small GET form (a select or a text box) that keeps the other
    parameters of the list."""

    template = "admin/dossiers/filters/form_filter.html"
    widget = "select"
    placeholder = ""

    def choices(self, changelist):
        hidden = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name != self.parameter_name
            for value in values
        ]
        yield {
            "selected": not self.value(),
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Tất cả"),
            "hidden": hidden,
            "submit": _("Lọc"),
            "clear": _("Bỏ lọc này"),
        }
        for value, label in self.lookup_choices:
            yield {"value": str(value), "display": label, "selected": self.value() == str(value)}


class AgencyFilter(FormFilter):
    """Agencies come from the Agency table (a few hundred rows), never from a DISTINCT over
    dossiers; the value is the agency's id, matched against the indexed foreign key."""

    field_name = ""
    kinds: tuple = ()

    def lookups(self, request, model_admin):
        agencies = Agency.objects.order_by("name")
        if self.kinds:
            agencies = agencies.filter(kind__in=self.kinds)
        rows = agencies.values_list("pk", "name", "code")
        return [(pk, f"{name} ({code})") for pk, name, code in rows]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{f"{self.field_name}_id": int(value)})


class ReceivingAgencyFilter(AgencyFilter):
    title = _("nơi tiếp nhận")
    parameter_name = "receiving_agency"
    field_name = "receiving_agency"
    kinds = tuple(SERVICE_CENTRE_KINDS)


class HandlingAgencyFilter(AgencyFilter):
    title = _("cơ quan giải quyết")
    parameter_name = "handling_agency"
    field_name = "handling_agency"


class ProcedureCodeFilter(FormFilter):
    """By procedure code (every version of it): a text box, not a list of 2,000 procedures."""

    title = _("mã thủ tục")
    parameter_name = "procedure"
    widget = "text"
    placeholder = "1.001193"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(procedure__code=value)


class OverdueFilter(admin.SimpleListFilter):
    title = _("quá hạn")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Quá hạn")), ("no", _("Chưa quá hạn"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return selectors.overdue(queryset)
        if self.value() == "no":
            return selectors.not_overdue(queryset)
        return queryset


class EstimatedCountPaginator(Paginator):
    """COUNT(*) over the whole dossier table is slow at millions of rows: for an unfiltered
    list on PostgreSQL take the planner's estimate (when the table is analysed and large)."""

    EXACT_BELOW = 100_000

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            # -1 (PostgreSQL 14+) or 0: never analysed; count exactly.
            if row and row[0] > 0 and row[0] >= self.EXACT_BELOW:
                return row[0]
        return super().count


# --- read-only inlines -----------------------------------------------------------------------
class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return may_read(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    """The timeline (append-only)."""

    model = Event
    fields = ["at", "action_label", "from_status", "to_status", "actor", "note"]
    verbose_name = _("sự kiện")
    verbose_name_plural = _("dòng thời gian xử lý")

    @admin.display(description=_("thao tác"))
    def action_label(self, event):
        return ACTION_LABELS.get(event.action, event.action)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class StepRunInline(ReadOnlyInline):
    """The process-control slip (Mẫu 06)."""

    model = StepRun
    fields = [
        "order",
        "name",
        "role",
        "agency",
        "assignee",
        "started_at",
        "due_at",
        "finished_at",
        "timing",
        "note",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency", "assignee")


class PauseInline(ReadOnlyInline):
    model = Pause
    fields = ["kind", "reason", "opened_at", "opened_by", "respond_by", "closed_at", "closed_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("opened_by", "closed_by")


class ComponentInline(ReadOnlyInline):
    model = DossierComponent
    fields = [
        "order",
        "name",
        "mandatory",
        "provided",
        "originals",
        "copies",
        "content",
        "is_reused",
        "is_digitised",
    ]


# --- the dossier -----------------------------------------------------------------------------
CODE_LIKE = re.compile(r"\S*\d\S*")
DIGITS = re.compile(r"\+?\d{9,15}")


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
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
    ]
    # Shown for the search box; the search itself is `get_search_results` (exact where
    # indexed).
    search_fields = ["code", "applicant__full_name", "applicant__personal_id", "applicant__phone"]
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

    def has_add_permission(self, request):
        return False  # dossiers are created through the API (online submission, counter intake)

    def has_change_permission(self, request, obj=None):
        return False  # only the services change a dossier: see the action buttons

    def has_delete_permission(self, request, obj=None):
        return False

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
            applicants = Applicant.objects.filter(
                Q(personal_id=term) | Q(phone=term) | Q(tax_code=term)
            ).values("pk")
            return queryset.filter(Q(code=term) | Q(applicant__in=applicants)), False
        if CODE_LIKE.fullmatch(term):
            codes = {term, term.upper()}
            applicants = Applicant.objects.filter(tax_code=term).values("pk")
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
                if query.format == "csv":
                    response = StreamingHttpResponse(
                        official_forms.logbook_csv(*args), content_type="text/csv; charset=utf-8"
                    )
                else:
                    response = HttpResponse(
                        official_forms.render_logbook_pdf(*args), content_type="application/pdf"
                    )
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
        names = services.available_actions(obj, user)
        buttons = [
            {
                "name": name,
                "label": ACTION_LABELS.get(name, name),
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
        if action not in ACTION_FORMS:
            raise Http404(_("Không có thao tác này."))
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        change_url = reverse(f"{self.admin_site.name}:dossiers_dossier_change", args=[obj.pk])
        label = ACTION_LABELS[action]

        if action not in services.available_actions(obj, request.user):
            self.message_user(request, self._why_not(obj, action, request.user), messages.ERROR)
            return HttpResponseRedirect(change_url)

        service, form_class = ACTION_FORMS[action]
        data = request.POST if request.method == "POST" else None
        form = form_class(data, dossier=obj, action=action)
        if request.method == "POST" and form.is_valid():
            try:
                dossier = service(dossier=obj, actor=request.user, **form.service_kwargs())
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
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/dossiers/dossier/action_form.html", context)

    @staticmethod
    def _why_not(obj, action, user) -> str:
        """The service's own reason (permission, state or condition), without writing."""
        try:
            check(obj, action, user)
        except DomainError as exc:
            return str(exc.detail)
        return _("Không thể thực hiện thao tác “%(action)s” đối với hồ sơ lúc này.") % {
            "action": ACTION_LABELS[action]
        }

    @staticmethod
    def _add_domain_errors(form, exc) -> None:
        """A 400 from the service: its field errors on the fields, its detail on top."""
        for field, errors in (exc.errors or {}).items():
            target = field if field in form.fields else None
            for error in errors if isinstance(errors, list | tuple) else [errors]:
                form.add_error(target, str(error))
        form.add_error(None, str(exc.detail))


# --- the applicant ---------------------------------------------------------------------------
@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    """Read-only: an applicant is written with its dossier (online submission or intake)."""

    list_display = ["full_name", "kind", "personal_id", "tax_code", "phone", "unit"]
    list_filter = ["kind"]
    search_fields = ["full_name", "personal_id", "tax_code", "phone"]
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

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Applicant._meta.fields]

    def has_module_permission(self, request):
        return self._is_administrator(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._is_administrator(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
            return queryset.filter(Q(personal_id=term) | Q(phone=term) | Q(tax_code=term)), False
        return queryset.filter(full_name__icontains=term), False


__all__ = ["ACTION_FORMS", "ACTION_LABELS", "ApplicantAdmin", "DossierAdmin"]

from . import admin_documents  # noqa: E402, F401 - registers the data store and e-result pages
