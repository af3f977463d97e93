"""Bodies of ``/api/v1/pipelines/{id}/schedule`` and ``/api/v1/schedules``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from autonomos.server.auth.schemas import Strict

Cron = Annotated[str, msgspec.Meta(min_length=1, max_length=120, examples=["0 6 * * *"],
                                   description="five fields (minute hour day-of-month month day-of-week) "
                                               "or @hourly/@daily/@weekly/@monthly/@yearly")]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["Europe/Berlin"],
                                       description="an IANA time zone; ticks are computed in it (DST included)")]
CatchUp = Literal["once", "skip"]


class ScheduleIn(Strict):
    """``catch_up``: a tick missed while everything was down runs ``once`` (however many were
    missed) or is skipped (``skip``)."""

    cron: Cron
    timezone: TimeZone = "UTC"
    catch_up: CatchUp = "once"
    paused: bool = False


class SchedulePreviewIn(Strict):
    cron: Cron
    timezone: TimeZone = "UTC"


class SchedulePreviewOut(msgspec.Struct):
    cron: str  # normalized (aliases expanded)
    timezone: str
    upcoming: list[dt.datetime]  # the next ticks, UTC


class ScheduleOut(msgspec.Struct):
    id: uuid.UUID
    pipeline_id: uuid.UUID
    pipeline_name: str
    cron: str
    timezone: str
    catch_up: str
    paused: bool
    next_run_at: dt.datetime | None  # UTC; null while paused
    upcoming: list[dt.datetime]       # the next three ticks, UTC
    last_tick_at: dt.datetime | None  # the latest tick decided
    last_task_id: uuid.UUID | None    # the pipeline.run task it started
    last_status: str | None           # that task's status (queued, in_progress, success, failed, cancelled)
    last_error: str | None
    last_finished_at: dt.datetime | None
    last_message: str | None          # why the latest tick(s) did not run, if so
    runs_started: int
    ticks_missed: int
    created_at: dt.datetime
    updated_at: dt.datetime


class SchedulePage(msgspec.Struct):
    items: list[ScheduleOut]
