"""POST /api/v1/tasks/{id}/retry: a new task for a failed or cancelled one, run by the real consumer."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from autonomos.server.db.base import utcnow
from autonomos.server.tasks.models import Task
from autonomos.server.tasks.service import create_and_enqueue, create_task
from tests.server.helpers import Tenant, add_member
from tests.server.tasks.conftest import Receiver, task_json, wait_status


def _parked(tapp: Any, tenant: Tenant, status: str | None = None) -> Task:
    """A task that never becomes due (so it stays queued), optionally forced to ``status``."""
    with tapp.state.db.session(tenant.org_id) as s:
        task = create_task(s, tenant.org_id, "test.echo", {"value": 1})
        task.not_before = utcnow() + dt.timedelta(days=1)
        if status is not None:
            task.status = status
            task.finished_at = utcnow()
        s.commit()
    return task


def test_retry_failed_task_runs_a_new_one_to_success(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant],
                                                     tmp_path: Path, receiver: Receiver,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = tenants
    monkeypatch.setenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", "true")  # the operator's switch
    needed = tmp_path / "input.txt"
    with tapp.state.db.session(a.org_id) as s:
        first = create_and_enqueue(s, a.org_id, "test.needs_file", {"path": str(needed)},
                                   callback_url=receiver.url, max_attempts=2)
    failed = wait_status(tclient, a, first.id)
    assert failed["status"] == "failed" and "input.txt is missing" in failed["error"] and failed["retry_of"] is None

    needed.write_text("fixed", encoding="utf-8")  # the cause is fixed; now retry
    r = tclient.post(f"/api/v1/tasks/{first.id}/retry", headers=a.headers)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["id"] != str(first.id) and new["retry_of"] == str(first.id)
    assert new["status"] == "queued" and new["attempts"] == 0 and new["error"] is None
    assert (new["kind"], new["callback_url"], new["max_attempts"]) == ("test.needs_file", receiver.url, 2)

    done = wait_status(tclient, a, new["id"])
    assert done["status"] == "success" and done["result"] == {"content": "fixed", "attempt": 1}, done
    assert done["retry_of"] == str(first.id)
    assert task_json(tclient, a, first.id)["status"] == "failed"  # the original stays as it was
    with tapp.state.db.session(a.org_id) as s:
        assert s.get(Task, uuid.UUID(new["id"])).payload == {"path": str(needed)}
    listed = tclient.get("/api/v1/tasks", headers=a.headers).json()["items"]
    assert [(t["id"], t["retry_of"]) for t in listed] == [(str(first.id), None), (new["id"], str(first.id))]


def test_retry_cancelled_task_and_retry_a_retry(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    task = _parked(tapp, a)
    assert tclient.post(f"/api/v1/tasks/{task.id}/cancel", headers=a.headers).json()["status"] == "cancelled"
    r = tclient.post(f"/api/v1/tasks/{task.id}/retry", headers=a.headers)
    assert r.status_code == 201 and r.json()["retry_of"] == str(task.id)
    done = wait_status(tclient, a, r.json()["id"])
    assert done["status"] == "success" and done["result"]["echo"] == 1
    # a retry that succeeded cannot be retried; nor can the original again (a double click must
    # not run the work twice): retries form a chain
    r2 = tclient.post(f"/api/v1/tasks/{done['id']}/retry", headers=a.headers)
    assert r2.status_code == 409
    again = tclient.post(f"/api/v1/tasks/{task.id}/retry", headers=a.headers)
    assert again.status_code == 409 and f"already retried as {done['id']}" in again.json()["detail"], again.text


def test_retry_refuses_other_statuses_with_409(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    for status in ("queued", "in_progress", "success"):
        task = _parked(tapp, a, None if status == "queued" else status)
        r = tclient.post(f"/api/v1/tasks/{task.id}/retry", headers=a.headers)
        assert r.status_code == 409, r.text
        body = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert body["status"] == 409 and body["type"] == "urn:autonomos:problem:conflict"
        assert f"task is {status}" in body["detail"], body
    with tapp.state.db.session(a.org_id) as s:
        assert s.query(Task).filter(Task.retry_of.is_not(None)).count() == 0


def test_retry_needs_write_and_own_tenant(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    viewer = add_member(tclient, a, "viewer@alpha.test", "viewer")
    task = _parked(tapp, a, "failed")
    r = tclient.post(f"/api/v1/tasks/{task.id}/retry", headers=viewer.headers)
    assert r.status_code == 403 and r.json()["status"] == 403
    r = tclient.post(f"/api/v1/tasks/{task.id}/retry", headers=b.headers)
    assert r.status_code == 404 and r.json()["detail"] == "task not found"
    assert tclient.post("/api/v1/tasks/00000000-0000-0000-0000-000000000000/retry", headers=a.headers).status_code == 404
    with tapp.state.db.system_session() as s:
        assert s.query(Task).count() == 1  # neither created anything


def test_retry_rechecks_the_callback_url(tclient: TestClient, tapp: Any, tenants: tuple[Tenant, Tenant],
                                         receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """A callback allowed when the task was created but refused now (private networks switched
    off) fails the retry with 422 naming callback_url, instead of creating an undeliverable task."""
    a, _ = tenants
    monkeypatch.setenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", "true")  # the operator's switch
    with tapp.state.db.session(a.org_id) as s:
        task = create_task(s, a.org_id, "test.echo", {"value": 2}, callback_url=receiver.url)
        task.status, task.finished_at = "failed", utcnow()
        s.commit()
    monkeypatch.delenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE")
    r = tclient.post(f"/api/v1/tasks/{task.id}/retry", headers=a.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "callback_url", r.text


def test_two_retries_of_one_task_cannot_both_be_stored(tapp: Any, tenants: tuple[Tenant, Tenant]) -> None:
    """Two requests in the same instant both pass the 'already retried?' read; the unique index on
    retry_of lets only one commit (the API answers 409 to the other)."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    a, _ = tenants
    task = _parked(tapp, a, status="failed")
    with tapp.state.db.session(a.org_id) as s:
        first = create_task(s, a.org_id, "test.echo", {"value": 1})
        first.retry_of, first.not_before = task.id, utcnow() + dt.timedelta(days=1)
        s.commit()
    with tapp.state.db.session(a.org_id) as s:
        second = create_task(s, a.org_id, "test.echo", {"value": 1})
        second.retry_of = task.id
        with pytest.raises(IntegrityError):
            s.commit()
