"""The committed TypeScript client types (frontend/src/api/schema.d.ts) match the server's OpenAPI.

The console codes against schema.d.ts; a route or shape changed on the server without
regenerating it compiles fine and breaks at run time. This test runs the real generator
(frontend/scripts/gen-api.mjs, openapi-typescript under node) on the schema of an app built as
``autonomos serve`` builds it, into a temporary copy, and compares.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
from pathlib import Path

import msgspec
import pytest

from autonomos.server.app import create_app
from autonomos.server.settings import Settings
from tests.conftest import IN_CI, ROOT

FRONTEND = ROOT / "frontend"
COMMITTED = FRONTEND / "src" / "api" / "schema.d.ts"
REGENERATE = "run ./scripts/gen-api.sh and commit frontend/src/api/schema.d.ts"


def _node() -> str:
    """The node binary, or skip (fail under CI=true) when node or the frontend packages are missing."""
    node = shutil.which("node")
    missing = ("node is not on PATH" if node is None else
               "frontend/node_modules/openapi-typescript is missing (run `npm ci` in frontend/)"
               if not (FRONTEND / "node_modules" / "openapi-typescript").is_dir() else None)
    if missing:
        if IN_CI:
            pytest.fail(f"{missing}; CI must check the generated client")
        pytest.skip(missing)
    return node  # type: ignore[return-value]


def test_committed_client_types_match_the_server_schema(tmp_path: Path, data_dir: Path) -> None:
    node = _node()
    schema = create_app(Settings.from_env()).openapi_schema.to_schema()  # AUTONOMOS_DATA_DIR = data_dir
    # The generator writes ../src/api/schema.d.ts and reads ../../autonomos/server/openapi.json
    # relative to itself: give it a private tree so the working copy is never touched.
    work = tmp_path / "gen"
    (work / "frontend" / "scripts").mkdir(parents=True)
    (work / "frontend" / "src" / "api").mkdir(parents=True)
    (work / "autonomos" / "server").mkdir(parents=True)
    shutil.copy(FRONTEND / "scripts" / "gen-api.mjs", work / "frontend" / "scripts" / "gen-api.mjs")
    (work / "frontend" / "node_modules").symlink_to(FRONTEND / "node_modules", target_is_directory=True)
    (work / "autonomos" / "server" / "openapi.json").write_bytes(msgspec.json.encode(schema))
    env = {k: v for k, v in os.environ.items() if k != "AUTONOMOS_API"}
    r = subprocess.run([node, "scripts/gen-api.mjs"], cwd=work / "frontend", env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, f"gen-api.mjs failed: {r.stdout}\n{r.stderr}"
    generated = (work / "frontend" / "src" / "api" / "schema.d.ts").read_text(encoding="utf-8")
    assert "retryTask" in generated and len(generated) > 10_000  # it really generated the whole client
    committed = COMMITTED.read_text(encoding="utf-8")
    if generated != committed:
        diff = "".join(difflib.unified_diff(committed.splitlines(True), generated.splitlines(True),
                                            "committed schema.d.ts", "generated from the server", n=2))
        pytest.fail(f"frontend/src/api/schema.d.ts is stale; {REGENERATE}.\n{diff[:4000]}")
