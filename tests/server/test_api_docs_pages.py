"""Where /schema/swagger and /schema/redoc load their files from (issue 13, item 5), without a browser.

Built (``<static dir>/api-docs/`` has the files): the pages name only ``/schema/assets/…``, which
answer without auth, and carry a same-origin CSP. Not built: Litestar's CDN URLs, no CSP. The
real files in Chromium with the network blocked: tests/frontend/test_api_docs.py.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from litestar.testing import TestClient

from autonomos.server import api_docs
from autonomos.server.app import create_app
from autonomos.server.settings import Settings


def _refs(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.split("<body", 1)[0])


def _client(settings: Settings, static: Path) -> TestClient:
    return TestClient(create_app(replace(settings, http=replace(settings.http, static_dir=static))))


@pytest.fixture
def fake_build(tmp_path: Path) -> Path:
    static = tmp_path / "static"
    (static / api_docs.DIR_NAME).mkdir(parents=True)
    for name in api_docs.FILES:
        (static / api_docs.DIR_NAME / name).write_bytes(b"/* " + name.encode() + b" */")
    return static


def test_built_pages_load_only_local_files(settings: Settings, fake_build: Path) -> None:
    with _client(settings, fake_build) as client:
        for path in ("/schema/swagger", "/schema/redoc"):
            r = client.get(path)
            assert r.status_code == 200
            assert r.headers["content-security-policy"] == api_docs.CSP
            assert all(ref.startswith(api_docs.ASSETS_PATH + "/") for ref in _refs(r.text)), _refs(r.text)
            assert "fonts.googleapis.com" not in r.text
        assert api_docs.url(api_docs.SWAGGER_JS) in client.get("/schema/swagger").text
        assert api_docs.url(api_docs.REDOC_JS) in client.get("/schema/redoc").text

        client.cookies.clear()  # the files need no auth, like the schema
        r = client.get(api_docs.url(api_docs.SWAGGER_CSS))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
        assert r.text == "/* swagger-ui.css */"
        assert "javascript" in client.get(api_docs.url(api_docs.REDOC_JS)).headers["content-type"]
        assert client.get(api_docs.url(api_docs.FAVICON)).headers["content-type"] == "image/png"
        missing = client.get(api_docs.url("nope.js"))
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
        assert client.get("/schema/openapi.json").json()["info"]["title"] == "AutonomOS API"
        assert not any(p.startswith("/schema") for p in client.get("/schema/openapi.json").json()["paths"])


def test_without_a_build_the_pages_use_the_cdn(settings: Settings, tmp_path: Path) -> None:
    with _client(settings, tmp_path / "no-static") as client:
        r = client.get("/schema/swagger")
        assert r.status_code == 200 and "content-security-policy" not in r.headers
        assert any(ref.startswith("https://cdn.jsdelivr.net/") for ref in _refs(r.text))
        assert client.get(api_docs.url(api_docs.SWAGGER_JS)).status_code == 404
