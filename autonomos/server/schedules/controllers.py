"""``/api/v1/pipelines/{id}/schedule`` (GET, PUT, DELETE, pause, resume) and ``/api/v1/schedules``.

Another organization's pipeline answers 404, as a missing one does; a bad cron expression or an
unknown time zone answers 422 naming the field (``cron``, ``timezone``).
"""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from autonomos.core.schedule import upcoming
from autonomos.server.db.base import utcnow
from autonomos.server.db.session import TenantSession
from autonomos.server.errors import not_found, problem_responses
from autonomos.server.schedules import service
from autonomos.server.schedules.schemas import (ScheduleIn, ScheduleOut, SchedulePage, SchedulePreviewIn,
                                                SchedulePreviewOut)


def _out(session: TenantSession, row: object) -> ScheduleOut:
    return msgspec.convert(service.describe(session, row), ScheduleOut)  # type: ignore[arg-type]


class ScheduleController(Controller):
    path = "/api/v1"
    tags = ["schedules"]

    @get("/schedules", operation_id="listSchedules", sync_to_thread=True, summary="The organization's schedules")
    def list_schedules(self, db_session: TenantSession) -> SchedulePage:
        """Every schedule with its next run and the last run's outcome, by pipeline name."""
        return SchedulePage(items=[msgspec.convert(s, ScheduleOut) for s in service.list_schedules(db_session)])

    @post("/schedules/preview", operation_id="previewSchedule", sync_to_thread=True, status_code=HTTP_200_OK,
          opt={"scope": "read"}, summary="Check a cron expression and time zone; the next ticks",
          responses=problem_responses(422))
    def preview(self, data: SchedulePreviewIn) -> SchedulePreviewOut:
        """422 names ``cron`` or ``timezone`` when one is wrong; nothing is stored."""
        cron, tz, _ = service.check(data.cron, data.timezone, "once")
        return SchedulePreviewOut(cron=cron, timezone=tz, upcoming=upcoming(cron, tz, utcnow(), 5))

    @get("/pipelines/{pipeline_id:uuid}/schedule", operation_id="getSchedule", sync_to_thread=True,
         summary="A pipeline's schedule", responses=problem_responses(404))
    def get_schedule(self, pipeline_id: uuid.UUID, db_session: TenantSession) -> ScheduleOut:
        """Cron, time zone, catch-up policy, paused, the next run (UTC and the schedule's zone) and
        the last tick's result. 404 when the pipeline or its schedule does not exist."""
        service.require_pipeline(db_session, pipeline_id)
        row = service.get_schedule(db_session, pipeline_id)
        if row is None:
            raise not_found("schedule")
        return _out(db_session, row)

    @put("/pipelines/{pipeline_id:uuid}/schedule", operation_id="setSchedule", sync_to_thread=True,
         summary="Set or replace a pipeline's schedule", responses=problem_responses(404, 422))
    def set_schedule(self, pipeline_id: uuid.UUID, data: ScheduleIn, db_session: TenantSession) -> ScheduleOut:
        """The first run is the first tick after now (a changed schedule never runs a tick that
        was due under the old one)."""
        row = service.set_schedule(db_session, pipeline_id, data.cron, data.timezone, data.catch_up, data.paused)
        return _out(db_session, row)

    @delete("/pipelines/{pipeline_id:uuid}/schedule", operation_id="deleteSchedule", sync_to_thread=True,
            status_code=HTTP_204_NO_CONTENT, summary="Remove a pipeline's schedule", responses=problem_responses(404))
    def delete_schedule(self, pipeline_id: uuid.UUID, db_session: TenantSession) -> None:
        """The pipeline runs only when started by hand from now on; runs already started go on."""
        service.delete_schedule(db_session, pipeline_id)

    @post("/pipelines/{pipeline_id:uuid}/schedule/pause", operation_id="pauseSchedule", sync_to_thread=True,
          status_code=HTTP_200_OK, summary="Pause a schedule (no ticks until resumed)", responses=problem_responses(404))
    def pause(self, pipeline_id: uuid.UUID, db_session: TenantSession) -> ScheduleOut:
        """No tick starts a run until the schedule is resumed; the schedule itself is kept."""
        return _out(db_session, service.set_paused(db_session, pipeline_id, True))

    @post("/pipelines/{pipeline_id:uuid}/schedule/resume", operation_id="resumeSchedule", sync_to_thread=True,
          status_code=HTTP_200_OK, summary="Resume a schedule from its next tick", responses=problem_responses(404))
    def resume(self, pipeline_id: uuid.UUID, db_session: TenantSession) -> ScheduleOut:
        """Ticks that fell in the pause are not caught up: the next run is the first tick after now."""
        return _out(db_session, service.set_paused(db_session, pipeline_id, False))


controllers = [ScheduleController]
