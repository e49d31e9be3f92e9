"""The citizens' VNeID login: an OpenID Connect client (mozilla-django-oidc; authorization code
with PKCE S256, state and nonce) whose ID tokens are verified with PyJWT (RS256 signature from
the provider's JWKS, issuer, audience, expiry with a bounded leeway). docs/accounts.md, "VNeID".

- provider.py: the provider's configuration (discovery), its keys, and the back-channel calls
  (HTTP, or in-process to the mock of integrations/mockvneid in the embedded default);
- claims.py: the claims VNeID gives, read into an `accounts.services.VneidIdentity`;
- backend.py: the authentication backend (code exchange, ID token checks, the citizen account);
- views.py: start, callback, the page that hands the app its one-time ticket, failures.
"""
