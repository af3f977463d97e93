"""``autonomos serve`` (embedded mode: the server is the worker, SQLite metadata and queue)
restarted while one connect runs and three more wait in the queue: after the restart every task
runs to ``success`` exactly once — the interrupted one again, its attempt not counted — and each
source holds exactly its file's rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.conftest import free_port, stop_process, wait_http
from tests.faults.conftest import BIG_ROWS, ROOT, catalog_runs, place_file, poll
from tests.server.helpers import Tenant, new_tenant

pytestmark = [pytest.mark.slow]

SMALL_ROWS = {"north": 300, "south": 500, "west": 700}


class Server:
    """One ``autonomos serve`` process on the data directory; :meth:`start` again after a stop."""

    def __init__(self, data: Path, logs: Path):
        self.data, self.logs = data, logs
        self.env = {k: v for k, v in os.environ.items() if k not in ("AUTONOMOS_DATABASE_URL", "AUTONOMOS_REDIS_URL")}
        self.env.update({"AUTONOMOS_DATA_DIR": str(data), "AUTONOMOS_WORKER_THREADS": "1",
                         "AUTONOMOS_REAPER_INTERVAL": "0.5", "AUTONOMOS_TASK_REQUEUE_AFTER": "3",
                         "AUTONOMOS_TASK_SHUTDOWN_GRACE": "5", "AUTONOMOS_STATIC_DIR": str(logs / "none")})
        self.proc: subprocess.Popen | None = None
        self.base = ""
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        port = free_port()
        log_path = self.logs / f"serve-{self.starts}.log"
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "autonomos.cli", "serve", "--host", "127.0.0.1",
                                          "--port", str(port)], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=ROOT)
        self.base = f"http://127.0.0.1:{port}"
        wait_http(self.base + "/health", self.proc, timeout=60, output=lambda: log_path.read_text()[-3000:])

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.logs.glob("serve-*.log")))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "data", tmp_path)
    try:
        yield srv
    finally:
        if srv.proc is not None and srv.proc.poll() is None:
            stop_process(srv.proc, timeout=20)


def task(http: httpx.Client, tenant: Tenant, task_id: str) -> dict[str, Any]:
    r = http.get(f"/api/v1/tasks/{task_id}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()


def connect(http: httpx.Client, tenant: Tenant, source: str, path: str) -> str:
    r = http.post("/dcl/connect", json={"sources": [{"name": source, "connector": "files", "config": {"path": path}}]},
                  headers=tenant.headers)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def test_server_restarted_with_queued_tasks_runs_each_once(server: Server, big_csv: Path, tmp_path: Path) -> None:
    server.start()
    with httpx.Client(base_url=server.base, timeout=30) as http:
        a = new_tenant(http, "Restart Inc", "owner@restartinc.test")  # type: ignore[arg-type]
        place_file(server.data, a, big_csv)
        for name, rows in SMALL_ROWS.items():
            small = tmp_path / f"{name}.csv"
            small.write_text("order_id,customer_name,email,amount,created_at\n" + "".join(
                f"{i},{name} {i},{name}{i}@example.test,{i}.5,2024-03-01\n" for i in range(1, rows + 1)))
            place_file(server.data, a, small)
        running = connect(http, a, "shop", big_csv.name)
        queued = {name: connect(http, a, name, f"{name}.csv") for name in SMALL_ROWS}
        poll(lambda: (t := task(http, a, running))["status"] == "in_progress" and t["progress"] >= 0.05
             or (t["status"] not in ("queued", "in_progress") and pytest.fail(f"ended before the restart: {t}")),
             timeout=60, interval=0.02)
        assert {n: task(http, a, t)["status"] for n, t in queued.items()} == dict.fromkeys(SMALL_ROWS, "queued")
    assert server.proc is not None
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=30)
    server.start()  # same data directory: the same metadata, queue file and signing secret
    restarted = time.monotonic()
    with httpx.Client(base_url=server.base, timeout=30) as http:
        ids = {"shop": running, **queued}
        done = poll(lambda: (rows := {n: task(http, a, t) for n, t in ids.items()})
                    and all(r["status"] in ("success", "failed", "cancelled") for r in rows.values()) and rows,
                    timeout=180, interval=0.2)
        print(f"after the restart all {len(done)} tasks ended in {time.monotonic() - restarted:.1f} s: "
              f"{ {n: (r['status'], r['attempts']) for n, r in done.items()} }")
        assert {n: (r["status"], r["attempts"]) for n, r in done.items()} == \
            dict.fromkeys(ids, ("success", 1)), server.output()
        expected = {"shop": BIG_ROWS, **SMALL_ROWS}
        for name, rows in expected.items():
            table = "orders" if name == "shop" else name
            r = http.post("/dcl/query", json={"sql": f"SELECT count(*), count(DISTINCT order_id) FROM src_{name}.{table}"},
                          headers=a.headers)
            assert r.status_code == 200 and r.json()["rows"] == [[rows, rows]], (name, r.text)
    statuses = [r["status"] for r in catalog_runs(server.data, a)]
    assert statuses.count("success") == 4, statuses  # one successful run per task: none ran twice
    assert len(statuses) == 5, statuses  # and the run the restart interrupted, recorded as not successful
