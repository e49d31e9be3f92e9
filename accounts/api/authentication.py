"""How the API knows who calls (settings.REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES).

`TokenAuthentication` is django-rest-knox's scheme — `Authorization: Token <token>`, the secret
compared with the stored SHA-512 digest — over our token model (accounts.models.AuthToken), in
one query: knox's own also reads every other token of the user on each request to delete the
expired ones (here `issue_token` and a daily task do that). A token is refused when it has
expired (and deleted), when its user is inactive (and every token of that user is deleted), and
when it is an enrolment token used outside the views that take one (`accepts_enrolment_token`).
Using a token records when, at most once a minute.
"""

from __future__ import annotations

import binascii
from datetime import timedelta
from hmac import compare_digest

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import authentication, exceptions

from .. import services, twofactor
from ..models import AuthToken, TokenPurpose

# How stale `last_used_at` may get before a request writes it again.
LAST_USED_PRECISION = timedelta(minutes=1)


class EnrolmentTokenOnly(exceptions.PermissionDenied):
    default_code = "otp_not_enrolled"
    default_detail = _(
        "Token này chỉ dùng để đăng ký xác thực hai lớp; hãy đăng ký rồi đăng nhập lại."
    )


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        invalid = exceptions.AuthenticationFailed(_("Token không hợp lệ."))
        try:
            secret = token.decode("utf-8")
            digest = hash_token(secret)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise invalid from None
        candidates = AuthToken.objects.filter(
            token_key=secret[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user", "user__agency")  # the agency: most staff requests read it
        found = next((t for t in candidates if compare_digest(digest, t.digest)), None)
        if found is None:
            raise invalid
        now = timezone.now()
        if found.expiry is not None and found.expiry <= now:
            services.revoke_token(found)
            raise exceptions.AuthenticationFailed(_("Phiên đăng nhập đã hết hạn."))
        if not found.user.is_active:
            services.revoke_all_tokens(found.user)
            raise invalid
        return found.user, found

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if token.purpose != TokenPurpose.SESSION:
            view = (getattr(request, "parser_context", None) or {}).get("view")
            if not getattr(view, "accepts_enrolment_token", False):
                raise EnrolmentTokenOnly()
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            AuthToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token


class SessionAuthentication(authentication.SessionAuthentication):
    """The session of the admin console and the dashboard (the browsable API, Swagger). A user
    who must use a second factor counts only with a session whose login passed one."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and not twofactor.session_is_acceptable(request._request):
            return None
        return result


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = SessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
