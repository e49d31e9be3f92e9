"""A dossier's page and its actions (docs/workspace.md).

The page: the applicant and the terms, the timeline in words, components and files (images
inline, PDFs by link), the process-control slip (Mẫu 06) and the other forms that apply, and
one button per action the user may do now (`dossiers.services.available_actions`, the state
machine's own answer). Each button opens the action's form — the action table's
(`dossiers/action_table.py`) — and the form posts to the row's service (the one door); the
answer is a Vietnamese message: done, or the refusal's reason. Assignment and hand-over show
the agency's officials with their workload; the leader's approval shows the e-result before
signing (a preview PDF, never stored).
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Role
from core.errors import DomainError
from dossiers import access_log, paperwork, selectors, services
from dossiers.access_log import Purpose, ReadKind
from dossiers.action_table import ACTION_TABLE, row_for
from dossiers.api.document_views import downloadable_by, file_response
from dossiers.models import ComponentFile, DossierAction, DossierComponent, Outcome
from dossiers.paperwork import control
from dossiers.paperwork.result import result_title
from dossiers.services import steps
from procedures.models import StepRole

from .. import selectors as workspace_selectors
from .. import timeline
from ..messages import describe
from .common import official_page

# The buttons' order on the page: the usual next step first.
ORDER = [
    DossierAction.RECEIVE,
    DossierAction.ASSIGN,
    DossierAction.HAND_OVER,
    DossierAction.APPROVE,
    DossierAction.RETURN_RESULT,
    DossierAction.SUPPLEMENT,
    DossierAction.REQUEST_SUPPLEMENT,
    DossierAction.COLLECT_FEE,
    DossierAction.REQUEST_PAYMENT,
    DossierAction.CONFIRM_PAYMENT,
    DossierAction.ADJUST_FEE,
    DossierAction.RECORD_REFUND,
    DossierAction.RESCHEDULE,
    DossierAction.REFUSE,
    DossierAction.REFUSE_RECEIPT,
    DossierAction.WITHDRAW,
    DossierAction.STOP,
]
# Actions that end or refuse something: shown apart, as secondary buttons.
DESTRUCTIVE = {
    DossierAction.REFUSE,
    DossierAction.REFUSE_RECEIPT,
    DossierAction.WITHDRAW,
    DossierAction.STOP,
}


def _dossier(request, code: str, *, detail: bool = False):
    queryset = selectors.with_related(selectors.visible_to(request.user))
    if detail:
        queryset = queryset.prefetch_related(
            Prefetch(
                "components",
                queryset=DossierComponent.objects.order_by("order").prefetch_related(
                    Prefetch("files", queryset=ComponentFile.objects.select_related("file"))
                ),
            ),
        )
    dossier = queryset.filter(code=code).first()
    if dossier is None:
        raise Http404
    return dossier


def action_buttons(dossier, user) -> list[dict]:
    available = set(services.available_actions(dossier, user))
    buttons = []
    for action in ORDER:
        if action.value in available and action in ACTION_TABLE:
            buttons.append(
                {
                    "name": action.value,
                    "label": str(action.label),
                    "secondary": action in DESTRUCTIVE,
                    "url": reverse(
                        "workspace:action", kwargs={"code": dossier.code, "action": action.value}
                    ),
                }
            )
    return buttons


@require_GET
@official_page
def dossier_page(request, code: str):
    dossier = _dossier(request, code, detail=True)
    access_log.record(request.user, [dossier], ReadKind.DOSSIER_DETAIL, Purpose.WORKSPACE_DOSSIER)
    now = timezone.now()
    available_forms = set(paperwork.available_forms(dossier))
    forms_list = [
        {
            "number": number,
            "title": str(title),
            "url": reverse("dossier-form", kwargs={"code": dossier.code, "number": number}),
        }
        for number, title in paperwork.FORMS.items()
        if number in available_forms
    ]
    e_result = getattr(dossier, "e_result", None) if dossier.has_e_result else None
    context = {
        "dossier": dossier,
        "urgency": workspace_selectors.urgency(dossier, now, workspace_selectors.soon_until(now)),
        "timeline": timeline.entries(dossier),
        "components": dossier.components.all(),
        "control_rows": control.rows(dossier),
        "forms": forms_list,
        "buttons": action_buttons(dossier, request.user),
        "e_result": e_result,
        "e_result_url": reverse("e-result", kwargs={"code": dossier.code}) if e_result else "",
        "assignee": timeline.person(dossier.assignee) if dossier.assignee_id else "",
    }
    return render(request, "workspace/dossier.html", context)


def _form_for(row, dossier, data=None):
    form = row.form(data, dossier=dossier, action=row.name)
    if "e_result" in form.fields:
        form.fields["e_result"].initial = True
    if "new_due_at" in form.fields:
        # Native date and time inputs instead of the admin's widget (no admin script here).
        form.fields["new_due_at"].widget = forms.SplitDateTimeWidget(
            date_attrs={"type": "date"},
            time_attrs={"type": "time"},
            date_format="%Y-%m-%d",
            time_format="%H:%M",
        )
        form.fields["new_due_at"].fields[0].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        form.fields["new_due_at"].fields[1].input_formats = ["%H:%M", "%H:%M:%S"]
    return form


def _workload(row, dossier, form):
    """Assignment and hand-over: the agency's officials who may take the dossier, each with
    their open and late dossiers, also in the select's labels."""
    if row.action not in (DossierAction.ASSIGN, DossierAction.HAND_OVER):
        return None
    roles = [Role.PROCESSING_OFFICER, Role.LEADER]
    if row.action == DossierAction.HAND_OVER:
        step = steps.next_step(dossier)
        if step and step["role"] == StepRole.LEADER:
            roles = [Role.LEADER]
    people = workspace_selectors.workload(dossier.handling_agency_id, roles)
    counts = {person.pk: person for person in people}
    field = form.fields["assignee"]

    def label(user):
        person = counts.get(user.pk)
        name = user.full_name or user.username
        if person is None:
            return f"{name} — {user.get_role_display()}"
        return _("%(name)s — %(role)s: %(open)s hồ sơ đang giải quyết, %(late)s quá hạn") % {
            "name": name,
            "role": user.get_role_display(),
            "open": person.open_count,
            "late": person.late_count,
        }

    field.label_from_instance = label
    field.empty_label = _("— Chọn người —")
    return people


def _preview(request, dossier, row):
    if row.action != DossierAction.APPROVE:
        return None
    shown = copy.copy(dossier)
    shown.outcome = Outcome.APPROVED
    return {
        "title": str(result_title(shown)),
        "signer": request.user.full_name or request.user.username,
        "issuer": dossier.handling_agency.name,
        "url": reverse("workspace:result-preview", kwargs={"code": dossier.code}),
    }


@require_http_methods(["GET", "POST"])
@official_page
def action_page(request, code: str, action: str):
    row = row_for(action)
    if row is None:
        raise Http404
    dossier = _dossier(request, code)
    access_log.record(request.user, [dossier], ReadKind.DOSSIER_DETAIL, Purpose.WORKSPACE_ACTION)
    context = {"dossier": dossier, "row": row, "problem": None, "refused": ""}
    status = 200
    form = _form_for(row, dossier, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                row.service(dossier=dossier.code, actor=request.user, **form.service_kwargs())
            except DomainError as error:
                context["problem"] = describe(error)
                status = error.status_code
            else:
                messages.success(
                    request,
                    _("Đã thực hiện “%(action)s” đối với hồ sơ %(code)s.")
                    % {"action": row.label, "code": dossier.code},
                )
                return redirect("workspace:dossier", code=dossier.code)
        else:
            status = 400
    elif row.name not in services.available_actions(dossier, request.user):
        # Not possible now: say why (the door's own answer), offer no form.
        context["refused"] = services.explain(dossier, row.name, request.user)
        status = 409
    context.update(
        form=form,
        people=_workload(row, dossier, form),
        preview=_preview(request, dossier, row),
    )
    return render(request, "workspace/action.html", context, status=status)


@require_GET
@official_page
def result_preview(request, code: str):
    """The e-result as it would be issued, unsigned and marked as a preview: only for whom may
    approve now."""
    dossier = _dossier(request, code)
    if DossierAction.APPROVE.value not in services.available_actions(dossier, request.user):
        raise Http404
    shown = copy.copy(dossier)
    shown.outcome = Outcome.APPROVED
    pdf = paperwork.render_result_document(
        dossier=shown,
        verify_url=_("(bản xem trước, chưa ký số)"),
        signer_name=request.user.full_name or request.user.username,
        signer_title=_("Thủ trưởng cơ quan"),
        issued_at=timezone.now(),
    )
    access_log.record(request.user, [dossier], ReadKind.E_RESULT, Purpose.WORKSPACE_RESULT_PREVIEW)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="xem-truoc-{dossier.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@official_page
def file_view(request, file_id):
    """A file of a dossier in the user's scope, shown in the browser (images inline in the
    dossier's page, PDFs in their own tab)."""
    found = downloadable_by(request.user, file_id)
    if found is None or found[1] is None:
        raise Http404
    stored, dossier = found
    access_log.record(
        request.user, [dossier], ReadKind.FILE, Purpose.WORKSPACE_FILE, object_id=stored.pk
    )
    return file_response(stored, inline=True)
