"""The task API with the real in-process Huey consumer (SqliteHuey file, consumer threads)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import update

from autonomos.server.db.base import utcnow
from autonomos.server.tasks.models import Task
from autonomos.server.tasks.service import create_and_enqueue, create_task
from tests.server.helpers import Tenant, add_member
from tests.server.tasks.conftest import task_json, wait_for, wait_status


def test_embedded_consumer_runs_a_task_end_to_end(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    timings = []
    for i in range(5):
        with tapp.state.db.session(a.org_id) as s:
            start = time.perf_counter()
            task = create_and_enqueue(s, a.org_id, "test.echo", {"value": i})
        wait_for(lambda: task_json(tclient, a, task.id)["status"] != "queued", interval=0.005)
        timings.append(time.perf_counter() - start)
        done = wait_status(tclient, a, task.id)
        assert done["status"] == "success" and done["result"]["echo"] == i and done["attempts"] == 1
    print(f"embedded enqueue→claim: median {sorted(timings)[2] * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms")
    assert tapp.state.task_runtime.consumer is not None
    # B sees none of it
    assert tclient.get(f"/api/v1/tasks/{task.id}", headers=b.headers).status_code == 404
    assert tclient.post(f"/api/v1/tasks/{task.id}/cancel", headers=b.headers).status_code == 404
    assert tclient.get("/api/v1/tasks", headers=b.headers).json()["items"] == []


def test_list_filters_and_pagination(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    with tapp.state.db.session(a.org_id) as s:
        ids = [create_and_enqueue(s, a.org_id, "test.echo", {"value": i}).id for i in range(3)]
        bad = create_and_enqueue(s, a.org_id, "test.bad_input").id
    for t in [*ids, bad]:
        wait_status(tclient, a, t)
    r = tclient.get("/api/v1/tasks", params={"limit": 2}, headers=a.headers).json()
    assert len(r["items"]) == 2 and r["next_cursor"]
    r2 = tclient.get("/api/v1/tasks", params={"limit": 2, "cursor": r["next_cursor"]}, headers=a.headers).json()
    assert [t["id"] for t in r["items"] + r2["items"]] == [str(i) for i in [*ids, bad]]
    d = tclient.get("/api/v1/tasks", params={"limit": 3, "order": "desc"}, headers=a.headers).json()
    d2 = tclient.get("/api/v1/tasks", params={"limit": 3, "order": "desc", "cursor": d["next_cursor"]},
                     headers=a.headers).json()
    assert [t["id"] for t in d["items"] + d2["items"]] == [str(i) for i in [bad, *reversed(ids)]] and not d2["next_cursor"]
    r = tclient.get("/api/v1/tasks", params={"order": "newest"}, headers=a.headers)
    assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "order", r.text
    failed = tclient.get("/api/v1/tasks", params={"status": "failed"}, headers=a.headers).json()["items"]
    assert [t["id"] for t in failed] == [str(bad)]
    assert len(tclient.get("/api/v1/tasks", params={"kind": "test.echo"}, headers=a.headers).json()["items"]) == 3
    r = tclient.get("/api/v1/tasks", params={"status": "done"}, headers=a.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    assert tclient.get("/api/v1/tasks/not-a-uuid", headers=a.headers).status_code in (400, 404)


def test_cancel_queued_task_at_once(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    with tapp.state.db.session(a.org_id) as s:
        task = create_task(s, a.org_id, "test.echo", {"value": 1})
        task.not_before = utcnow() + dt.timedelta(hours=1)  # stays queued
        s.commit()
    r = tclient.post(f"/api/v1/tasks/{task.id}/cancel", headers=a.headers)
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["finished_at"]
    with tapp.state.db.system_session() as s:  # even once due, it never runs
        s.execute(update(Task).where(Task.id == task.id).values(not_before=None))
        s.commit()
    tapp.state.task_runtime.enqueue(task.id)
    time.sleep(0.3)
    assert task_json(tclient, a, task.id)["status"] == "cancelled"
    assert task_json(tclient, a, task.id)["attempts"] == 0


def test_cancel_running_task(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant], tmp_path: Path) -> None:
    a, _ = tenants
    with tapp.state.db.session(a.org_id) as s:
        task = create_and_enqueue(s, a.org_id, "test.sleep", {"dir": str(tmp_path), "seconds": 20})
    wait_for(lambda: (tmp_path / f"{task.id}.started").exists())
    r = tclient.post(f"/api/v1/tasks/{task.id}/cancel", headers=a.headers)
    assert r.status_code == 200 and r.json()["cancel_requested"] is True and r.json()["status"] == "in_progress"
    start = time.monotonic()
    done = wait_status(tclient, a, task.id, timeout=5)
    assert done["status"] == "cancelled" and time.monotonic() - start < 3
    assert not (tmp_path / f"{task.id}.done").exists()


def test_viewer_cannot_cancel(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    viewer = add_member(tclient, a, "viewer@alpha.test", "viewer")
    with tapp.state.db.session(a.org_id) as s:
        task = create_task(s, a.org_id, "test.echo", {"value": 1})
        task.not_before = utcnow() + dt.timedelta(hours=1)
        s.commit()
    assert tclient.get(f"/api/v1/tasks/{task.id}", headers=viewer.headers).status_code == 200
    assert tclient.post(f"/api/v1/tasks/{task.id}/cancel", headers=viewer.headers).status_code == 403
    assert task_json(tclient, a, task.id)["status"] == "queued"


def test_ready_reports_the_in_process_worker(tclient: TestClient) -> None:
    r = tclient.get("/ready")
    assert r.status_code == 200, r.text
    assert r.json()["checks"]["worker"]["ok"] and "live worker" in r.json()["checks"]["worker"]["detail"]
