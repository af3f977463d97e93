"""Production mode: two `autonomos worker` processes (RedisHuey + PostgreSQL), both running the
schedules' arbiter every 0.5 s: each tick starts exactly one pipeline run."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import select

from autonomos.server.db.session import Database
from autonomos.server.tasks.models import Task
from tests.server.helpers import new_tenant
from tests.server.schedules.test_schedules import UTC, schedule_row, set_next, upload
from tests.server.tasks.conftest import wait_for
from tests.server.tasks.test_production import prod  # noqa: F401  (the fixture: two worker processes)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_two_workers_start_one_run_per_tick(prod: dict[str, Any]) -> None:  # noqa: F811
    c, app = prod["client"], prod["app"]
    assert app.state.task_runtime.mode == "production" and app.state.task_runtime.maintenance is None
    a = new_tenant(c, "Alpha Corp", "owner@alpha.test")
    p = upload(c, a)
    # a yearly expression: no tick of its own falls inside the test; the test sets each tick
    r = c.put(f"/api/v1/pipelines/{p['id']}/schedule", json={"cron": "0 0 1 1 *"}, headers=a.headers)
    assert r.status_code == 200, r.text
    db: Database = app.state.db

    def runs(tick: dt.datetime) -> list[Task]:
        with db.system_session() as s:
            return [t for t in s.scalars(select(Task).where(Task.kind == "pipeline.run"))
                    if t.payload.get("tick") == tick.isoformat()]

    ticks, lateness = 4, []
    for i in range(ticks):
        tick = dt.datetime.now(UTC) - dt.timedelta(milliseconds=10 * i)
        set_next(db, p["id"], tick)
        (task,) = wait_for(lambda: runs(tick), timeout=10, interval=0.02)
        lateness.append((task.created_at - tick).total_seconds())
        assert schedule_row(db, p["id"]).next_run_at.year > tick.year  # moved on to next 1 January
        wait_for(lambda: runs(tick)[0].status in ("success", "failed"), timeout=20, interval=0.05)
        time.sleep(1.2)  # over two more maintenance rounds of each worker: a late duplicate would show
        done = runs(tick)
        assert len(done) == 1 and done[0].status == "success", [(t.id, t.status, t.error) for t in done]
    with db.system_session() as s:
        total = len(s.scalars(select(Task.id).where(Task.kind == "pipeline.run")).all())
    assert total == ticks
    assert schedule_row(db, p["id"]).runs_started == ticks
    print(f"\nproduction, 2 workers: {ticks} ticks → {total} runs, 0 duplicates; "
          f"task created {min(lateness):.2f}–{max(lateness):.2f} s after its tick (reaper interval 0.5 s)")
