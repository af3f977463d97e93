"""Fixtures for task tests: short leases, an app with the in-process worker, a runtime without one,
and a local HTTP receiver for callbacks."""

from __future__ import annotations

import http.server

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import pytest
from litestar.testing import TestClient

import tests.server.tasks.kinds  # noqa: F401  (registers the test kinds)
from autonomos.server.app import create_app
from autonomos.server.settings import Settings
from autonomos.server.tasks.config import TaskSettings
from autonomos.server.tasks.huey_app import TaskRuntime
from autonomos.server.tasks.service import install_runtime
from autonomos.server.tasks.plugin import TasksPlugin
from tests.server.helpers import Tenant, new_tenant

FAST = TaskSettings(lease_seconds=1.5, reaper_interval=0.3, requeue_after=1.0, backoff_base=0.4, backoff_max=5,
                    worker_threads=2, poll_max_delay=0.05, webhook_max_attempts=3, webhook_timeout=3,
                    webhook_backoff_base=0.2)


@pytest.fixture
def task_settings() -> TaskSettings:
    return FAST


@pytest.fixture
def tapp(settings: Settings, task_settings: TaskSettings) -> Any:
    """The app with the in-process Huey consumer and fast leases."""
    return create_app(settings, plugins=[TasksPlugin(task_settings)])


@pytest.fixture
def tclient(tapp: Any) -> Iterator[TestClient]:
    with TestClient(tapp) as c:
        yield c


@pytest.fixture
def tenants(tclient: TestClient) -> tuple[Tenant, Tenant]:
    return new_tenant(tclient, "Alpha Corp", "owner@alpha.test"), new_tenant(tclient, "Beta Corp", "owner@beta.test")


@pytest.fixture
def runtime(settings: Settings, task_settings: TaskSettings) -> Iterator[TaskRuntime]:
    """A runtime with no consumer: tests drive claim/execute/reap by hand."""
    from autonomos.server.db.session import Database

    rt = TaskRuntime(settings, task_settings, db=Database(settings.db))
    install_runtime(rt)
    try:
        yield rt
    finally:
        install_runtime(None)
        rt.stop()
        rt.db.dispose()


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@dataclass
class Receiver:
    """A local HTTP server recording requests; ``responses`` scripts the answers (status, headers, body)."""

    url: str
    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    responses: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec: Receiver

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            rec.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body,
                                 "at": time.time()})
            status, headers, out = rec.responses.pop(0) if rec.responses else (200, {}, b"ok")
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    rec = Receiver(url=f"http://127.0.0.1:{port}/hook", port=port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


def task_json(client: TestClient, tenant: Tenant, task_id: Any) -> dict[str, Any]:
    r = client.get(f"/api/v1/tasks/{task_id}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()


def wait_status(client: TestClient, tenant: Tenant, task_id: Any, statuses: tuple[str, ...] = ("success", "failed", "cancelled"),
                timeout: float = 15.0) -> dict[str, Any]:
    return wait_for(lambda: (t := task_json(client, tenant, task_id))["status"] in statuses and t, timeout=timeout)



