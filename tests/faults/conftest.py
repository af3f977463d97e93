"""Fault tests (issue 14): the real processes, the real PostgreSQL and Redis, a fault injected
while a run is in progress, then row counts checked exactly.

:func:`production` starts what a deployment runs — ``autonomos worker`` processes on PostgreSQL
+ RedisHuey and the web app (a TestClient) on the same database, Redis and data directory — with
short leases so recovery takes seconds. :func:`big_csv` is a 3,000,000-row CSV (built once per
session by DuckDB), large enough that a run takes a few seconds and a fault lands inside it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb
import pytest
import redis
from litestar.testing import TestClient

from autonomos.core.catalog import TenantCatalog
from autonomos.server.app import create_app
from autonomos.server.settings import DatabaseSettings, HTTPSettings, RedisSettings, Settings
from autonomos.server.tasks.config import TaskSettings
from autonomos.server.tasks.plugin import TasksPlugin
from autonomos.server.tasks.reaper import worker_key
from tests.conftest import free_port, require_service, stop_process
from tests.server.conftest import _truncate_pg, pg_admin_database, pg_database  # noqa: F401  (fixtures)
from tests.server.helpers import Tenant, fast_auth
from tests.server.tasks.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
MACHINE_REDIS = "redis://127.0.0.1:6379/0"
BIG_ROWS = 3_000_000
LEASE = 2.0  # seconds: a killed worker's task is reaped about this long after its last renewal


@pytest.fixture(scope="session")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``orders.csv``: BIG_ROWS rows with a unique ``order_id`` (~170 MB), written by DuckDB."""
    path = tmp_path_factory.mktemp("fault-data") / "orders.csv"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT i AS order_id, 'Customer ' || (i % 5000) AS customer_name,
                             'c' || (i % 5000) || '@example.test' AS email, (i % 997) + 0.25 AS amount,
                             DATE '2024-01-01' + (i % 28)::INT AS created_at
                      FROM range(1, {BIG_ROWS + 1}) t(i)) TO '{path}' (HEADER)""")
    con.close()
    return path


def place_file(data_dir: Path, tenant: Tenant, src: Path, name: str | None = None) -> str:
    """Put ``src`` into the organization's file area (a hard link: 170 MB need not be copied or
    uploaded); the name a ``files`` source config uses."""
    files = TenantCatalog(tenant.org_id, data_dir=data_dir).root / "files"
    files.mkdir(parents=True, exist_ok=True)
    target = files / (name or src.name)
    if target.exists():
        target.unlink()
    try:
        os.link(src, target)
    except OSError:
        import shutil

        shutil.copyfile(src, target)
    return target.name


def connect_file(client: TestClient, tenant: Tenant, source: str, path: str) -> str:
    """POST /dcl/connect with one inline ``files`` source; the task id."""
    r = client.post("/dcl/connect", json={"sources": [{"name": source, "connector": "files", "config": {"path": path}}]},
                    headers=tenant.headers)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def query(client: TestClient, tenant: Tenant, sql: str) -> list[list[Any]]:
    r = client.post("/dcl/query", json={"sql": sql}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def order_counts(client: TestClient, tenant: Tenant, source: str = "shop", table: str = "orders") -> list[Any]:
    """[rows, distinct order ids, smallest id, largest id] of the published source table."""
    return query(client, tenant, f"SELECT count(*), count(DISTINCT order_id), min(order_id), max(order_id) "
                                 f"FROM src_{source}.{table}")[0]


def catalog_runs(data_dir: Path, tenant: Tenant) -> list[dict[str, Any]]:
    """The organization's engine runs (newest first) from its catalog."""
    catalog = TenantCatalog(tenant.org_id, data_dir=data_dir)
    try:
        return catalog.meta.runs()
    finally:
        catalog.close()


def task_row(client: TestClient, tenant: Tenant, task_id: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/tasks/{task_id}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()


def wait_running(client: TestClient, tenant: Tenant, task_id: str, past: float = 0.05,
                 timeout: float = 60) -> dict[str, Any]:
    """Poll until the task is in progress and past ``past`` of its progress (the engine is reading)."""
    def running() -> dict[str, Any] | None:
        row = task_row(client, tenant, task_id)
        assert row["status"] in ("queued", "in_progress"), f"the task ended before the fault: {row}"
        return row if row["status"] == "in_progress" and (row["progress"] or 0) >= past else None

    return wait_for(running, timeout=timeout, interval=0.02)


def wait_done(client: TestClient, tenant: Tenant, task_id: str, timeout: float = 120) -> dict[str, Any]:
    return wait_for(lambda: (t := task_row(client, tenant, task_id))["status"] in ("success", "failed", "cancelled")
                    and t, timeout=timeout, interval=0.1)


@dataclass
class Cluster:
    """A production-mode deployment: worker processes and the web app sharing PostgreSQL, Redis
    and the data directory."""

    client: TestClient
    app: Any
    env: dict[str, str]
    data_dir: Path
    queue: str
    redis_url: str
    log_dir: Path
    workers: list[subprocess.Popen] = field(default_factory=list)
    _logs: list[Any] = field(default_factory=list)

    def start_worker(self, threads: int = 1, wait: bool = True) -> subprocess.Popen:
        """One ``autonomos worker`` process; with ``wait``, returns once its heartbeat is in Redis."""
        log = open(self.log_dir / f"worker-{len(self.workers)}.log", "wb")
        self._logs.append(log)
        proc = subprocess.Popen([sys.executable, "-m", "autonomos.cli", "worker", "--workers", "1",
                                 "--threads", str(threads)], env=self.env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
        self.workers.append(proc)
        if wait:
            client = redis.Redis.from_url(self.redis_url)
            try:
                wait_for(lambda: any(f":{proc.pid}:".encode() in k
                                     for k in client.scan_iter(match=worker_key(self.queue, "*"))), timeout=60,
                         interval=0.1)
            finally:
                client.close()
        return proc

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("worker-*.log")))

    def stop(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                stop_process(proc, timeout=20)
        for log in self._logs:
            log.close()


@contextlib.contextmanager
def production(pg_url: str, data_dir: Path, tmp_path: Path, redis_url: str = MACHINE_REDIS,
               **task_overrides: Any) -> Iterator[Cluster]:
    """A clean production-mode :class:`Cluster` (no worker started yet) on ``redis_url``."""
    _truncate_pg(pg_url)
    queue = f"autonomos-fault-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "AUTONOMOS_DATABASE_URL": pg_url, "AUTONOMOS_REDIS_URL": redis_url,
           "AUTONOMOS_JWT_SECRET": "j" * 48, "AUTONOMOS_SECRET_KEY": "k" * 48, "AUTONOMOS_DATA_DIR": str(data_dir),
           "AUTONOMOS_QUEUE_NAME": queue, "PYTHONPATH": str(ROOT), "AUTONOMOS_TASK_LEASE_SECONDS": str(LEASE),
           "AUTONOMOS_REAPER_INTERVAL": "0.5", "AUTONOMOS_TASK_BACKOFF_BASE": "0.5",
           "AUTONOMOS_TASK_REQUEUE_AFTER": "5", "AUTONOMOS_LOG_LEVEL": "INFO"}
    env.update({k: str(v) for k, v in task_overrides.items()})
    settings = Settings(data_dir=data_dir, db=DatabaseSettings(url=pg_url), redis=RedisSettings(url=redis_url),
                        auth=fast_auth(), http=HTTPSettings(static_dir=tmp_path / "none"))
    task_settings = TaskSettings(queue_name=queue, lease_seconds=LEASE, reaper_interval=0.5, backoff_base=0.5,
                                 requeue_after=5)
    app = create_app(settings, plugins=[TasksPlugin(task_settings)])
    log_dir = tmp_path / "logs"
    log_dir.mkdir(exist_ok=True)
    cluster: Cluster | None = None
    try:
        with TestClient(app) as c:
            cluster = Cluster(client=c, app=app, env=env, data_dir=data_dir, queue=queue, redis_url=redis_url,
                              log_dir=log_dir)
            yield cluster
    finally:
        if cluster is not None:
            cluster.stop()
        with contextlib.suppress(redis.RedisError):
            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(match=f"*{queue}*"):
                client.delete(key)
            client.close()


@pytest.fixture
def cluster(pg_database: str, data_dir: Path, tmp_path: Path) -> Iterator[Cluster]:  # noqa: F811
    """:func:`production` on the machine's PostgreSQL and Redis (required under CI=true)."""
    require_service("PostgreSQL", 5432)
    require_service("Redis", 6379)
    with production(pg_database, data_dir, tmp_path) as c:
        yield c


class RedisServer:
    """A private ``redis-server`` (no persistence) this test may kill and restart on one port:
    the machine's Redis serves other tests."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = open(self.dir / f"redis-{self.starts}.log", "wb")
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)], stdout=log,
                                     stderr=subprocess.STDOUT)
        log.close()
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                assert self.proc is not None and self.proc.poll() is None, "redis-server exited"
                return False

        try:
            wait_for(answers, timeout=20, interval=0.05)
        finally:
            client.close()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def poll(predicate: Callable[[], Any], timeout: float = 60, interval: float = 0.05) -> Any:
    """:func:`wait_for` with the generous default these tests need on a loaded machine."""
    return wait_for(predicate, timeout=timeout, interval=interval)


def pytest_configure(config: pytest.Config) -> None:
    # as tests/server/conftest.py: Litestar 2.x notices about 3.0 styles (the project pins litestar<3)
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:litestar")
    config.addinivalue_line("filterwarnings", "ignore::litestar.utils.deprecation.LitestarDeprecationWarning")
