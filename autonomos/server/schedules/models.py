"""The ``schedules`` table: one cron schedule per stored pipeline, the arbiter of its ticks.

``next_run_at`` (UTC) is the tick the schedule waits for; the maintenance thread of every worker
moves it on with one conditional UPDATE (``WHERE next_run_at = <the value it read>``), so exactly
one worker wins each tick and starts that tick's run in the same transaction. ``null`` while
paused (or when the expression fires no more).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from autonomos.server.db.base import Base, TenantOwned, Timestamped, UUIDPrimaryKey, utcnow


class Schedule(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    """``cron`` read in ``timezone``; ``catch_up`` (``once`` | ``skip``) decides a tick missed while
    everything was down. ``last_*`` describe the latest tick decided: when, its run's task, and a
    note when ticks did not run (skipped, collapsed, the previous run still going)."""

    __tablename__ = "schedules"
    __table_args__ = (Index("ix_schedules_due", "paused", "next_run_at"),)
    pipeline_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"), unique=True)
    cron: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    catch_up: Mapped[str] = mapped_column(String(8), default="once")
    paused: Mapped[bool] = mapped_column(default=False)
    next_run_at: Mapped[dt.datetime | None]
    last_tick_at: Mapped[dt.datetime | None]
    last_task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    last_message: Mapped[str | None] = mapped_column(Text)
    runs_started: Mapped[int] = mapped_column(default=0)
    ticks_missed: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
