"""Schedules of stored pipelines: the API (422 naming the field, isolation, pause/resume), the YAML
``schedule:`` block, and the arbiter — one run per tick however many maintenance rounds race,
catch-up ``once`` vs ``skip`` after a downtime, a busy previous run, pause."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select, update

from autonomos.server.app import create_app
from autonomos.server.db.session import Database
from autonomos.server.schedules.models import Schedule
from autonomos.server.schedules.service import fire_due
from autonomos.server.settings import Settings
from autonomos.server.tasks.config import TaskSettings
from autonomos.server.tasks.models import Task
from autonomos.server.tasks.plugin import TasksPlugin
from tests.server.helpers import Tenant, new_tenant

UTC = dt.timezone.utc
PIPELINE = "sources:\n  - name: stripe\n    connector: demo\n    config: {system: stripe}\n"
NO_WORKER = TaskSettings(embedded_worker=False)


@pytest.fixture
def sclient(settings: Settings) -> Iterator[TestClient]:
    """The app without the in-process worker: the tests drive the arbiter themselves."""
    with TestClient(create_app(settings, plugins=[TasksPlugin(NO_WORKER)])) as c:
        yield c


@pytest.fixture
def tenants(sclient: TestClient) -> tuple[Tenant, Tenant]:
    return new_tenant(sclient, "Alpha Corp", "owner@alpha.test"), new_tenant(sclient, "Beta Corp", "owner@beta.test")


def upload(client: TestClient, t: Tenant, text: str = PIPELINE, name: str = "crm") -> dict[str, Any]:
    r = client.post("/api/v1/pipelines", params={"name": name}, content=text.encode(),
                    headers={**t.headers, "Content-Type": "application/yaml"})
    assert r.status_code == 201, r.text
    return r.json()


@dataclass
class FakeRuntime:
    """What fire_due needs of a runtime: a database of its own (a separate pool, as a process has)."""

    db: Database
    settings: TaskSettings = field(default_factory=lambda: TaskSettings(schedule_grace=60))
    enqueued: list[uuid.UUID] = field(default_factory=list)

    def enqueue(self, task_id: uuid.UUID, delay: float | None = None) -> None:
        self.enqueued.append(task_id)


def u(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def set_next(db: Database, pipeline_id: str, when: dt.datetime) -> None:
    with db.system_session() as s:
        s.execute(update(Schedule).where(Schedule.pipeline_id == uuid.UUID(pipeline_id)).values(next_run_at=when))
        s.commit()


def schedule_row(db: Database, pipeline_id: str) -> Schedule:
    with db.system_session() as s:
        row = s.scalar(select(Schedule).where(Schedule.pipeline_id == uuid.UUID(pipeline_id)))
        assert row is not None
        return row


def scheduled_tasks(db: Database) -> list[Task]:
    with db.system_session() as s:
        return list(s.scalars(select(Task).where(Task.kind == "pipeline.run").order_by(Task.created_at)))


def finish_all(db: Database) -> None:
    with db.system_session() as s:
        s.execute(update(Task).where(Task.status == "queued").values(status="success"))
        s.commit()


# -- API ----------------------------------------------------------------------------------------
def test_set_read_pause_resume_delete_and_isolation(sclient: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    p = upload(sclient, a)
    url = f"/api/v1/pipelines/{p['id']}/schedule"
    assert sclient.get(url, headers=a.headers).status_code == 404  # none yet
    r = sclient.put(url, json={"cron": "0 6 * * *", "timezone": "Europe/Berlin", "catch_up": "skip"}, headers=a.headers)
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["cron"] == "0 6 * * *" and s["timezone"] == "Europe/Berlin" and s["catch_up"] == "skip"
    assert s["paused"] is False and s["pipeline_name"] == "crm" and s["last_status"] is None
    nxt = dt.datetime.fromisoformat(s["next_run_at"])
    assert nxt > dt.datetime.now(UTC) and nxt.astimezone(dt.timezone(dt.timedelta(hours=1))).hour in (6, 7)
    assert len(s["upcoming"]) == 3 and s["upcoming"][0] == s["next_run_at"]
    assert sclient.get(url, headers=a.headers).json()["id"] == s["id"]
    assert [x["id"] for x in sclient.get("/api/v1/schedules", headers=a.headers).json()["items"]] == [s["id"]]

    paused = sclient.post(url + "/pause", headers=a.headers).json()
    assert paused["paused"] is True and paused["next_run_at"] is None and paused["upcoming"] == []
    resumed = sclient.post(url + "/resume", headers=a.headers).json()
    assert resumed["paused"] is False and resumed["next_run_at"] == s["next_run_at"]

    # another organization: the pipeline does not exist for it
    assert sclient.get(url, headers=b.headers).status_code == 404
    assert sclient.put(url, json={"cron": "* * * * *"}, headers=b.headers).status_code == 404
    assert sclient.post(url + "/pause", headers=b.headers).status_code == 404
    assert sclient.delete(url, headers=b.headers).status_code == 404
    assert sclient.get("/api/v1/schedules", headers=b.headers).json()["items"] == []
    assert sclient.get(url, headers=a.headers).json()["paused"] is False  # untouched by B

    assert sclient.delete(url, headers=a.headers).status_code == 204
    assert sclient.get(url, headers=a.headers).status_code == 404
    assert sclient.post(url + "/resume", headers=a.headers).status_code == 404


@pytest.mark.parametrize("body, field_name, says", [
    ({"cron": "0 25 * * *"}, "cron", "bad hour"),
    ({"cron": "* * *"}, "cron", "five"),
    ({"cron": "0 6 * * *", "timezone": "Europe/Berln"}, "timezone", "did you mean Europe/Berlin"),
    ({"cron": "0 6 * * *", "timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
])
def test_bad_cron_or_time_zone_is_a_422_naming_the_field(sclient: TestClient, tenants: tuple[Tenant, Tenant],
                                                          body: dict[str, Any], field_name: str, says: str) -> None:
    a, _ = tenants
    p = upload(sclient, a)
    r = sclient.put(f"/api/v1/pipelines/{p['id']}/schedule", json=body, headers=a.headers)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"][0]["field"] == field_name and says in problem["errors"][0]["message"], problem
    r = sclient.post("/api/v1/schedules/preview", json={"cron": body["cron"], "timezone": body.get("timezone", "UTC")},
                     headers=a.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field_name
    bad_policy = sclient.put(f"/api/v1/pipelines/{p['id']}/schedule", json={"cron": "@daily", "catch_up": "all"},
                             headers=a.headers)
    assert bad_policy.status_code in (400, 422) and "catch_up" in bad_policy.text


def test_preview_lists_the_next_ticks(sclient: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    r = sclient.post("/api/v1/schedules/preview", json={"cron": "@hourly", "timezone": "Asia/Kolkata"}, headers=a.headers)
    assert r.status_code == 200, r.text
    ticks = [dt.datetime.fromisoformat(t) for t in r.json()["upcoming"]]
    assert r.json()["cron"] == "0 * * * *" and len(ticks) == 5
    assert all(t.minute == 30 for t in ticks)  # India is UTC+05:30: its hours start at :30 UTC


def test_yaml_schedule_block_creates_the_schedule(sclient: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    p = upload(sclient, a, PIPELINE + "schedule:\n  cron: '*/15 * * * *'\n  timezone: America/New_York\n"
                                      "  catch_up: skip\n  paused: true\n")
    assert p["spec"]["schedule"]["cron"] == "*/15 * * * *"
    s = sclient.get(f"/api/v1/pipelines/{p['id']}/schedule", headers=a.headers).json()
    assert (s["cron"], s["timezone"], s["catch_up"], s["paused"]) == ("*/15 * * * *", "America/New_York", "skip", True)
    r = sclient.post("/api/v1/pipelines", params={"name": "bad"}, content=(PIPELINE + "schedule:\n  cron: nope\n").encode(),
                     headers={**a.headers, "Content-Type": "application/yaml"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "schedule.cron"
    # deleting the pipeline deletes its schedule
    assert sclient.delete(f"/api/v1/pipelines/{p['id']}", headers=a.headers).status_code == 204
    assert sclient.get("/api/v1/schedules", headers=a.headers).json()["items"] == []


# -- the arbiter ----------------------------------------------------------------------------------
def test_racing_maintenance_rounds_start_one_run_per_tick(sclient: TestClient, tenants: tuple[Tenant, Tenant],
                                                          settings: Settings) -> None:
    """Six workers (threads, each with its own connection pool) race each tick: one wins."""
    a, _ = tenants
    p = upload(sclient, a)
    assert sclient.put(f"/api/v1/pipelines/{p['id']}/schedule", json={"cron": "* * * * *"}, headers=a.headers).status_code == 200
    db: Database = sclient.app.state.db
    start = u(2030, 1, 1, 6, 0)
    set_next(db, p["id"], start)
    workers = [FakeRuntime(Database(settings.db)) for _ in range(6)]
    ticks, lost = 8, 0
    try:
        for i in range(ticks):
            now = start + dt.timedelta(minutes=i, seconds=2)
            barrier = threading.Barrier(len(workers))
            reports: list[Any] = []

            def race(rt: FakeRuntime) -> None:
                barrier.wait()
                reports.append(fire_due(rt, now=now))

            threads = [threading.Thread(target=race, args=(w,)) for w in workers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=20)
            assert sum(len(r.started) for r in reports) == 1, (i, reports)
            lost += sum(r.lost for r in reports)
            assert schedule_row(db, p["id"]).next_run_at == start + dt.timedelta(minutes=i + 1)
            finish_all(db)  # the run ended before the next tick
    finally:
        for w in workers:
            w.db.dispose()
    tasks = scheduled_tasks(db)
    ticks_run = [t.payload["tick"] for t in tasks]
    assert len(tasks) == ticks and len(set(ticks_run)) == ticks, ticks_run  # one run per tick, none twice
    assert sorted(ticks_run) == [(start + dt.timedelta(minutes=i)).isoformat() for i in range(ticks)]
    assert sorted(tid for w in workers for tid in w.enqueued) == sorted(t.id for t in tasks)  # each enqueued once
    assert {t.tenant_id for t in tasks} == {a.org_id} and all(t.payload["pipeline_id"] == p["id"] for t in tasks)
    row = schedule_row(db, p["id"])
    assert row.runs_started == ticks and row.last_task_id == tasks[-1].id
    print(f"\n{ticks} ticks × {len(workers)} racing rounds ({settings.db.url.split(':')[0]}): "
          f"{len(tasks)} runs, 0 duplicates, {lost} lost claims")


def test_downtime_catch_up_once_or_skip(sclient: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    once = upload(sclient, a, name="once")
    skip = upload(sclient, a, name="skip")
    for p, policy in ((once, "once"), (skip, "skip")):
        r = sclient.put(f"/api/v1/pipelines/{p['id']}/schedule", json={"cron": "0 6 * * *", "catch_up": policy},
                        headers=a.headers)
        assert r.status_code == 200
    db: Database = sclient.app.state.db
    for p in (once, skip):
        set_next(db, p["id"], u(2030, 1, 10, 6))  # everything was down from before the 10th's tick …
    rt = FakeRuntime(db)
    now = u(2030, 1, 13, 9, 30)  # … until the 13th, 09:30: four ticks missed
    report = fire_due(rt, now=now)
    assert len(report.started) == 1 and report.skipped == 1
    assert fire_due(rt, now=now + dt.timedelta(seconds=5)).started == []  # nothing more is due
    (task,) = scheduled_tasks(db)
    assert task.payload["pipeline_id"] == once["id"] and task.payload["tick"] == u(2030, 1, 13, 6).isoformat()
    for p in (once, skip):
        row = schedule_row(db, p["id"])
        assert row.next_run_at == u(2030, 1, 14, 6)  # both jump past now
    assert schedule_row(db, once["id"]).ticks_missed == 3 and schedule_row(db, skip["id"]).ticks_missed == 4
    s = sclient.get(f"/api/v1/pipelines/{skip['id']}/schedule", headers=a.headers).json()
    assert s["last_task_id"] is None and "skipped (catch_up: skip)" in s["last_message"]
    o = sclient.get(f"/api/v1/pipelines/{once['id']}/schedule", headers=a.headers).json()
    assert o["last_task_id"] == str(task.id) and o["last_status"] == "queued" and "ran once" in o["last_message"]


def test_a_busy_previous_run_and_a_pause_start_nothing(sclient: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, b = tenants
    p = upload(sclient, a)
    url = f"/api/v1/pipelines/{p['id']}/schedule"
    sclient.put(url, json={"cron": "*/5 * * * *"}, headers=a.headers)
    other = upload(sclient, b, name="other")
    sclient.put(f"/api/v1/pipelines/{other['id']}/schedule", json={"cron": "*/5 * * * *"}, headers=b.headers)
    db: Database = sclient.app.state.db
    rt = FakeRuntime(db)
    t0 = u(2030, 3, 1, 8, 0)
    set_next(db, p["id"], t0)
    set_next(db, other["id"], u(2031, 1, 1))  # B's tick is later than any "now" below
    assert len(fire_due(rt, now=t0 + dt.timedelta(seconds=1)).started) == 1
    # the next tick comes while that run is still queued: no second run
    report = fire_due(rt, now=t0 + dt.timedelta(minutes=5, seconds=1))
    assert report.started == [] and report.skipped == 1
    assert "still queued" in sclient.get(url, headers=a.headers).json()["last_message"]
    finish_all(db)
    assert len(fire_due(rt, now=t0 + dt.timedelta(minutes=10, seconds=1)).started) == 1
    finish_all(db)
    # paused: due ticks start nothing, and resuming does not catch the pause up
    assert sclient.post(url + "/pause", headers=a.headers).json()["paused"] is True
    assert fire_due(rt, now=t0 + dt.timedelta(days=2)).started == []
    assert len(scheduled_tasks(db)) == 2
    resumed = sclient.post(url + "/resume", headers=a.headers).json()
    assert dt.datetime.fromisoformat(resumed["next_run_at"]) > dt.datetime.now(UTC)
    # A's ticks started nothing of B's
    with db.system_session() as s:
        assert s.scalar(select(func.count()).select_from(Task).where(Task.tenant_id == b.org_id)) == 0
    listed = sclient.get("/api/v1/schedules", headers=a.headers).json()["items"]
    assert listed[0]["runs_started"] == 2 and listed[0]["last_status"] == "success"


def test_embedded_server_runs_the_tick_on_time(settings: Settings) -> None:
    """The embedded server's own maintenance thread fires the tick and its worker runs the pipeline."""
    fast = TaskSettings(reaper_interval=0.2, lease_seconds=5, poll_max_delay=0.05, worker_threads=1)
    with TestClient(create_app(settings, plugins=[TasksPlugin(fast)])) as c:
        a = new_tenant(c, "Alpha Corp", "owner@alpha.test")
        p = upload(c, a)
        assert c.put(f"/api/v1/pipelines/{p['id']}/schedule", json={"cron": "* * * * *"}, headers=a.headers).status_code == 200
        db: Database = c.app.state.db
        tick = dt.datetime.now(UTC).replace(microsecond=0)
        set_next(db, p["id"], tick)  # as if this second were the schedule's tick
        deadline = time.monotonic() + 20
        while not (tasks := scheduled_tasks(db)) or tasks[0].status not in ("success", "failed"):
            assert time.monotonic() < deadline, tasks
            time.sleep(0.05)
        (task,) = tasks
        late = (task.created_at - tick).total_seconds()
        assert task.status == "success", task.error
        assert late < 2.0, late  # within a maintenance interval (0.2 s) of the tick, plus the claim
        s = c.get(f"/api/v1/pipelines/{p['id']}/schedule", headers=a.headers).json()
        assert s["last_status"] == "success" and s["runs_started"] == 1 and s["last_task_id"] == str(task.id)
        assert dt.datetime.fromisoformat(s["next_run_at"]) > tick
        print(f"\nembedded: tick → run task created {late:.2f} s after the tick; the run succeeded")
