"""Schemathesis over the whole OpenAPI schema of a real ``autonomos serve``: zero failures.

Every check runs (``--checks all``: server errors, undocumented statuses and content types,
response schemas, schema-valid requests refused, schema-violating requests accepted, ``Allow``
headers, auth…) in every phase, stateful included, as an admin API key of a fresh organization.
``schemathesis.toml`` (repository root) holds the settings a run needs and says why: the key, a
request timeout, and the operations whose values the schema cannot express (422 after a lookup).

Kept to about a minute with a fixed seed and a few examples per operation. A longer run (about
ten minutes; the server and key set up as docs/api.md "Schemathesis" shows), from the repository root::

    st run http://127.0.0.1:8000/schema/openapi.json --checks all --max-examples 500

The routes that need no credentials are the deliberate public ones below; the schema says so
(``security: [{}]``), which is why ``ignored_auth`` needs no exclusion for them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI, ROOT, free_port, stop_process, wait_http

# Public on purpose: liveness/readiness probes, the ways in (register, login, refresh by cookie,
# logout) and the invitation routes, whose token is the credential.
PUBLIC = {"health", "ready", "register", "login", "refreshToken", "logout", "previewInvitation", "acceptInvitation"}
EXAMPLES = 25  # per operation and phase: about a minute on two cores
SEED = 20261202
PASSWORD = "long-enough-pw"


def _st() -> str:
    st = Path(sys.executable).parent / "st"
    if not st.exists() and not shutil.which("st"):
        if IN_CI:
            pytest.fail("schemathesis is not installed (pip install -e '.[dev]')")
        pytest.skip("schemathesis is not installed (pip install -e '.[dev]')")
    return str(st) if st.exists() else "st"


@pytest.fixture
def server(tmp_path: Path) -> tuple[str, str]:
    """`autonomos serve` (embedded mode, own data dir) and an admin API key of a new organization."""
    port = free_port()
    env = {**os.environ, "AUTONOMOS_DATA_DIR": str(tmp_path / "data"), "AUTONOMOS_ARGON2_MEMORY_KIB": "1024",
           "AUTONOMOS_ARGON2_TIME_COST": "1"}
    env.pop("AUTONOMOS_DATABASE_URL", None)
    env.pop("AUTONOMOS_REDIS_URL", None)
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "autonomos.cli", "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/health", proc, timeout=30, output=lambda: (tmp_path / "serve.log").read_text()[-2000:])
        with httpx.Client(base_url=base, timeout=10) as c:
            r = c.post("/api/v1/auth/register", json={"organization": "Fuzz", "email": "st@fuzz.test",
                                                      "password": PASSWORD})
            assert r.status_code == 201, r.text
            token = c.post("/api/v1/auth/login", data={"username": "st@fuzz.test", "password": PASSWORD}).json()
            r = c.post("/api/v1/api-keys", json={"name": "schemathesis", "scopes": ["read", "write", "admin"]},
                       headers={"Authorization": f"Bearer {token['access_token']}"})
            assert r.status_code == 201, r.text
        yield base, r.json()["key"]
    finally:
        stop_process(proc)
        log.close()


def test_public_operations_are_the_deliberate_ones() -> None:
    from autonomos.server.app import create_app
    from autonomos.server.settings import Settings

    schema = create_app(Settings.from_env()).openapi_schema.to_schema()
    public = {op["operationId"] for item in schema["paths"].values() for op in item.values()
              if op.get("security") == [{}]}
    assert public == PUBLIC


def test_schemathesis_finds_nothing(server: tuple[str, str], tmp_path: Path) -> None:
    st = _st()
    base, key = server
    cmd = [st, "--config-file", str(ROOT / "schemathesis.toml"), "run", f"{base}/schema/openapi.json",
           "--checks", "all", "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "1",
           "--no-color", "--report", "junit", "--report-dir", str(tmp_path / "report")]
    env = {**os.environ, "AUTONOMOS_ST_API_KEY": key}
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"schemathesis found problems (exit {r.returncode}):\n{out[-12000:]}"
    # Every operation of the schema was tested and every generated case passed.
    selected, total = map(int, re.search(r"Selected: (\d+)/(\d+)", out).groups())  # type: ignore[union-attr]
    tested = int(re.search(r"Tested: (\d+)", out).group(1))  # type: ignore[union-attr]
    generated, passed = map(int, re.search(r"(\d+) generated, (\d+) passed", out).groups())  # type: ignore[union-attr]
    assert selected == total == tested and total > 50, out[-3000:]
    assert generated == passed > 0, out[-3000:]
