"""End to end in embedded mode: a real ``/dcl/connect`` run on the in-process Huey consumer
streams its engine events and task updates to the tenant's socket, and only to it."""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

import pytest
from litestar.testing import TestClient

from autonomos.server.app import create_app
from autonomos.server.settings import Settings
from autonomos.server.tasks.config import TaskSettings
from autonomos.server.tasks.plugin import TasksPlugin
from tests.server.events.conftest import recv_none
from tests.server.helpers import new_tenant

FAST = TaskSettings(lease_seconds=5, reaper_interval=0.5, worker_threads=2, poll_max_delay=0.05)


@pytest.fixture
def tclient(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, plugins=[TasksPlugin(FAST)])) as c:
        yield c


def test_connect_run_streams_events_and_task_updates(tclient: TestClient) -> None:
    a, b = new_tenant(tclient, "Alpha", "o@alpha.test"), new_tenant(tclient, "Beta", "o@beta.test")
    with tclient.websocket_connect("/ws/events?since=0", headers=a.headers) as wa, \
            tclient.websocket_connect("/ws/events?since=0", headers=b.headers) as wb:
        r = tclient.post("/dcl/connect", json={"sources": ["demo"]}, headers=a.headers)
        assert r.status_code == 202, r.text
        task_id = r.json()["id"]
        events: list[dict[str, Any]] = []
        statuses: list[str] = []
        deadline = time.monotonic() + 120
        while "success" not in statuses or not any(e["type"] == "run_finished" for e in events):
            assert time.monotonic() < deadline, (statuses, [e["type"] for e in events][-5:])
            body = json.loads(wa.receive_text(timeout=60))
            if body["type"] == "task":
                assert body["task"]["id"] == task_id
                statuses.append(body["task"]["status"])
                assert statuses[-1] != "failed", body
            elif "id" in body:
                events.append(body)
        types = [e["type"] for e in events]
        assert types[0] == "run_started" and "new_source" in types and "views_published" in types
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))
        assert statuses[0] == "in_progress" and statuses[-1] == "success"
        recv_none(wb, 0.5)
