"""``autonomos serve`` as a real process: migrates, listens, serves the auth flow over TCP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from tests.conftest import free_port, stop_process, wait_http


def test_serve_subprocess(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "AUTONOMOS_DATA_DIR": str(tmp_path / "data"), "AUTONOMOS_ARGON2_MEMORY_KIB": "1024",
           "AUTONOMOS_ARGON2_TIME_COST": "1"}
    env.pop("AUTONOMOS_DATABASE_URL", None)
    env.pop("AUTONOMOS_REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "autonomos.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/health", proc, timeout=30)
        with httpx.Client(base_url=base, timeout=10) as c:
            assert c.get("/ready").json()["status"] == "ready"
            r = c.post("/api/v1/auth/register", json={"organization": "Live", "email": "l@live.test",
                                                      "password": "long-enough-pw"})
            assert r.status_code == 201, r.text
            r = c.post("/api/v1/auth/login", data={"username": "l@live.test", "password": "long-enough-pw"})
            token = r.json()["access_token"]
            me = c.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
            assert me["organization"]["name"] == "Live"
            assert "<html" in c.get("/").text.lower()
            assert c.get("/api/v1/nope").headers["content-type"].startswith("application/problem+json")
    finally:
        stop_process(proc, timeout=10)
