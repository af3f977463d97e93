"""Swagger UI and ReDoc work offline (issue 13, item 5): real server, Debian Chromium with every
request to another origin aborted.

`/schema/swagger` lists the operations and `/schema/redoc` renders the reference, both titled
"AutonomOS API", while every request the pages make goes to the server itself; the files they
load (`/schema/assets/…`, copied from npm's swagger-ui-dist and redoc by
scripts/build-frontend.sh) answer 200 with their content types and without auth.

Screenshots: test-artifacts/console/api-docs-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from tests.frontend.conftest import ARTIFACTS, _missing

from autonomos.server import api_docs

pytestmark = pytest.mark.slow

ASSETS = {
    api_docs.SWAGGER_CSS: "text/css",
    api_docs.SWAGGER_JS: "javascript",
    api_docs.SWAGGER_PRESET_JS: "javascript",
    api_docs.REDOC_JS: "javascript",
    api_docs.FAVICON: "image/png",
}


@pytest.fixture(scope="module")
def built_docs(console_dir: Path) -> Path:
    """The server's static dir has the API docs' files (a build from before they were copied has not)."""
    if not api_docs.built(console_dir):
        _missing(f"{console_dir / api_docs.DIR_NAME} lacks the API docs' files; run scripts/build-frontend.sh")
    return console_dir


@pytest.fixture
def offline(browser, server: str, built_docs: Path) -> Iterator[tuple]:  # noqa: ANN001
    """A page whose requests leave the server's origin only to be aborted; yields the page, the
    URLs it requested and the script errors it raised."""
    origin = urlsplit(server)._replace(path="", query="", fragment="").geturl()
    requested: list[str] = []
    errors: list[str] = []
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server)

    def gate(route) -> None:  # noqa: ANN001
        requested.append(route.request.url)
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    ctx.route("**/*", gate)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield page, requested, errors, origin
    finally:
        ctx.close()


def _left_origin(requested: list[str], origin: str) -> list[str]:
    return [u for u in requested if not u.startswith(origin + "/")]


def test_assets_are_served_with_their_types_and_without_auth(server: str, built_docs: Path) -> None:
    with httpx.Client(base_url=server, timeout=30) as http:  # no cookies, no key
        for name, media in ASSETS.items():
            r = http.get(api_docs.url(name))
            assert r.status_code == 200, (name, r.status_code, r.text[:200])
            assert media in r.headers["content-type"], (name, r.headers["content-type"])
            assert r.content == (built_docs / api_docs.DIR_NAME / name).read_bytes()
            assert r.headers["cache-control"] == "max-age=3600, public"
            assert http.head(api_docs.url(name)).status_code == 200
        assert http.get(api_docs.url("missing.js")).status_code == 404
        assert http.get(api_docs.ASSETS_PATH + "/%2e%2e/index.html").status_code == 404

        # the pages name only those files: no CDN, no Google Fonts
        for page, names in (("/schema/swagger", [api_docs.SWAGGER_CSS, api_docs.SWAGGER_JS, api_docs.SWAGGER_PRESET_JS]),
                            ("/schema/redoc", [api_docs.REDOC_JS])):
            html = http.get(page).text
            refs = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
            assert sorted(refs) == sorted([api_docs.url(n) for n in names] + [api_docs.url(api_docs.FAVICON)]), refs
            assert "https://" not in html.split("<body", 1)[0]
            assert http.get(page).headers["content-security-policy"] == api_docs.CSP


def test_swagger_renders_offline(offline) -> None:  # noqa: ANN001
    page, requested, errors, origin = offline
    page.goto("/schema/swagger")
    page.locator(".opblock").first.wait_for()
    assert page.title() == "AutonomOS API"
    assert "AutonomOS API" in page.locator(".info .title").inner_text()
    assert page.locator(".opblock").count() > 20  # every operation, e.g. login:
    assert page.locator(".opblock-summary-path[data-path='/api/v1/auth/login']").count() == 1
    page.screenshot(path=str(ARTIFACTS / "api-docs-swagger.png"))
    # "Try it out" calls the server under the page's CSP
    health = page.locator("#operations-operations-health")
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    health.locator(".live-responses-table tbody .response-col_status").first.wait_for()
    assert health.locator(".live-responses-table tbody .response-col_status").first.inner_text().strip() == "200"
    assert any(u.endswith(api_docs.url(api_docs.SWAGGER_JS)) for u in requested)
    assert _left_origin(requested, origin) == []
    assert errors == []


def test_redoc_renders_offline(offline) -> None:  # noqa: ANN001
    page, requested, errors, origin = offline
    page.goto("/schema/redoc")
    page.locator(".api-content").wait_for()
    assert page.title() == "AutonomOS API"
    assert "AutonomOS API" in page.locator(".api-content h1").first.inner_text()
    # the operations are listed in the side menu and rendered in the content
    page.locator("[role=menuitem]").first.wait_for()
    assert page.locator(".api-content h2").count() > 20
    page.screenshot(path=str(ARTIFACTS / "api-docs-redoc.png"))
    # the search runs in ReDoc's worker (a blob: script the CSP allows)
    page.get_by_placeholder("Search...").fill("login")
    page.locator("[data-role='search:results'] [role=menuitem]").first.wait_for()
    assert any(u.endswith(api_docs.url(api_docs.REDOC_JS)) for u in requested)
    assert _left_origin(requested, origin) == []
    # ReDoc always shows Redocly's logo from its CDN; the CSP stops the browser from fetching it
    # (ReDoc then hides the image), and nothing else fails
    logo = [e for e in errors if "https://cdn.redoc.ly/redoc/logo-mini.svg" in e and "Content Security Policy" in e]
    assert len(logo) == 1 and page.locator("img[alt='redocly logo']").count() == 0
    assert [e for e in errors if e not in logo] == []
