"""The API documentation pages (/api/docs/, /api/redoc/) under the site's strict
Content-Security-Policy, from the pinned local copies of drf-spectacular-sidecar: nothing is
loaded from another host (an isolated government network has none to reach).

Swagger UI needs nothing special: drf-spectacular's split view serves its start-up script as a
file, and core/templates/core/api_docs/swagger_ui.html has no inline style.

ReDoc's bundle is served through `redoc_bundle` with two exact substitutions (`REDOC_PATCHES`):
it would load the Redocly logo of its side menu from cdn.redoc.ly (the only third-party resource
it fetches by itself), and it writes its styles into <style> elements, which the policy allows
only with the response's nonce: the bundle takes that nonce from its own <script> element at load
time instead of starting without one. tests/core/test_api_docs.py checks that both substitutions
still apply to the installed bundle; the browser test (tests/core/test_pages_browser.py) that the
page then loads nothing from elsewhere and breaks no rule of the policy.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from csp import constants as csp
from csp.decorators import csp_update
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.views.decorators.http import condition, require_safe
from drf_spectacular.views import SpectacularRedocView

REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# (what the bundle says, what we serve instead, why)
REDOC_PATCHES = [
    (
        '"https://cdn.redoc.ly/redoc/logo-mini.svg"',
        '""',
        "no logo from cdn.redoc.ly: an empty source loads nothing and the menu hides the image",
    ),
    (
        "r.nc=void 0;",
        "r.nc=document.currentScript&&document.currentScript.nonce||void 0;",
        "webpack's style nonce from the bundle's <script nonce> (its run-time <style> elements)",
    ),
]


@functools.cache
def _redoc_bundle() -> tuple[bytes, str]:
    """The patched bundle and its ETag, read once per process."""
    path = finders.find(REDOC_BUNDLE)
    if path is None:
        raise FileNotFoundError(REDOC_BUNDLE)
    text = Path(path).read_text(encoding="utf-8")
    for old, new, _why in REDOC_PATCHES:
        text = text.replace(old, new, 1)
    body = text.encode("utf-8")
    return body, hashlib.sha256(body).hexdigest()[:32]


@require_safe
@condition(etag_func=lambda request: _redoc_bundle()[1])
def redoc_bundle(request):
    body, _etag = _redoc_bundle()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# ReDoc's search runs in a web worker it makes from a blob: allowed on that page only.
redoc_page = csp_update({"worker-src": [csp.SELF, "blob:"]})(
    SpectacularRedocView.as_view(url_name="schema", template_name="core/api_docs/redoc.html")
)
