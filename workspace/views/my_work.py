"""Việc của tôi: the dossiers waiting for me or my counter, by due date, with filters refreshed
in place by htmx (the whole page without JavaScript)."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dossiers import access_log
from dossiers.access_log import Purpose, ReadKind
from dossiers.models import Channel, DossierStatus
from dossiers.models.status import OPEN_STATES

from .. import extensions, selectors
from .common import official_page


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(
        label=_("Danh sách"), choices=list(selectors.QUEUES.items()), required=False
    )
    procedure = forms.ChoiceField(label=_("Thủ tục"), required=False)
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả trạng thái"))]
        + [(s.value, s.label) for s in DossierStatus if s.value in OPEN_STATES],
    )
    channel = forms.TypedChoiceField(
        label=_("Kênh nộp"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Tất cả các kênh")), *list(Channel.choices)],
    )
    timing = forms.ChoiceField(
        label=_("Hạn xử lý"),
        required=False,
        choices=[("", _("Tất cả")), *list(selectors.TIMINGS.items())],
    )
    today = forms.BooleanField(label=_("Tiếp nhận hôm nay"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args, procedures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [("", _("Tất cả thủ tục"))] + [
            (code, f"{code} — {name[:90]}") for code, name in procedures
        ]


@require_GET
@official_page
def my_work(request):
    user = request.user
    now = timezone.now()
    params = request.GET.copy()
    kind = params.get("queue") or "waiting"
    if kind not in selectors.QUEUES:
        kind = "waiting"
    base = selectors.queue(user, kind)
    form = QueueFilterForm(params, procedures=selectors.procedures_in(base))
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.Filters(
            procedure=data["procedure"],
            status=data["status"],
            channel=data["channel"],
            received_today=data["today"],
            timing=data["timing"],
        )
        page = data["page"] or 1
    else:
        filters, page, status = selectors.Filters(), 1, 400
    rows, has_next = selectors.page_of(selectors.filtered(base, filters, now), page)
    access_log.record(user, rows, ReadKind.DOSSIER_LIST, Purpose.WORKSPACE_LIST)
    soon = selectors.soon_until(now)
    query = params.copy()
    query.pop("page", None)
    context = {
        "nav": "work",
        "form": form,
        "queue": kind,
        "queues": selectors.QUEUES,
        "rows": [(d, selectors.urgency(d, now, soon)) for d in rows],
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
        "filtered": any(
            [filters.procedure, filters.status, filters.channel, filters.received_today]
        )
        or bool(filters.timing),
    }
    if request.htmx:
        return render(request, "workspace/_queue.html", context, status=status)
    context["panels"] = extensions.panels(request)
    return render(request, "workspace/my_work.html", context, status=status)
