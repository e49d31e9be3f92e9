"""What every workspace page shares: who may open it (officials of an agency, logged in through
the dashboard's login page with the second factor where it is required), and the error page."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from accounts import twofactor
from accounts.roles import OFFICIAL_ROLES

LOGIN_URL = reverse_lazy("dashboard:login")


def is_official(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role in OFFICIAL_ROLES
        and user.agency_id is not None
    )


def official_page(view):
    """Anonymous users (and a session whose login passed no required second factor) go to the
    login page; anyone but an official of an agency gets a 403 page in Vietnamese."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated or not twofactor.session_is_acceptable(request):
            return redirect_to_login(request.get_full_path(), LOGIN_URL)
        if not is_official(request.user):
            return problem_page(
                request,
                _("Trang này dành cho cán bộ của cơ quan, đơn vị."),
                _(
                    "Công dân theo dõi hồ sơ trên Cổng dịch vụ công; quản trị hệ thống dùng "
                    "trang quản trị."
                ),
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped


def problem_page(request, title: str, detail: str = "", *, status: int):
    return render(
        request,
        "workspace/problem.html",
        {"problem": {"title": title, "detail": detail, "status": status}},
        status=status,
    )
