"""The mock VNeID's endpoints: an OpenID Connect provider (README.md next to this file).

GET  .well-known/openid-configuration   discovery
GET  jwks/                              the public key (RS256)
GET  authorize/                         the login page: pick a demo identity
POST authorize/                         → redirect_uri?code=…&state=…
POST token/                             authorization code (+ PKCE S256, client auth)
GET  userinfo/                          the claims, for the access token
GET|POST _faults, POST _reset           test control (an onecua administrator's API token)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode, urlsplit, urlunsplit

import jwt
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf_exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings

from accounts.roles import Role
from core import parsers

from . import keys
from .identities import BY_PERSONAL_ID, IDENTITIES
from .models import AccessToken, AuthorizationCode, FaultConfig

CODE_SECONDS = 60
SCOPES = ("openid", "profile", "email", "phone")
CLAIMS = (
    "sub",
    "SoDinhDanh",
    "HoVaTen",
    "name",
    "NgayThangNamSinh",
    "SoDienThoai",
    "phone_number",
    "Email",
    "email",
    "MucDoDinhDanh",
    "acr",
)


def issuer() -> str:
    return settings.MOCK_VNEID_ISSUER.rstrip("/")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _oauth_error(status: int, error: str, description: str, **headers) -> JsonResponse:
    response = JsonResponse(
        {"error": error, "error_description": description},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def provider_endpoint(view):
    """The `down` fault: every OIDC endpoint answers 503."""

    @csrf_exempt
    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if FaultConfig.current().down:
            return _oauth_error(503, "temporarily_unavailable", "VNeID đang bảo trì (giả lập).")
        return view(request, *args, **kwargs)

    return wrapper


# --- discovery and keys ------------------------------------------------------------------------


@provider_endpoint
def configuration(request):
    base = issuer()
    return JsonResponse(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize/",
            "token_endpoint": f"{base}/token/",
            "userinfo_endpoint": f"{base}/userinfo/",
            "jwks_uri": f"{base}/jwks/",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": list(CLAIMS),
            "acr_values_supported": ["1", "2"],
        }
    )


@provider_endpoint
def jwks(request):
    return JsonResponse({"keys": [keys.public_jwk(keys.signing_key())]})


# --- authorization ------------------------------------------------------------------------------


def _with_query(uri: str, params: dict) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def _redirect_uri_ok(uri: str) -> bool:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        return False
    allowed = settings.MOCK_VNEID_REDIRECT_URIS
    return not allowed or uri in allowed


def _page_error(request, message: str, status: int = 400):
    return render(request, "mockvneid/error.html", {"message": message}, status=status)


@provider_endpoint
def authorize(request):
    params = request.GET if request.method == "GET" else request.POST
    if request.method not in ("GET", "POST"):
        return _page_error(request, "Phương thức không được hỗ trợ.", 405)
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    # Never redirect to an unknown client or an unregistered address (RFC 6749, 4.1.2.1).
    if not hmac.compare_digest(client_id, settings.MOCK_VNEID_CLIENT_ID):
        return _page_error(request, "Ứng dụng (client_id) không được đăng ký với VNeID.")
    if not _redirect_uri_ok(redirect_uri):
        return _page_error(request, "Địa chỉ quay lại (redirect_uri) không được đăng ký.")
    state = params.get("state", "")

    def refuse(error: str, description: str):
        answer = {"error": error, "error_description": description}
        if state:
            answer["state"] = state
        return HttpResponseRedirect(_with_query(redirect_uri, answer))

    if params.get("response_type") != "code":
        return refuse("unsupported_response_type", "Chỉ hỗ trợ response_type=code.")
    scopes = params.get("scope", "").split()
    if "openid" not in scopes:
        return refuse("invalid_scope", "Thiếu phạm vi openid.")
    challenge = params.get("code_challenge", "")
    if params.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128:
        return refuse("invalid_request", "Bắt buộc PKCE với code_challenge_method=S256.")
    forwarded = {
        name: params.get(name, "")
        for name in (
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
        )
    }
    if request.method == "GET":
        return render(
            request,
            "mockvneid/login.html",
            {"identities": IDENTITIES, "params": forwarded, "action": request.path},
        )
    if "cancel" in request.POST:
        return refuse("access_denied", "Người dùng đã hủy đăng nhập.")
    identity = BY_PERSONAL_ID.get(request.POST.get("personal_id", ""))
    if identity is None:
        return _page_error(request, "Không có danh tính này.")
    code = secrets.token_urlsafe(32)
    now = timezone.now()
    AuthorizationCode.objects.create(
        digest=_digest(code),
        client_id=client_id,
        redirect_uri=redirect_uri,
        personal_id=identity.personal_id,
        scope=" ".join(s for s in scopes if s in SCOPES),
        nonce=params.get("nonce", "")[:500],
        code_challenge=challenge,
        created_at=now,
        expires_at=now + timedelta(seconds=CODE_SECONDS),
    )
    answer = {"code": code}
    if state:
        answer["state"] = state
    return HttpResponseRedirect(_with_query(redirect_uri, answer))


# --- token and userinfo ---------------------------------------------------------------------


def _client_credentials(request) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _pkce_ok(verifier: str, challenge: str) -> bool:
    if not 43 <= len(verifier) <= 128:
        return False
    computed = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    )
    return hmac.compare_digest(computed.rstrip(b"=").decode("ascii"), challenge)


def id_token(identity, client_id: str, nonce: str, faults: FaultConfig) -> str:
    now = int(timezone.now().timestamp()) + faults.clock_offset_seconds
    issued, expires = now, now + settings.MOCK_VNEID_TOKEN_SECONDS
    if faults.expired_id_token:
        issued, expires = now - 3600, now - 1800
    claims = {
        **identity.claims(),
        "iss": "https://vneid.evil.example" if faults.wrong_issuer else issuer(),
        "aud": "another-client" if faults.wrong_audience else client_id,
        "iat": issued,
        "exp": expires,
        "auth_time": issued,
    }
    if nonce:
        claims["nonce"] = "not-" + nonce if faults.wrong_nonce else nonce
    # A forgery names the published key (its kid) but is signed with another.
    kid = keys.key_id(keys.signing_key())
    key = keys.forged_key() if faults.wrong_key else keys.signing_key()
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@provider_endpoint
def token(request):
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "Chỉ nhận POST.")
    client_id, secret = _client_credentials(request)
    if not (
        hmac.compare_digest(client_id, settings.MOCK_VNEID_CLIENT_ID)
        and hmac.compare_digest(secret, settings.MOCK_VNEID_CLIENT_SECRET)
    ):
        return _oauth_error(
            401, "invalid_client", "Xác thực ứng dụng thất bại.", WWW_Authenticate="Basic"
        )
    if request.POST.get("grant_type") != "authorization_code":
        return _oauth_error(400, "unsupported_grant_type", "Chỉ hỗ trợ authorization_code.")
    now = timezone.now()
    code = AuthorizationCode.objects.filter(digest=_digest(request.POST.get("code", ""))).first()
    if code is None or code.client_id != client_id:
        return _oauth_error(400, "invalid_grant", "Mã ủy quyền không hợp lệ.")
    with transaction.atomic():
        # Single use, in one UPDATE: a second use is refused and revokes what the first gave
        # (RFC 6749, 4.1.2).
        if not AuthorizationCode.objects.filter(pk=code.pk, used_at__isnull=True).update(
            used_at=now
        ):
            AccessToken.objects.filter(code=code).delete()
            return _oauth_error(400, "invalid_grant", "Mã ủy quyền đã được sử dụng.")
    if code.expires_at <= now:
        return _oauth_error(400, "invalid_grant", "Mã ủy quyền đã hết hạn.")
    if request.POST.get("redirect_uri") != code.redirect_uri:
        return _oauth_error(400, "invalid_grant", "redirect_uri không khớp.")
    if not _pkce_ok(request.POST.get("code_verifier", ""), code.code_challenge):
        return _oauth_error(400, "invalid_grant", "code_verifier không khớp (PKCE).")
    identity = BY_PERSONAL_ID[code.personal_id]
    access = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        digest=_digest(access),
        code=code,
        personal_id=identity.personal_id,
        expires_at=now + timedelta(seconds=settings.MOCK_VNEID_TOKEN_SECONDS),
    )
    response = JsonResponse(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": settings.MOCK_VNEID_TOKEN_SECONDS,
            "scope": code.scope,
            "id_token": id_token(identity, client_id, code.nonce, FaultConfig.current()),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@provider_endpoint
def userinfo(request):
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    found = (
        AccessToken.objects.filter(digest=_digest(value.strip()), expires_at__gt=timezone.now())
        .select_related("code")
        .first()
        if scheme.lower() == "bearer" and value.strip()
        else None
    )
    if found is None:
        return _oauth_error(
            401,
            "invalid_token",
            "Token không hợp lệ.",
            WWW_Authenticate='Bearer error="invalid_token"',
        )
    claims = BY_PERSONAL_ID[found.personal_id].claims()
    if FaultConfig.current().userinfo_other_subject:
        claims["sub"] = "vneid-someone-else"
    return JsonResponse(claims, json_dumps_params={"ensure_ascii": False})


def stylesheet(request):
    """The login page's styles (no static-files machinery needed when served alone)."""
    css = (settings.BASE_DIR / "integrations" / "mockvneid" / "login.css").read_text()
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "max-age=3600"
    return response


# --- test control -------------------------------------------------------------------------------


def _api_user(request):
    """The user the project's API authentication finds (`Authorization: Token …`), or the
    refusal."""
    drf_request = Request(
        request, authenticators=[auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    try:
        user = drf_request.user
    except drf_exceptions.APIException as exc:
        return None, exc
    if user is None or not user.is_authenticated:
        return None, drf_exceptions.NotAuthenticated()
    return user, None


def admin_endpoint(methods: tuple[str, ...]):
    """404 unless MOCK_VNEID_ADMIN_ENABLED; then only for an onecua administrator's API token."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request):
            if not settings.MOCK_VNEID_ADMIN_ENABLED:
                return JsonResponse({"error": "not_found"}, status=404)
            user, refusal = _api_user(request)
            if user is None:
                status = 403 if refusal.status_code == 403 else 401
                response = JsonResponse(
                    {"error": "unauthorized", "message": "Cần token API của quản trị hệ thống."},
                    status=status,
                    json_dumps_params={"ensure_ascii": False},
                )
                if status == 401:
                    response["WWW-Authenticate"] = "Token"
                return response
            if user.role != Role.ADMINISTRATOR:
                return JsonResponse({"error": "forbidden"}, status=403)
            if request.method not in methods:
                return JsonResponse({"error": "method_not_allowed"}, status=405)
            return view(request)

        return wrapper

    return decorate


def _fault_value_ok(name: str, value) -> bool:
    if name == "clock_offset_seconds":
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 86400
    return isinstance(value, bool)


@admin_endpoint(("GET", "POST"))
def faults(request):
    config = FaultConfig.current()
    if request.method == "POST":
        try:
            data = parsers.loads(request.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError):
            data = None
        if not isinstance(data, dict):
            return JsonResponse(
                {"error": "invalid", "errors": {"body": ["JSON object"]}}, status=400
            )
        errors = {
            name: ["unknown fault" if name not in FaultConfig.FIELDS else "bad value"]
            for name, value in data.items()
            if name not in FaultConfig.FIELDS or not _fault_value_ok(name, value)
        }
        if errors:
            return JsonResponse({"error": "invalid", "errors": errors}, status=400)
        for name, value in data.items():
            setattr(config, name, value)
        config.save()
    return JsonResponse({"faults": config.as_dict()})


@admin_endpoint(("POST",))
def reset(request):
    with transaction.atomic():
        AccessToken.objects.all().delete()
        AuthorizationCode.objects.all().delete()
        FaultConfig.objects.all().delete()
        FaultConfig.objects.create(pk=1)
    return JsonResponse({"reset": True})
