"""The authentication backend of the VNeID login (settings AUTHENTICATION_BACKENDS), on
mozilla-django-oidc's: the library keeps the flow (state, nonce and PKCE verifier in the session,
the code exchange, the callback), and this class tightens what it leaves open:

- the ID token must be RS256, signed by a key of the provider's JWKS (a `kid` not found there is
  looked up once more, for a rotated key), and its issuer, audience (our client id; `azp` too
  when there are several), expiry and issue time are verified, with `ONECUA_OIDC_LEEWAY_SECONDS`
  of clock skew allowed; the library checks the signature only;
- the nonce must be the one this login sent;
- userinfo must be about the same subject as the ID token; the signed ID token's claims win
  where both carry one;
- the account is found or made by the personal ID (accounts.services.citizen_from_vneid), never
  by e-mail as the library does by default.

Every refusal is a `LoginRefused` with a stable code, which the callback page shows
(accounts/vneid/views.py) and the logs keep.
"""

from __future__ import annotations

import hmac
import logging

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.encoding import smart_str
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .. import services
from . import claims as vneid_claims
from . import provider

logger = logging.getLogger(__name__)
ALGORITHM = "RS256"


class LoginRefused(Exception):
    """The VNeID login cannot go on: `code` says why (docs/accounts.md, "VNeID")."""

    def __init__(self, code: str, reason: str = "", *, status: int = 400):
        super().__init__(f"{code}: {reason}" if reason else code)
        self.code = code
        self.status = status


class VneidBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # The endpoints come from discovery when used, not from settings (the library's own
        # __init__ would insist on OIDC_OP_* settings).
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.ONECUA_OIDC_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.ONECUA_OIDC_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        # Only the callback's call (it passes the nonce); never a password login that happens
        # to carry ?code=&state= in its URL.
        if request is None or "nonce" not in kwargs:
            return None
        try:
            config = provider.configuration()
        except provider.ProviderUnavailable as exc:
            raise LoginRefused("provider_unavailable", str(exc), status=503) from exc
        self.OIDC_OP_TOKEN_ENDPOINT = config["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = config["userinfo_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = config["jwks_uri"]
        if not kwargs.get("code_verifier"):
            raise LoginRefused("pkce_missing", "no PKCE code verifier in the session")
        return super().authenticate(request, **kwargs)

    # --- the back channel ------------------------------------------------------------------
    def get_token(self, payload):
        payload = dict(payload)
        secret = payload.pop("client_secret")
        try:
            reply = provider.call(
                "POST",
                self.OIDC_OP_TOKEN_ENDPOINT,
                data=payload,
                basic_auth=(payload["client_id"], secret),
            )
        except provider.ProviderUnavailable as exc:
            raise LoginRefused("provider_unavailable", str(exc), status=503) from exc
        if reply.status_code >= 500:
            raise LoginRefused("provider_unavailable", f"token: {reply.status_code}", status=503)
        try:
            body = reply.json()
        except ValueError:
            body = {}
        if reply.status_code != 200:
            # invalid_grant: a code used twice, expired, or a PKCE verifier that does not match.
            raise LoginRefused("token_refused", f"{reply.status_code} {body.get('error', '')}")
        if not isinstance(body.get("id_token"), str) or not isinstance(
            body.get("access_token"), str
        ):
            raise LoginRefused("token_refused", "no id_token or access_token")
        return body

    def get_userinfo(self, access_token, id_token, payload):
        try:
            reply = provider.call(
                "GET",
                self.OIDC_OP_USER_ENDPOINT,
                headers={"Authorization": f"Bearer {access_token}"},
            )
            info = reply.json() if reply.status_code == 200 else None
        except (provider.ProviderUnavailable, ValueError) as exc:
            raise LoginRefused("provider_unavailable", f"userinfo: {exc}", status=503) from exc
        if not isinstance(info, dict):
            raise LoginRefused("provider_unavailable", f"userinfo: {reply.status_code}", status=503)
        if info.get("sub") != payload.get("sub"):
            raise LoginRefused("subject_mismatch", "userinfo is about another subject")
        return info

    # --- the ID token ------------------------------------------------------------------------
    def retrieve_matching_jwk(self, token):
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise LoginRefused("invalid_id_token", str(exc)) from exc
        if header.get("alg") != ALGORITHM:
            raise LoginRefused("invalid_id_token", f"alg {header.get('alg')!r}, not RS256")
        kid = smart_str(header.get("kid", ""))
        try:
            for refresh in (False, True):
                for jwk in provider.signing_keys(refresh=refresh):
                    if jwk.get("kid") == kid and jwk.get("alg", ALGORITHM) == ALGORITHM:
                        return jwt.PyJWK(jwk)
        except provider.ProviderUnavailable as exc:
            raise LoginRefused("provider_unavailable", str(exc), status=503) from exc
        except jwt.PyJWTError as exc:
            raise LoginRefused("unknown_signing_key", str(exc)) from exc
        raise LoginRefused("unknown_signing_key", f"no key {kid!r} in the provider's JWKS")

    def verify_token(self, token, **kwargs):
        if not isinstance(token, str):
            raise LoginRefused("invalid_id_token", "no ID token")
        key = self.retrieve_matching_jwk(token)
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=provider.issuer(),
                leeway=settings.ONECUA_OIDC_LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidSignatureError as exc:
            raise LoginRefused("invalid_signature", str(exc)) from exc
        except jwt.InvalidAudienceError as exc:
            raise LoginRefused("wrong_audience", str(exc)) from exc
        except jwt.InvalidIssuerError as exc:
            raise LoginRefused("wrong_issuer", str(exc)) from exc
        except jwt.ExpiredSignatureError as exc:
            raise LoginRefused("id_token_expired", str(exc)) from exc
        except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError) as exc:
            raise LoginRefused("id_token_not_yet_valid", str(exc)) from exc
        except jwt.PyJWTError as exc:
            raise LoginRefused("invalid_id_token", str(exc)) from exc
        audience = payload["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if several and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise LoginRefused("wrong_audience", "several audiences and azp is not ours")
        nonce = kwargs.get("nonce")
        if not nonce or not hmac.compare_digest(str(payload.get("nonce", "")), str(nonce)):
            raise LoginRefused("wrong_nonce", "the ID token's nonce is not this login's")
        return payload

    # --- the account ------------------------------------------------------------------------
    def get_or_create_user(self, access_token, id_token, payload):
        info = self.get_userinfo(access_token, id_token, payload)
        try:
            identity = vneid_claims.identity({**info, **payload})
        except vneid_claims.InvalidClaims as exc:
            raise LoginRefused("invalid_claims", str(exc)) from exc
        user = services.citizen_from_vneid(identity)
        # For the callback view, which records the login and its level.
        self.request.vneid_identity = identity
        return user

    def store_tokens(self, access_token, id_token):
        """Neither token is kept: the login's level and subject are recorded instead."""
