"""Schedules of stored pipelines: set, pause, resume, and the arbiter that starts each tick's run once.

**The arbiter is the database.** Every worker process's maintenance thread (and the embedded
server's) calls :func:`fire_due` each ``AUTONOMOS_REAPER_INTERVAL`` seconds. It reads the due
schedules (``paused = false AND next_run_at <= now``), decides each tick with
:func:`autonomos.core.schedule.plan` and claims it with one conditional UPDATE::

    UPDATE schedules SET next_run_at = <the first tick after now>, …
     WHERE id = :id AND next_run_at = :seen AND paused = false

The row count says who won: one worker per tick, however many race (PostgreSQL's row lock makes
the loser re-read the row and match nothing; SQLite serialises the writers). The winner adds the
``pipeline.run`` task in the same transaction, commits, and only then hands the task id to the
queue; if the enqueue is lost the reaper hands the queued row over again. A crash before the
commit rolls back both, and another worker claims the tick in its next round.

Ticks are computed in the schedule's time zone (DST as Debian's cron does it). A tick found
``AUTONOMOS_SCHEDULE_GRACE`` seconds late or more was missed while everything was down:
``catch_up: once`` runs it once however many were missed, ``skip`` waits for the next one. A tick
whose previous run is still queued or running starts no second run (noted on the schedule).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from autonomos.core.schedule import (DEFAULT_CATCH_UP, DEFAULT_TIMEZONE, catch_up_problem, cron_problem,
                                     next_tick, normalize_cron, plan, timezone_problem, upcoming)
from autonomos.server.db.base import as_utc, utcnow
from autonomos.server.db.models import Organization
from autonomos.server.db.session import Database, TenantSession
from autonomos.server.errors import invalid, not_found
from autonomos.server.resources.models import Pipeline
from autonomos.server.schedules.models import Schedule
from autonomos.server.tasks.models import Task
from autonomos.server.tasks.registry import Runtime
from autonomos.server.tasks.service import create_task

log = logging.getLogger(__name__)

RUN_KIND = "pipeline.run"
BUSY = ("queued", "in_progress")
BATCH = 200  # due schedules read per round (the rest wait for the next round)


# -- checking and setting ----------------------------------------------------------------------
def check(cron: Any, timezone: Any, catch_up: Any) -> tuple[str, str, str]:
    """The normalized ``(cron, timezone, catch_up)``, or a 422 problem naming the bad field."""
    for name, problem in (("cron", cron_problem(cron)), ("timezone", timezone_problem(timezone)),
                          ("catch_up", catch_up_problem(catch_up))):
        if problem:
            raise invalid(name, problem)
    return normalize_cron(cron), str(timezone), str(catch_up)


def get_schedule(session: TenantSession, pipeline_id: uuid.UUID) -> Schedule | None:
    return session.scalar(select(Schedule).where(Schedule.pipeline_id == pipeline_id))


def require_pipeline(session: TenantSession, pipeline_id: uuid.UUID) -> Pipeline:
    row = session.get(Pipeline, pipeline_id)
    if row is None:  # another organization's pipeline looks the same
        raise not_found("pipeline")
    return row


def set_schedule(session: TenantSession, pipeline_id: uuid.UUID, cron: Any, timezone: Any = DEFAULT_TIMEZONE,
                 catch_up: Any = DEFAULT_CATCH_UP, paused: bool = False, now: dt.datetime | None = None) -> Schedule:
    """Create or replace the pipeline's schedule (commits). ``next_run_at`` becomes the first tick
    after now: changing a schedule never runs a tick that was due under the old one."""
    require_pipeline(session, pipeline_id)
    cron, timezone, catch_up = check(cron, timezone, catch_up)
    now = now or utcnow()
    row = get_schedule(session, pipeline_id)
    if row is None:
        row = Schedule(pipeline_id=pipeline_id, runs_started=0, ticks_missed=0)
        session.add(row)
    row.cron, row.timezone, row.catch_up, row.paused = cron, timezone, catch_up, bool(paused)
    row.next_run_at = None if paused else next_tick(cron, timezone, now)
    row.updated_at = now
    session.commit()
    return row


def set_paused(session: TenantSession, pipeline_id: uuid.UUID, paused: bool, now: dt.datetime | None = None) -> Schedule:
    """Pause (no ticks, ``next_run_at`` null) or resume (from the first tick after now: the ticks
    of the pause are not caught up). Commits; 404 when the pipeline has no schedule."""
    require_pipeline(session, pipeline_id)
    row = get_schedule(session, pipeline_id)
    if row is None:
        raise not_found("schedule")
    now = now or utcnow()
    if paused != row.paused or (not paused and row.next_run_at is None):
        row.paused = paused
        row.next_run_at = None if paused else next_tick(row.cron, row.timezone, now)
        row.updated_at = now
        session.commit()
    return row


def delete_schedule(session: TenantSession, pipeline_id: uuid.UUID) -> None:
    require_pipeline(session, pipeline_id)
    row = get_schedule(session, pipeline_id)
    if row is None:
        raise not_found("schedule")
    session.delete(row)
    session.commit()


def apply_spec(session: TenantSession, pipeline_id: uuid.UUID, schedule: dict[str, Any] | None) -> Schedule | None:
    """The pipeline YAML's ``schedule:`` block (already checked by the spec) as the stored schedule."""
    if not schedule:
        return None
    return set_schedule(session, pipeline_id, schedule["cron"], schedule.get("timezone") or DEFAULT_TIMEZONE,
                        schedule.get("catch_up") or DEFAULT_CATCH_UP, bool(schedule.get("paused")))


# -- the arbiter ---------------------------------------------------------------------------------
@dataclass
class FireReport:
    started: list[uuid.UUID] = field(default_factory=list)   # task ids of runs this call started
    skipped: int = 0      # ticks claimed without a run (missed under skip, or the last run busy)
    lost: int = 0         # ticks another worker claimed first


def fire_due(runtime: Runtime, now: dt.datetime | None = None) -> FireReport:
    """Claim every due tick this process wins and start its run (see the module docstring)."""
    now = now or utcnow()
    grace = float(getattr(runtime.settings, "schedule_grace", 60.0))
    report = FireReport()
    with runtime.db.system_session() as s:
        due = s.execute(
            select(Schedule.id, Schedule.tenant_id, Schedule.pipeline_id, Schedule.cron, Schedule.timezone,
                   Schedule.catch_up, Schedule.next_run_at, Pipeline.name, Task.status, Task.id)
            .join(Pipeline, Pipeline.id == Schedule.pipeline_id)
            .outerjoin(Task, Task.id == Schedule.last_task_id)
            .where(Schedule.paused.is_(False), Schedule.next_run_at.is_not(None), Schedule.next_run_at <= now)
            .order_by(Schedule.next_run_at).limit(BATCH)).all()
    for sid, tenant_id, pipeline_id, cron, tz, catch_up, seen, name, last_status, last_id in due:
        try:
            task_id = _fire_one(runtime.db, now, grace, sid, tenant_id, pipeline_id, cron, tz, catch_up,
                                seen, name, last_status, last_id, report)
        except Exception as exc:  # one broken row must not stop the others (nor the reaper)
            log.warning("schedule %s: could not fire the tick due %s: %s", sid, seen, exc)
            continue
        if task_id is not None:
            report.started.append(task_id)
            runtime.enqueue(task_id)  # after the commit; a lost enqueue is re-sent by the reaper
    return report


def _fire_one(db: Database, now: dt.datetime, grace: float, sid: uuid.UUID, tenant_id: uuid.UUID,
              pipeline_id: uuid.UUID, cron: str, tz: str, catch_up: str, seen: dt.datetime, name: str,
              last_status: str | None, last_id: uuid.UUID | None, report: FireReport) -> uuid.UUID | None:
    decision = plan(cron, tz, catch_up, as_utc(seen) or now, now, grace=grace)
    run = decision.run
    note = decision.note
    if run and last_status in BUSY:
        run = False
        note = f"tick {decision.tick.isoformat()} skipped: the previous run (task {last_id}) is still {last_status}"
    with db.session(tenant_id) as s:
        # the claim first: on SQLite the transaction's first statement takes the write lock
        claimed = s.execute(
            update(Schedule).where(Schedule.id == sid, Schedule.next_run_at == seen, Schedule.paused.is_(False))
            .values(next_run_at=decision.next_run_at, last_tick_at=decision.tick, last_message=note,
                    ticks_missed=Schedule.ticks_missed + decision.missed + (1 if decision.run and not run else 0),
                    updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            s.rollback()
            report.lost += 1
            return None
        if not run:
            s.commit()
            report.skipped += 1
            log.info("schedule %s (%s): %s", sid, name, note)
            return None
        task = create_task(s, tenant_id, RUN_KIND, {"pipeline_id": str(pipeline_id), "name": name, "full_refresh": False,
                                                    "schedule_id": str(sid), "tick": decision.tick.isoformat()})
        s.execute(update(Schedule).where(Schedule.id == sid)
                  .values(last_task_id=task.id, runs_started=Schedule.runs_started + 1)
                  .execution_options(synchronize_session=False))
        s.commit()
        log.info("schedule %s (%s): tick %s → task %s", sid, name, decision.tick.isoformat(), task.id)
        return task.id


# -- reading -------------------------------------------------------------------------------------
def schedule_json(row: Schedule, pipeline_name: str, task: Task | None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The public shape (``ScheduleOut``): the row, the next ticks, and the last run's outcome."""
    now = now or utcnow()
    nxt = as_utc(row.next_run_at)
    return {
        "id": row.id, "pipeline_id": row.pipeline_id, "pipeline_name": pipeline_name, "cron": row.cron,
        "timezone": row.timezone, "catch_up": row.catch_up, "paused": row.paused, "next_run_at": nxt,
        "upcoming": [] if row.paused or nxt is None else [nxt, *upcoming(row.cron, row.timezone, nxt, 2)],
        "last_tick_at": as_utc(row.last_tick_at), "last_task_id": row.last_task_id,
        "last_status": task.status if task is not None else None,
        "last_error": task.error if task is not None and task.status != "success" else None,
        "last_finished_at": as_utc(task.finished_at) if task is not None else None,
        "last_message": row.last_message, "runs_started": row.runs_started, "ticks_missed": row.ticks_missed,
        "created_at": as_utc(row.created_at), "updated_at": as_utc(row.updated_at),
    }


def describe(session: TenantSession, row: Schedule) -> dict[str, Any]:
    name = session.scalar(select(Pipeline.name).where(Pipeline.id == row.pipeline_id)) or ""
    task = session.get(Task, row.last_task_id) if row.last_task_id else None
    return schedule_json(row, name, task)


def list_schedules(session: TenantSession) -> list[dict[str, Any]]:
    """The organization's schedules, by pipeline name."""
    rows = session.execute(select(Schedule, Pipeline.name, Task)
                           .join(Pipeline, Pipeline.id == Schedule.pipeline_id)
                           .outerjoin(Task, Task.id == Schedule.last_task_id)
                           .order_by(Pipeline.name)).all()
    return [schedule_json(sch, name, task) for sch, name, task in rows]


def list_all(db: Database) -> list[dict[str, Any]]:
    """Every organization's schedules (``autonomos schedules``: the operator's view)."""
    with db.system_session() as s:
        rows = s.execute(select(Schedule, Pipeline.name, Task, Organization.name)
                         .join(Pipeline, Pipeline.id == Schedule.pipeline_id)
                         .join(Organization, Organization.id == Schedule.tenant_id)
                         .outerjoin(Task, Task.id == Schedule.last_task_id)
                         .order_by(Organization.name, Pipeline.name)).all()
        return [{**schedule_json(sch, name, task), "organization": org} for sch, name, task, org in rows]
