"""Running the ``autonomos`` command line as a person would, for the tests that need it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any


def cli(*args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """``autonomos ARGS`` in a child process (a wide terminal, ``env`` added to this one's)."""
    return subprocess.run([sys.executable, "-m", "autonomos.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200", **(env or {})}, input=input, timeout=600)


def cli_query(sql: str, env: dict | None = None) -> list[dict[str, Any]]:
    """The rows of ``autonomos query SQL --json``; the command must succeed."""
    proc = cli("query", sql, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
