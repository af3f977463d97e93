"""Cron schedules: parse and check an expression and a time zone, compute ticks, decide a due tick.

A schedule is a five-field cron expression (minute hour day-of-month month day-of-week, or one of
``@hourly @daily @midnight @weekly @monthly @yearly @annually``) read in an IANA time zone
(``Europe/Berlin``; default ``UTC``). Ticks are computed in that zone by :mod:`cronsim` and handed
back in UTC, so daylight saving time behaves as Debian's cron does: a daily ``30 2 * * *`` runs
once on both transition days (at 03:00 when 02:30 does not exist, at the first 02:30 when it
happens twice), and an hourly ``0 * * * *`` runs every real hour.

:func:`plan` decides what to do with a due tick (``next_run_at <= now``)::

    decision = plan(cron, tz, catch_up, due=row.next_run_at, now=utcnow(), grace=60)
    decision.run          # start a run now?
    decision.next_run_at  # the first tick after now (both policies jump past now)
    decision.note         # why a tick did not run ("skipped 3 ticks missed …"), else None

A tick that comes ``grace`` seconds late or more was missed (everything was down): ``catch_up:
once`` runs it once however many were missed; ``catch_up: skip`` does not run it and waits for
the next future tick. A late tick within the grace (the maintenance thread runs every few
seconds) is on time under both policies.

This module is the engine's: the pipeline YAML's ``schedule:`` block is checked with it, and the
server's arbiter (:mod:`autonomos.server.schedules.service`) plans ticks with it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import zoneinfo
from dataclasses import dataclass

from cronsim import CronSim, CronSimError

CATCH_UP = ("once", "skip")
DEFAULT_TIMEZONE = "UTC"
DEFAULT_CATCH_UP = "once"
ALIASES = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
           "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
FIELDS = "minute hour day-of-month month day-of-week"
UTC = dt.timezone.utc


def normalize_cron(expr: str) -> str:
    """The five-field form of ``expr`` (aliases expanded, whitespace collapsed)."""
    text = " ".join(str(expr).split())
    return ALIASES.get(text.lower(), text)


def cron_problem(expr: object) -> str | None:
    """Why ``expr`` is not a usable cron expression, or None."""
    if not isinstance(expr, str) or not expr.strip():
        return f"expected a cron expression ({FIELDS}, e.g. '0 6 * * *'), got {expr!r}"
    text = normalize_cron(expr)
    fields = text.split(" ")
    if text.startswith("@"):
        return f"unknown shortcut {text!r}; known: {', '.join(ALIASES)}"
    if len(fields) != 5:
        return (f"{expr!r} has {len(fields)} field(s); a cron expression has five: {FIELDS} "
                "(e.g. '0 6 * * *' is every day at 06:00)")
    try:
        it = CronSim(text, dt.datetime(2000, 1, 1, tzinfo=UTC))
    except CronSimError as exc:
        return f"{expr!r} is not a valid cron expression: {str(exc).lower()} ({FIELDS})"
    try:
        next(it)
    except StopIteration:
        return f"{expr!r} never fires"
    return None


@functools.lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def timezone_problem(name: object) -> str | None:
    """Why ``name`` is not an IANA time zone this machine knows, or None."""
    if not isinstance(name, str) or not name:
        return f"expected an IANA time zone name such as 'Europe/Berlin' or 'UTC', got {name!r}"
    try:
        zoneinfo.ZoneInfo(name)
        return None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    close = difflib.get_close_matches(name, _zone_names(), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else " (an IANA name such as 'Europe/Berlin' or 'UTC')"
    return f"unknown time zone {name!r}{hint}"


def catch_up_problem(value: object) -> str | None:
    if value in CATCH_UP:
        return None
    return f"must be one of {', '.join(CATCH_UP)}; got {value!r}"


def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def next_tick(cron: str, timezone: str, after: dt.datetime) -> dt.datetime | None:
    """The first tick strictly after ``after`` (aware), in UTC; None if it never fires again."""
    start = after.astimezone(_zone(timezone))
    try:
        return next(iter(CronSim(normalize_cron(cron), start))).astimezone(UTC)
    except StopIteration:
        return None


def previous_tick(cron: str, timezone: str, at: dt.datetime) -> dt.datetime | None:
    """The last tick at or before ``at`` (aware), in UTC; None if there is none."""
    # ticks fall on whole seconds: "strictly before at + 1 s, floored" is "at or before at"
    start = (at.astimezone(_zone(timezone)) + dt.timedelta(seconds=1)).replace(microsecond=0)
    try:
        return next(iter(CronSim(normalize_cron(cron), start, reverse=True))).astimezone(UTC)
    except StopIteration:
        return None


def upcoming(cron: str, timezone: str, after: dt.datetime, count: int = 3) -> list[dt.datetime]:
    """The next ``count`` ticks after ``after``, in UTC (for previews)."""
    out: list[dt.datetime] = []
    it = iter(CronSim(normalize_cron(cron), after.astimezone(_zone(timezone))))
    for tick in it:
        out.append(tick.astimezone(UTC))
        if len(out) >= count:
            break
    return out


@dataclass(frozen=True)
class Decision:
    run: bool                       # start a run for this tick now
    tick: dt.datetime               # the tick that is being decided (the latest one due)
    next_run_at: dt.datetime | None  # the first tick after now
    missed: int                     # due ticks that did not run (collapsed or skipped)
    note: str | None                # why ticks did not run


def plan(cron: str, timezone: str, catch_up: str, due: dt.datetime, now: dt.datetime,
         grace: float = 60.0, count_limit: int = 10_000) -> Decision:
    """What to do with a schedule whose ``next_run_at`` (``due``) is at or before ``now``.

    The latest tick at or before ``now`` is on time when it is less than ``grace`` seconds old:
    it runs under both policies (ticks before it were missed). Otherwise every due tick was
    missed: ``once`` runs one of them now, ``skip`` runs none. Either way the schedule moves to
    the first tick after ``now``, so a long downtime never starts a burst of runs.
    """
    latest = previous_tick(cron, timezone, now) or due
    if latest < due:
        latest = due
    on_time = (now - latest).total_seconds() < grace
    # how many ticks were due (bounded: a minutely schedule down for a month is 43,200 ticks)
    due_count = 1
    it = iter(CronSim(normalize_cron(cron), due.astimezone(_zone(timezone))))
    for tick in it:
        if tick.astimezone(UTC) > now or due_count >= count_limit:
            break
        due_count += 1
    following = next_tick(cron, timezone, now)
    if on_time or catch_up == "once":
        missed = due_count - 1
        note = None
        if missed:
            note = (f"{missed} earlier tick(s) since {due.isoformat()} were missed and collapsed into this run"
                    if on_time else f"{due_count} tick(s) missed since {due.isoformat()}; ran once (catch_up: once)")
        return Decision(run=True, tick=latest, next_run_at=following, missed=missed, note=note)
    return Decision(run=False, tick=latest, next_run_at=following, missed=due_count,
                    note=f"{due_count} tick(s) missed since {due.isoformat()}; skipped (catch_up: skip)")
