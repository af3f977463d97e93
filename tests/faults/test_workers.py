"""Faults in production mode while a real ``dcl.connect`` of a 3,000,000-row CSV runs on an
``autonomos worker``: the worker SIGKILLed, and every PostgreSQL connection of the database
terminated. Each time the task ends ``success`` once, the published table holds exactly the CSV's
rows (each order id once), and the catalog records one successful run."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from autonomos.server.tasks.models import Task

from tests.faults.conftest import (BIG_ROWS, Cluster, catalog_runs, connect_file, order_counts, place_file, poll,
                                   task_row, wait_done, wait_running)
from tests.server.helpers import Tenant, new_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_worker_sigkilled_mid_run_the_task_completes_once(cluster: Cluster, big_csv: Path) -> None:
    c = cluster.client
    a = new_tenant(c, "Kill Corp", "owner@kill.test")
    b = new_tenant(c, "Bystander", "owner@bystander.test")
    first = cluster.start_worker()
    task_id = connect_file(c, a, "shop", place_file(cluster.data_dir, a, big_csv))
    wait_running(c, a, task_id)
    assert f":{first.pid}:" in lease_owner(cluster, task_id)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()
    assert task_row(c, a, task_id)["status"] == "in_progress"  # nobody knows yet: the lease runs out
    second = cluster.start_worker()
    done = wait_done(c, a, task_id, timeout=150)
    print(f"SIGKILL mid-run → success on a new worker after {time.monotonic() - killed_at:.1f} s "
          f"(lease {cluster.env['AUTONOMOS_TASK_LEASE_SECONDS']} s, the dead writer's Redis lock up to 30 s)")
    assert done["status"] == "success" and done["attempts"] == 2, (done, cluster.logs())
    assert second.poll() is None
    assert order_counts(c, a) == [BIG_ROWS, BIG_ROWS, 1, BIG_ROWS]
    runs = catalog_runs(cluster.data_dir, a)
    assert [r["status"] for r in runs].count("success") == 1, runs  # the killed run never claimed success
    assert [r["id"] for r in runs if r["status"] == "success"] == [done["result"]["run_id"]]
    # the bystander organization sees none of it: it has nothing published
    r = c.post("/dcl/query", json={"sql": "SELECT count(*) FROM src_shop.orders"}, headers=b.headers)
    assert r.status_code == 409 and "nothing published" in r.json()["detail"], r.text
    assert c.get(f"/api/v1/tasks/{task_id}", headers=b.headers).status_code == 404


def test_postgres_connections_terminated_mid_run_the_task_still_succeeds(cluster: Cluster, big_csv: Path,
                                                                        pg_admin_database: str) -> None:
    """``pg_terminate_backend`` of every connection to the test database (the web app's, the
    worker's lease thread's, its consumer's), twice while the engine runs: the pools reconnect and
    the task ends ``success`` on its first attempt or a retry; counts exact."""
    c = cluster.client
    a = new_tenant(c, "Drop Corp", "owner@drop.test")
    cluster.start_worker(threads=2)
    task_id = connect_file(c, a, "shop", place_file(cluster.data_dir, a, big_csv))
    wait_running(c, a, task_id)
    admin = create_engine(pg_admin_database, isolation_level="AUTOCOMMIT")
    database = pg_admin_database.rsplit("/", 1)[1]
    terminated = []
    try:
        for _ in range(2):
            with admin.connect() as con:
                terminated.append(con.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database}).scalar())
            time.sleep(0.5)
    finally:
        admin.dispose()
    print(f"terminated {terminated} PostgreSQL backends mid-run")
    assert terminated[0] >= 1
    done = poll(lambda: (t := _task_or_none(cluster, a, task_id)) and t["status"] in ("success", "failed") and t,
                timeout=150, interval=0.2)
    assert done["status"] == "success", (done, cluster.logs())
    assert order_counts(c, a) == [BIG_ROWS, BIG_ROWS, 1, BIG_ROWS]
    runs = catalog_runs(cluster.data_dir, a)
    assert [r["status"] for r in runs].count("success") == 1, runs
    print(f"after the drop: attempts {done['attempts']}, runs {[r['status'] for r in runs]}")


def lease_owner(cluster: Cluster, task_id: str) -> str:
    """The worker id (``host:pid:random``) holding the task's lease, read from its row."""
    with cluster.app.state.db.system_session() as s:
        return s.scalar(select(Task.lease_owner).where(Task.id == uuid.UUID(task_id))) or ""


def _task_or_none(cluster: Cluster, tenant: Tenant, task_id: str) -> dict[str, Any] | None:
    """The task row, or None while the web app's own pool is still reconnecting (a 5xx there is
    the fault itself, not what the test proves; the task's outcome is)."""
    r = cluster.client.get(f"/api/v1/tasks/{task_id}", headers=tenant.headers)
    return r.json() if r.status_code == 200 else None
