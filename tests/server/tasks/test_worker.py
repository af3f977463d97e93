"""Claim, lease, reaper, backoff and max attempts on real databases (SQLite; PostgreSQL when up)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import update

from autonomos.server.db.base import utcnow
from autonomos.server.db.models import Organization
from autonomos.server.db.session import Database
from autonomos.server.errors import Problem
from autonomos.server.tasks.huey_app import TaskRuntime
from autonomos.server.tasks.models import Task
from autonomos.server.tasks.reaper import reap_expired, requeue_lost
from autonomos.server.tasks.service import create_task
from autonomos.server.tasks.worker import Lease, claim, execute


def make_org(db: Database, name: str = "Org") -> uuid.UUID:
    with db.system_session() as s:
        org = Organization(name=name, slug=f"{name.lower()}-{uuid.uuid4().hex[:6]}")
        s.add(org)
        s.commit()
        return org.id


def new_task(db: Database, tenant: uuid.UUID, kind: str = "test.echo", payload: dict | None = None,
             max_attempts: int = 3) -> uuid.UUID:
    with db.session(tenant) as s:
        task = create_task(s, tenant, kind, payload or {"value": 1}, max_attempts=max_attempts)
        s.commit()
        return task.id


def row(db: Database, task_id: uuid.UUID) -> Task:
    with db.system_session() as s:
        t = s.get(Task, task_id)
        assert t is not None
        return t


def run(rt: TaskRuntime, task_id: uuid.UUID, owner: str = "w1") -> str:
    return execute(rt.db, rt.settings, rt.server_settings.data_dir, task_id, owner)


def test_create_task_validates_kind_payload_and_attempts(runtime: TaskRuntime) -> None:
    tenant = make_org(runtime.db)
    with runtime.db.session(tenant) as s:
        for kwargs, field in [({"kind": "no.such"}, "kind"), ({"kind": "test.echo", "max_attempts": 0}, "max_attempts"),
                              ({"kind": "test.echo", "payload": {"x": object()}}, "payload")]:
            with pytest.raises(Problem) as info:
                create_task(s, tenant, **kwargs)
            assert info.value.status_code == 422 and info.value.errors[0].field == field
        assert s.query(Task).count() == 0


def test_two_concurrent_claimers_one_wins(runtime: TaskRuntime) -> None:
    tenant = make_org(runtime.db)
    for _ in range(5):
        task_id = new_task(runtime.db, tenant)
        barrier = threading.Barrier(2)
        won: list[str] = []

        def claimer(name: str) -> None:
            barrier.wait()
            if claim(runtime.db, task_id, name, 30) is not None:
                won.append(name)

        threads = [threading.Thread(target=claimer, args=(n,)) for n in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(won) == 1
        t = row(runtime.db, task_id)
        assert (t.status, t.attempts, t.lease_owner) == ("in_progress", 1, won[0])


def test_success_records_result_progress_and_times(runtime: TaskRuntime) -> None:
    tenant = make_org(runtime.db)
    task_id = new_task(runtime.db, tenant, payload={"value": "hi"})
    assert run(runtime, task_id) == "success"
    t = row(runtime.db, task_id)
    assert t.status == "success" and t.result == {"echo": "hi", "attempt": 1, "tenant": str(tenant)}
    assert t.progress == 1.0 and t.progress_message == "halfway" and t.lease_owner is None
    assert t.started_at <= t.finished_at
    assert run(runtime, task_id) == "not-claimed"  # a duplicate Huey message does nothing


def test_lease_expiry_reaper_second_attempt_runs_exactly_once(runtime: TaskRuntime, tmp_path: Path) -> None:
    tenant = make_org(runtime.db)
    task_id = new_task(runtime.db, tenant, "test.sleep", {"dir": str(tmp_path), "seconds": 0.1})
    dead = claim(runtime.db, task_id, "dead-worker", lease_seconds=0.3)  # claims, then "dies"
    assert dead is not None
    assert reap_expired(runtime) == 0  # lease still valid
    time.sleep(0.4)
    started = time.monotonic()
    assert reap_expired(runtime) == 1
    assert reap_expired(runtime) == 0  # a second reaper finds nothing to do
    t = row(runtime.db, task_id)
    assert t.status == "queued" and t.attempts == 1 and "lease expired" in t.error
    backoff = (t.not_before - utcnow()).total_seconds()
    assert 0 < backoff <= runtime.settings.backoff(1)
    assert run(runtime, task_id, "w2") == "not-claimed"  # not before the backoff
    time.sleep(backoff + 0.05)
    assert run(runtime, task_id, "w2") == "success"
    t = row(runtime.db, task_id)
    assert t.status == "success" and t.attempts == 2 and t.result["attempt"] == 2
    assert (tmp_path / f"{task_id}.done").read_text().count("\n") == 1
    # the dead worker wakes up: its finish is refused, the outcome stands
    assert Lease(runtime.db, dead, "dead-worker", runtime.settings).finish(status="failed", error="late") is None
    assert row(runtime.db, task_id).status == "success"
    print(f"reaper to second success: {time.monotonic() - started:.2f} s")


def test_failures_back_off_exponentially_then_fail(runtime: TaskRuntime) -> None:
    tenant = make_org(runtime.db)
    task_id = new_task(runtime.db, tenant, "test.flaky", {"succeed_on": 0}, max_attempts=3)
    waits = []
    for attempt in (1, 2):
        assert run(runtime, task_id) == "retry"
        t = row(runtime.db, task_id)
        assert t.status == "queued" and t.attempts == attempt and "flaky failure" in t.error
        waits.append((t.not_before - utcnow()).total_seconds())
        assert run(runtime, task_id) == "not-claimed"
        with runtime.db.system_session() as s:  # skip the wait instead of sleeping through it
            s.execute(update(Task).where(Task.id == task_id).values(not_before=utcnow() - dt.timedelta(seconds=1)))
            s.commit()
    assert waits[0] == pytest.approx(runtime.settings.backoff(1), abs=0.2)
    assert waits[1] == pytest.approx(runtime.settings.backoff(2), abs=0.2)
    assert runtime.settings.backoff(2) == 2 * runtime.settings.backoff(1)
    assert run(runtime, task_id) == "failed"
    t = row(runtime.db, task_id)
    assert t.status == "failed" and t.attempts == 3 and t.finished_at is not None


def test_retry_then_success_and_permanent_error(runtime: TaskRuntime) -> None:
    tenant = make_org(runtime.db)
    task_id = new_task(runtime.db, tenant, "test.flaky", {"succeed_on": 2})
    assert run(runtime, task_id) == "retry"
    with runtime.db.system_session() as s:
        s.execute(update(Task).where(Task.id == task_id).values(not_before=None))
        s.commit()
    assert run(runtime, task_id) == "success"
    assert row(runtime.db, task_id).result == {"attempt": 2}
    bad = new_task(runtime.db, tenant, "test.bad_input")
    assert run(runtime, bad) == "failed"
    t = row(runtime.db, bad)
    assert t.attempts == 1 and "payload lacks" in t.error
    # issue 8, item 9: the error names no source file or line (the server log has the traceback)
    assert not re.search(r"\w+\.py:\d+", t.error), t.error


def test_expired_lease_after_max_attempts_fails(runtime: TaskRuntime) -> None:
    tenant = make_org(runtime.db)
    task_id = new_task(runtime.db, tenant, max_attempts=1)
    assert claim(runtime.db, task_id, "dead", lease_seconds=0.1) is not None
    time.sleep(0.2)
    assert reap_expired(runtime) == 1
    t = row(runtime.db, task_id)
    assert t.status == "failed" and "lease expired" in t.error and t.attempts == 1


def test_requeue_of_tasks_huey_lost(runtime: TaskRuntime) -> None:
    tenant = make_org(runtime.db)
    task_id = new_task(runtime.db, tenant)  # created, never enqueued (as if the message was lost)
    assert requeue_lost(runtime) == 1
    assert requeue_lost(runtime) == 0  # enqueued_at moved: not again until requeue_after
    assert runtime.huey.pending_count() == 1
    time.sleep(runtime.settings.requeue_after + 0.1)
    assert requeue_lost(runtime) == 1
    assert run(runtime, task_id) == "success"
    assert requeue_lost(runtime) == 0


def test_permanent_engine_errors_fail_once_and_transient_ones_retry(runtime: TaskRuntime, tmp_path: Path) -> None:
    """Issue 13, item 6: an unterminated quote or a missing column fails the task at its first
    attempt with the engine's message; a refused connection (the database is down) retries."""
    tenant = make_org(runtime.db)
    (tmp_path / "broken.csv").write_text('id,name\n1,"never closed\n2,b\n')
    (tmp_path / "people.csv").write_text("id,name\n1,a\n")
    cases = {
        "unterminated quote": ("sources:\n  - name: f\n    connector: files\n    config: {path: broken.csv}\n", "failed", 1),
        "missing column": ("sources:\n  - name: f\n    connector: files\n"
                           "    config: {path: people.csv, primary_key: [customer_id]}\n", "failed", 1),
        "refused connection": ("sources:\n  - name: db\n    connector: sql\n    config:\n"
                               "      url: postgresql+psycopg://u:p@127.0.0.1:1/none\n", "retry", 1),
    }
    for what, (yaml, outcome, attempts) in cases.items():
        task_id = new_task(runtime.db, tenant, "test.engine_run", {"yaml": yaml, "dir": str(tmp_path)})
        assert run(runtime, task_id) == outcome, (what, row(runtime.db, task_id).error)
        t = row(runtime.db, task_id)
        assert t.attempts == attempts and "Error: " in t.error, (what, t.error)
        assert (t.status == "failed") == (outcome == "failed"), what
        print(f"{what}: {outcome} after {attempts} attempt(s): {t.error[:120]}")
