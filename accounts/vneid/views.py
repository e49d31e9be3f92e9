"""The pages of the VNeID login (docs/accounts.md, "VNeID"):

    GET /vneid/login/[?app_redirect=<uri>]   → the provider's login page (state, nonce, PKCE)
    GET /vneid/callback/?code=…&state=…      → checks, the citizen's account, a session
    GET /vneid/done/                         → a one-time ticket for the citizen's app

The app exchanges the ticket, once and within two minutes, for an API token of its own device
(POST /api/v1/auth/vneid/token/, accounts/api/vneid.py). When the login was started with an
`app_redirect` listed in ONECUA_VNEID_APP_REDIRECT_URIS (e.g. the app's own URI scheme), the
done page sends the browser there with `?ticket=…`; otherwise it shows the ticket (or answers
JSON to `Accept: application/json`). A failure is a page with a stable code and no session.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import auth
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)
from rest_framework import serializers

from .. import services
from ..models import VneidLogin
from . import provider
from .backend import LoginRefused

logger = logging.getLogger(__name__)

SESSION_APP_REDIRECT = "vneid_app_redirect"

# What a failure page says, by code (the codes are docs/accounts.md's).
MESSAGES = {
    "provider_unavailable": lambda: _("Dịch vụ VNeID tạm thời không phản hồi; vui lòng thử lại."),
    "login_cancelled": lambda: _("Bạn đã hủy đăng nhập bằng VNeID."),
    "invalid_state": lambda: _(
        "Phiên đăng nhập không hợp lệ hoặc đã được dùng; vui lòng đăng nhập lại từ đầu."
    ),
    "invalid_app_redirect": lambda: _("Địa chỉ quay lại ứng dụng không được phép."),
    "not_logged_in": lambda: _("Chưa đăng nhập bằng VNeID trong trình duyệt này."),
    "ticket_already_used": lambda: _(
        "Lần đăng nhập này đã được dùng cho một ứng dụng; hãy đăng nhập lại cho thiết bị khác."
    ),
}


def failure(request, code: str, *, status: int = 400):
    message = MESSAGES.get(code, lambda: _("Không xác thực được tài khoản VNeID."))()
    return render(
        request,
        "accounts/vneid/failed.html",
        {"code": code, "message": message, "retry": reverse("vneid-login")},
        status=status,
    )


def _app_redirect(value: str) -> str:
    if value and value not in settings.ONECUA_VNEID_APP_REDIRECT_URIS:
        raise LoginRefused("invalid_app_redirect", value)
    return value


class LoginView(OIDCAuthenticationRequestView):
    """Start: the provider's authorization endpoint from discovery, our client id."""

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.ONECUA_OIDC_CLIENT_ID

    def get(self, request):
        try:
            app = _app_redirect(request.GET.get("app_redirect", ""))
            self.OIDC_OP_AUTH_ENDPOINT = provider.configuration()["authorization_endpoint"]
        except LoginRefused as exc:
            return failure(request, exc.code, status=exc.status)
        except provider.ProviderUnavailable as exc:
            logger.warning("VNeID login cannot start: %s", exc)
            return failure(request, "provider_unavailable", status=503)
        response = super().get(request)
        request.session[SESSION_APP_REDIRECT] = app
        if not request.session.get("oidc_login_next"):
            request.session["oidc_login_next"] = reverse("vneid-done")
        return response


class CallbackView(OIDCAuthenticationCallbackView):
    def get(self, request):
        try:
            return super().get(request)
        except LoginRefused as exc:
            logger.warning("VNeID login refused: %s", exc)
            return failure(request, exc.code, status=exc.status)
        except SuspiciousOperation as exc:  # a state this browser's session never sent
            logger.warning("VNeID callback: %s", exc)
            return failure(request, "invalid_state")

    def login_failure(self):
        error = self.request.GET.get("error", "")
        if error == "access_denied":
            return failure(self.request, "login_cancelled")
        if error:
            return failure(self.request, "provider_error")
        user = getattr(self, "user", None)
        if user is not None and not user.is_active:  # the library refuses inactive accounts
            return failure(self.request, "account_inactive", status=403)
        return failure(self.request, "invalid_state")

    def login_success(self):
        response = super().login_success()
        identity = self.request.vneid_identity
        login = services.record_vneid_login(self.user, identity)
        session = self.request.session
        session[services.SESSION_VNEID_LOGIN] = login.pk
        session[services.SESSION_VNEID_USER] = self.user.pk
        session[services.SESSION_VNEID_LEVEL] = identity.assurance_level
        return response


def _with_query(uri: str, **params) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


@never_cache
def done(request):
    """A fresh one-time ticket for the app (a previous one of this login stops working)."""
    login_id = request.session.get(services.SESSION_VNEID_LOGIN)
    login = (
        VneidLogin.objects.filter(pk=login_id, user_id=request.user.pk).first()
        if request.user.is_authenticated and login_id
        else None
    )
    if login is None:
        return failure(request, "not_logged_in", status=403)
    if login.exchanged_at is not None:
        # One VNeID login, one app token: another device logs in again.
        return failure(request, "ticket_already_used", status=409)
    ticket, login = services.issue_vneid_ticket(login)
    app = request.session.get(SESSION_APP_REDIRECT)
    if app and app in settings.ONECUA_VNEID_APP_REDIRECT_URIS:
        response = HttpResponseRedirect.__new__(HttpResponseRedirect)
        # An app's own URI scheme (allow-listed above) is not one Django redirects to by default.
        response.allowed_schemes = [*HttpResponseRedirect.allowed_schemes, urlsplit(app).scheme]
        response.__init__(_with_query(app, ticket=ticket))
        return response
    answer = {
        "ticket": ticket,
        "expires": serializers.DateTimeField().to_representation(login.ticket_expires_at),
        "exchange": reverse("auth-vneid-token"),
        "assurance_level": login.assurance_level,
    }
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(answer)
    context = {**answer, "user": request.user, "logout": reverse("vneid-logout")}
    return render(request, "accounts/vneid/done.html", context)


def logout(request):
    """POST: end this browser's session (the app's tokens are unaffected)."""
    if request.method != "POST":
        return failure(request, "method_not_allowed", status=405)
    auth.logout(request)
    return HttpResponseRedirect(reverse("vneid-login"))
