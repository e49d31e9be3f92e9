"""The leaders' dashboard page (GET /dashboard/) and its login and logout pages.

Leaders and administrators only: anonymous users are sent to the dashboard's own login page
(with the second factor where it applies: accounts/twofactor.py),
other roles get a 403 page; a bad filter is a 400 page with the reason in Vietnamese (the
parameters are parsed by the statistics API's parser, so the page and the API agree)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import twofactor
from accounts.forms import DashboardLoginForm
from core.errors import DomainError
from core.replica import reading_from_replica

from .. import scope
from ..api.params import parse
from . import page

LOGIN_URL = reverse_lazy("dashboard:login")
TEMPLATE = "indicators/dashboard/index.html"


def _parameter_names() -> dict[str, str]:
    return {
        "agency": _("Cơ quan"),
        "field": _("Lĩnh vực"),
        "procedure": _("Thủ tục"),
        "level": _("Cấp"),
        "channel": _("Kênh"),
        "period": _("Kỳ"),
        "date": _("Ngày"),
        "year": _("Năm"),
        "month": _("Tháng"),
        "quarter": _("Quý"),
        "series": _("Chuỗi thời gian"),
        "group_by": _("Xếp hạng theo"),
    }


def _form(request, query=None) -> dict:
    """The filter form's choices and current values."""
    params = request.GET
    if query is not None:
        today = timezone.localdate()
        period = query.period
        default = today if period.start <= today <= period.end else period.start
        kind, day = period.kind, params.get("date") or default.isoformat()
        ranking_by = query.group_by or "agency"
    else:
        kind, day, ranking_by = "month", "", "agency"
    return {
        "agencies": page.agency_options(request.user),
        "agency": params.get("agency", ""),
        "periods": page.period_choices(),
        "period": kind,
        "date": day,
        "ranking_by": ranking_by,
        "rankings": [("agency", _("Cơ quan")), ("commune", _("Xã, phường"))],
    }


def _problem_page(request, error: DomainError):
    names = _parameter_names()
    details = [
        f"{names.get(name, name)}: {' '.join(str(m) for m in messages)}"
        for name, messages in (error.errors or {}).items()
    ]
    context = {
        "error": {"title": str(error.detail), "details": details, "status": error.status_code},
        "form": _form(request),
    }
    return render(request, TEMPLATE, context, status=error.status_code)


@require_GET
@login_required(login_url=LOGIN_URL)
def dashboard(request):
    if not twofactor.session_is_acceptable(request):
        # A leader's session whose login passed no second factor while one is required.
        return redirect_to_login(request.get_full_path(), LOGIN_URL)
    if not scope.may_read(request.user):
        error = {
            "title": _("Bạn không có quyền xem bảng điều khiển."),
            "details": [_("Chỉ lãnh đạo và quản trị hệ thống được xem số liệu thống kê.")],
            "status": 403,
        }
        return render(request, TEMPLATE, {"error": error, "forbidden": True}, status=403)
    # The figures are read from the read replica when one is configured and fresh (core/replica.py).
    with reading_from_replica():
        try:
            query = parse(request.GET, request.user)
        except DomainError as error:
            return _problem_page(request, error)
        context = page.dashboard(query, request.user)
        context["form"] = _form(request, query)
        return render(request, TEMPLATE, context)


class LoginView(auth_views.LoginView):
    # With the second factor's field (accounts/forms.py).
    form_class = DashboardLoginForm
    template_name = "indicators/dashboard/login.html"
    redirect_authenticated_user = False
    next_page = reverse_lazy("dashboard:index")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("dashboard:login")
