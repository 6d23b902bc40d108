"""The vendored htmx file is the pinned one, and pages load it with its integrity hash."""

from __future__ import annotations

import base64
import hashlib

import pytest

from component.web import assets
from tests.web.conftest import Web


def test_the_vendored_htmx_matches_its_pinned_checksum() -> None:
    data = (assets.STATIC_DIR / assets.HTMX_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == assets.HTMX_SHA256
    assert b'version:"2.0.11"' in data


def test_only_the_pinned_htmx_is_vendored() -> None:
    scripts = sorted(p.name for p in assets.STATIC_DIR.glob("*.js"))
    assert scripts == [assets.HTMX_FILE]


@pytest.mark.anyio
async def test_pages_load_htmx_with_its_integrity_and_serve_it(web: Web) -> None:
    page = await web.client.get("/login")
    digest = base64.b64encode(bytes.fromhex(assets.HTMX_SHA256)).decode()
    assert f'src="/static/{assets.HTMX_FILE}" integrity="sha256-{digest}"' in page.text
    served = await web.client.get(f"/static/{assets.HTMX_FILE}")
    assert served.status_code == 200
    assert hashlib.sha256(served.content).hexdigest() == assets.HTMX_SHA256
    css = await web.client.get("/static/app.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]
