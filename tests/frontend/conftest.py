"""Browser-test fixtures shared by every console test module: one built console, one real
`autonomos serve` (embedded mode, its own data dir) and one Debian Chromium for the session.

Each module signs in its own organization (``signed_in`` below) so modules do not share state.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from tests.conftest import free_port, stop_process, wait_http

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "console"
PASSWORD = "correct horse battery"
# reserved at first import (this module is imported twice: as pytest's conftest and by name), so
# the server's allow-list names it before the server starts
WEBHOOK_RECEIVER_PORT = int(os.environ.setdefault("AUTONOMOS_TEST_WEBHOOK_PORT", str(free_port())))


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests cannot run under CI=true: {reason}")
    pytest.skip(reason)


def _newer_than_sources(built: Path) -> bool:
    """The build is at least as new as every console source file (else it is stale)."""
    front = ROOT / "frontend"
    sources = [*front.joinpath("src").rglob("*"), front / "package-lock.json", front / "vite.config.ts", front / "index.html"]
    newest = max((p.stat().st_mtime for p in sources if p.is_file()), default=0)
    return built.stat().st_mtime >= newest


@pytest.fixture(scope="session")
def console_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built console: the package's static dir if built, else a fresh build in a temp dir."""
    static = ROOT / "autonomos" / "server" / "static"
    if (static / "index.html").is_file() and (static / "assets").is_dir() and _newer_than_sources(static / "index.html"):
        return static
    if not shutil.which("npm"):
        _missing("npm is not installed, so the console cannot be built")
    out = tmp_path_factory.mktemp("console")
    subprocess.run(["bash", str(ROOT / "scripts" / "build-frontend.sh")], check=True,
                   env={**os.environ, "CONSOLE_OUT_DIR": str(out)}, capture_output=True)
    return out


@pytest.fixture(scope="session")
def server(console_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`autonomos serve` on a free port with its own data dir; yields the base URL."""
    data = tmp_path_factory.mktemp("server-data")
    port = free_port()
    env = {**os.environ, "AUTONOMOS_DATA_DIR": str(data), "AUTONOMOS_STATIC_DIR": str(console_dir),
           # the operator lets callbacks reach exactly the tests' webhook receiver (issue 8, item 2)
           "AUTONOMOS_WEBHOOKS_ALLOWED_TARGETS": f"127.0.0.1:{WEBHOOK_RECEIVER_PORT}"}
    log = open(data / "serve.log", "wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "autonomos"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/health", proc, timeout=30, output=lambda: (data / "serve.log").read_text()[-2000:], interval=0.1)
        yield base
    finally:
        stop_process(proc)
        log.close()


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201 - playwright types are optional
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed")
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()



@pytest.fixture(scope="module")
def signed_in(browser, server: str) -> Iterator[Callable[..., Any]]:  # noqa: ANN001
    """``signed_in(email, org)`` → a desktop page signed in as the owner of a new organization
    (registered through the API, so the cookies land in the page's context). Closed after the module."""
    contexts = []

    def make(email: str, org: str, viewport: dict | None = None):  # noqa: ANN202
        ctx = browser.new_context(viewport=viewport or {"width": 1440, "height": 900}, base_url=server)
        contexts.append(ctx)
        r = ctx.request.post("/api/v1/auth/register", data={"organization": org, "email": email, "password": PASSWORD})
        assert r.status == 201, r.text()
        r = ctx.request.post("/api/v1/auth/login", form={"username": email, "password": PASSWORD})
        assert r.status == 200, r.text()
        pg = ctx.new_page()
        pg.set_default_timeout(20_000)
        return pg

    yield make
    for ctx in contexts:
        ctx.close()
