"""Production mode: `autonomos worker` processes with RedisHuey + PostgreSQL. A worker killed with
SIGKILL mid-task loses nothing: another worker's reaper re-queues it and it finishes once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis
from litestar.testing import TestClient

from autonomos.server.app import create_app
from autonomos.server.settings import DatabaseSettings, HTTPSettings, RedisSettings, Settings
from autonomos.server.tasks.config import TaskSettings
from autonomos.server.tasks.plugin import TasksPlugin
from autonomos.server.tasks.reaper import worker_key
from autonomos.server.tasks.service import create_and_enqueue
from tests.conftest import require_service, stop_process
from tests.server.conftest import _truncate_pg
from tests.server.helpers import fast_auth, new_tenant
from tests.server.tasks.conftest import task_json, wait_for, wait_status

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def prod(pg_database: str, data_dir: Path, tmp_path: Path) -> Iterator[dict[str, Any]]:
    require_service("Redis", 6379)
    _truncate_pg(pg_database)
    queue = f"autonomos-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "AUTONOMOS_DATABASE_URL": pg_database, "AUTONOMOS_REDIS_URL": REDIS_URL,
           "AUTONOMOS_JWT_SECRET": "j" * 48, "AUTONOMOS_SECRET_KEY": "k" * 48, "AUTONOMOS_DATA_DIR": str(data_dir),
           "AUTONOMOS_QUEUE_NAME": queue, "AUTONOMOS_TASK_MODULES": "tests.server.tasks.kinds",
           "PYTHONPATH": str(ROOT), "AUTONOMOS_TASK_LEASE_SECONDS": "2", "AUTONOMOS_REAPER_INTERVAL": "0.5",
           "AUTONOMOS_TASK_BACKOFF_BASE": "0.5", "AUTONOMOS_TASK_REQUEUE_AFTER": "10",
           "AUTONOMOS_LOG_LEVEL": "WARNING"}
    log = open(tmp_path / "workers.log", "wb")
    workers = subprocess.Popen([sys.executable, "-m", "autonomos.cli", "worker", "--workers", "2", "--threads", "1"],
                               env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    settings = Settings(data_dir=data_dir, db=DatabaseSettings(url=pg_database), redis=RedisSettings(url=REDIS_URL),
                        auth=fast_auth(), http=HTTPSettings(static_dir=tmp_path / "none"))
    task_settings = TaskSettings(queue_name=queue, lease_seconds=2, reaper_interval=0.5, backoff_base=0.5,
                                 requeue_after=10)
    app = create_app(settings, plugins=[TasksPlugin(task_settings)])
    client = redis.Redis.from_url(REDIS_URL)
    try:
        with TestClient(app) as c:
            wait_for(lambda: len(list(client.scan_iter(match=worker_key(queue, "*")))) == 2, timeout=30)
            yield {"client": c, "app": app, "workers": workers, "queue": queue, "log": tmp_path / "workers.log"}
    finally:
        stop_process(workers, timeout=20)
        log.close()
        for key in client.scan_iter(match=f"huey*{queue}*"):
            client.delete(key)
        client.close()


def test_worker_killed_mid_task_loses_nothing(prod: dict[str, Any], tmp_path: Path) -> None:
    c, app = prod["client"], prod["app"]
    assert app.state.task_runtime.mode == "production" and app.state.task_runtime.consumer is None
    ready = c.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["worker"]["detail"] == "2 live worker(s)", ready.text
    a = new_tenant(c, "Alpha Corp", "owner@alpha.test")
    # enqueue → claim latency through Redis
    timings = []
    for i in range(5):
        with app.state.db.session(a.org_id) as s:
            start = time.perf_counter()
            task = create_and_enqueue(s, a.org_id, "test.echo", {"value": i})
        wait_for(lambda: task_json(c, a, task.id)["status"] != "queued", interval=0.005)
        timings.append(time.perf_counter() - start)
        assert wait_status(c, a, task.id)["status"] == "success"
    print(f"production enqueue→claim: median {sorted(timings)[2] * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms")

    out = tmp_path / "effects"
    out.mkdir()
    with app.state.db.session(a.org_id) as s:
        task = create_and_enqueue(s, a.org_id, "test.sleep", {"dir": str(out), "seconds": 3})
    started = out / f"{task.id}.started"
    wait_for(lambda: started.exists() and started.read_text().strip(), timeout=15)
    attempt, pid = map(int, started.read_text().split())
    assert attempt == 1 and pid != prod["workers"].pid
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    done = wait_status(c, a, task.id, timeout=30)
    recovery = time.monotonic() - killed_at
    print(f"SIGKILL → task success after the reaper: {recovery:.1f} s (lease 2 s, sleep 3 s)")
    assert done["status"] == "success" and done["attempts"] == 2, done
    lines = started.read_text().split("\n")
    assert [int(x.split()[0]) for x in lines if x] == [1, 2]
    assert int(lines[1].split()[1]) != pid  # the surviving worker ran it
    assert (out / f"{task.id}.done").read_text().count("\n") == 1  # the side effect happened once
    assert done["result"]["attempt"] == 2


def test_connect_demo_end_to_end_in_production_mode(prod: dict[str, Any]) -> None:
    """The issue's 'done means' in production mode: register → login → POST /dcl/connect (demo)
    → the task succeeds on a separate `autonomos worker` (RedisHuey, PostgreSQL) → /dcl/state
    shows layers 0-3 with both edge types; another tenant sees none of it."""
    c = prod["client"]
    a = new_tenant(c, "Prod Demo", "owner@proddemo.test")
    b = new_tenant(c, "Other Org", "owner@other.test")
    r = c.post("/dcl/connect", json={"demo": True}, headers=a.headers)
    assert r.status_code == 202, r.text
    task = wait_status(c, a, r.json()["id"], timeout=120)
    assert task["status"] == "success", task
    state = c.get("/dcl/state", headers=a.headers).json()
    assert {n["layer"] for n in state["graph"]["nodes"]} == {0, 1, 2, 3}
    assert {e["type"] for e in state["graph"]["edges"]} == {"hierarchy", "dataflow"}
    assert state["summary"]["sources"] == 6 and state["summary"]["agents"] == 2
    other = c.get("/dcl/state", headers=b.headers).json()
    assert other["graph"]["nodes"] == [] and other["summary"]["rows"] == 0
    assert c.get(f"/api/v1/tasks/{task['id']}", headers=b.headers).status_code == 404


def test_sigterm_stops_workers_running_a_duckdb_statement(prod: dict[str, Any], tmp_path: Path) -> None:
    """Issue 8, item 5: `autonomos worker` with a task deep in one DuckDB statement exits on SIGTERM
    within the shutdown grace (Huey alone waits for the task), and the task goes back to queued,
    the attempt not counted, for the next worker."""
    c, app = prod["client"], prod["app"]
    a = new_tenant(c, "Alpha Corp", "owner@alpha.test")
    out = tmp_path / "effects"
    out.mkdir()
    with app.state.db.session(a.org_id) as s:
        task = create_and_enqueue(s, a.org_id, "test.duckdb_spin", {"dir": str(out)})
    wait_for(lambda: (out / f"{task.id}.started").exists(), timeout=15)
    time.sleep(0.3)
    workers = prod["workers"]
    workers.send_signal(signal.SIGTERM)
    start = time.monotonic()
    workers.wait(timeout=30)
    took = time.monotonic() - start
    print(f"SIGTERM → `autonomos worker` exited in {took:.2f} s with a task in DuckDB")
    assert took < 10, prod["log"].read_text()[-3000:]
    row = task_json(c, a, task.id)
    assert row["status"] == "queued" and row["attempts"] == 0 and "interrupted" in row["error"], \
        (row, prod["log"].read_text()[-3000:])


def test_sigterm_requeues_a_task_that_ignores_its_stop_switch(prod: dict[str, Any], tmp_path: Path) -> None:
    """A kind that never checks its guard keeps its thread past the shutdown grace: the worker puts
    the row back to queued itself before it exits, so the next worker need not wait for the lease."""
    c, app = prod["client"], prod["app"]
    a = new_tenant(c, "Alpha Corp", "owner@alpha.test")
    out = tmp_path / "effects"
    out.mkdir()
    with app.state.db.session(a.org_id) as s:
        task = create_and_enqueue(s, a.org_id, "test.stubborn", {"dir": str(out), "seconds": 60})
    wait_for(lambda: (out / f"{task.id}.started").exists(), timeout=15)
    prod["workers"].send_signal(signal.SIGTERM)
    start = time.monotonic()
    prod["workers"].wait(timeout=30)
    took = time.monotonic() - start
    print(f"SIGTERM → a worker with a stubborn task exited in {took:.2f} s (grace 5 s)")
    assert 4.5 < took < 10, prod["log"].read_text()[-3000:]
    row = task_json(c, a, task.id)
    assert row["status"] == "queued" and row["attempts"] == 0 and "interrupted" in row["error"], \
        (row, prod["log"].read_text()[-3000:])
