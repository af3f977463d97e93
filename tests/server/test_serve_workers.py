"""``autonomos serve --workers 2`` in embedded mode: both processes answer, exactly one runs the
in-process task consumer (one worker heartbeat), tasks still complete."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.conftest import free_port, stop_process, wait_http


def test_two_embedded_workers_one_consumer(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "AUTONOMOS_DATA_DIR": str(tmp_path / "data"), "AUTONOMOS_ARGON2_MEMORY_KIB": "1024",
           "AUTONOMOS_ARGON2_TIME_COST": "1"}
    env.pop("AUTONOMOS_DATABASE_URL", None)
    env.pop("AUTONOMOS_REDIS_URL", None)
    env.pop("AUTONOMOS_EMBEDDED_WORKER", None)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "autonomos.cli", "serve", "--port", str(port), "--workers", "2"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/ready", proc, timeout=60, output=log.read_text, interval=0.3)
        time.sleep(1)  # both workers are up (the second may start a moment later)
        # fresh connections are spread over both processes; every one sees a single consumer
        for _ in range(10):
            detail = httpx.get(f"{base}/ready", timeout=5).json()["checks"]["worker"]["detail"]
            assert detail.startswith("1 live worker"), detail
        with httpx.Client(base_url=base, timeout=20) as c:
            r = c.post("/api/v1/auth/register", json={"organization": "Two", "email": "t@two.test",
                                                      "password": "long-enough-pw"})
            assert r.status_code == 201, r.text
            token = c.post("/api/v1/auth/login", data={"username": "t@two.test", "password": "long-enough-pw"}
                           ).json()["access_token"]
        h = {"Authorization": f"Bearer {token}"}
        task = httpx.post(f"{base}/dcl/connect", json={"demo": True}, headers=h, timeout=20).json()
        deadline = time.monotonic() + 90
        while True:
            # new connection each time: reads hit both processes
            status = httpx.get(f"{base}/api/v1/tasks/{task['id']}", headers=h, timeout=10).json()["status"]
            if status in ("success", "failed", "cancelled"):
                break
            assert time.monotonic() < deadline, f"task still {status}: {log.read_text()}"
            time.sleep(0.2)
        assert status == "success"
        nodes = httpx.get(f"{base}/dcl/state", headers=h, timeout=10).json()["graph"]["nodes"]
        assert any(n["layer"] == 2 for n in nodes)
    finally:
        stop_process(proc, timeout=20)
