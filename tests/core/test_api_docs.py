"""The API documentation pages from local, pinned files under the strict CSP (core/api_docs.py):
no third-party host named, no inline script or style, ReDoc's bundle patched as documented."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from core import api_docs

EXTERNAL = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")


def _policy(response) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return dict(parts)


def test_the_patches_apply_to_the_installed_redoc_bundle():
    """A new drf-spectacular-sidecar whose bundle no longer has these strings must be looked at
    (the browser test would then find the third-party logo or blocked styles)."""
    text = Path(finders.find(api_docs.REDOC_BUNDLE)).read_text(encoding="utf-8")
    for old, _new, why in api_docs.REDOC_PATCHES:
        assert text.count(old) == 1, why
    served, _etag = api_docs._redoc_bundle()
    assert b"cdn.redoc.ly" not in served
    assert b"r.nc=document.currentScript&&document.currentScript.nonce" in served


def test_the_redoc_bundle_is_served_patched_and_cacheable(client):
    response = client.get("/api/redoc/redoc.standalone.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"cdn.redoc.ly" not in response.content
    again = client.get("/api/redoc/redoc.standalone.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert client.post("/api/redoc/redoc.standalone.js").status_code == 405


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_pages_name_no_other_host_and_have_nothing_inline(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL.search(html), html
    assert not INLINE_SCRIPT.search(html), html
    assert "<style" not in html
    assert "/static/drf_spectacular_sidecar/" in html or "redoc.standalone.js" in html


def test_swagger_ui_starts_from_a_script_file_without_the_validator(client):
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert 'src="/api/docs/?script="' in html
    script = client.get("/api/docs/", {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert '"validatorUrl": null' in script.content.decode()
    assert _policy(client.get("/api/docs/"))["style-src"] == "'self'"


def test_redoc_gets_a_nonce_for_its_styles_and_blob_workers(client):
    response = client.get("/api/redoc/")
    policy = _policy(response)
    nonce = re.search(r"'nonce-([^']+)'", policy["style-src"]).group(1)
    assert policy["style-src"] == f"'self' 'nonce-{nonce}'"
    assert policy["script-src"] == "'self'"
    assert policy["worker-src"] == "'self' blob:"
    assert f'nonce="{nonce}"' in response.content.decode()
    # Another response, another nonce; other pages get none.
    assert nonce not in client.get("/api/redoc/")["Content-Security-Policy"]
    assert "nonce" not in client.get("/tra-cuu/")["Content-Security-Policy"]
