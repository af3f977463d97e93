"""What bounds one run: the columns a table may have, the memory its DuckDB connections may use,
and a stop switch that interrupts the statement in progress.

Whoever starts a run (the server's task worker) opens a :class:`RunGuard` with
:func:`guarding`; the runner, the stages and connectors then reach it through a context
variable, so a connector needs no new argument::

    from autonomos.core import guard

    con = guard.connect()            # duckdb.connect() with the run's memory limit, interruptible
    guard.check()                    # raises RunCancelled once the run was stopped
    guard.check_columns(n, "files: /data/wide.csv")   # LimitError past AUTONOMOS_MAX_COLUMNS

Stopping is cooperative in Python and forced in DuckDB: :meth:`RunGuard.stop` records why
(``cancel``, ``timeout``, ``shutdown``, ``lease lost``), and interrupts every connection the run
opened through :func:`connect` or :func:`watch` (a cursor is a connection of its own: watch it
too). A statement that starts after the interrupt runs on, so the stopper calls
:meth:`RunGuard.interrupt` again until the run is over, and the engine calls :func:`check`
between stages and inside long loops. Without a guard (a plain CLI run) every function here
is a no-op apart from the column limit, read from ``AUTONOMOS_MAX_COLUMNS``.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Iterator

import duckdb

from autonomos.core import settings
from autonomos.core.errors import AutonomosError

DEFAULT_MAX_COLUMNS = 10_000


class RunCancelled(AutonomosError):
    """The run was stopped from outside (cancelled, timed out, shutting down); ``reason`` says which."""

    def __init__(self, reason: str = "cancel"):
        super().__init__("run cancelled" if reason == "cancel" else f"run stopped ({reason})")
        self.reason = reason


class LimitError(AutonomosError):
    """A source is beyond a limit of this installation (too many columns); retrying cannot help."""


@dataclass(frozen=True)
class RunLimits:
    """``max_columns``: the widest table a run accepts (``AUTONOMOS_MAX_COLUMNS``, 10,000; 0 = no
    limit). ``memory_limit``: DuckDB's ``memory_limit`` for every connection of the run (``2GB``,
    ``25%``; None = DuckDB's default, 80 % of the machine's memory per connection)."""

    max_columns: int = DEFAULT_MAX_COLUMNS
    memory_limit: str | None = None

    @classmethod
    def from_settings(cls) -> RunLimits:
        """The limits of the current engine settings (``AUTONOMOS_MAX_COLUMNS``)."""
        raw = settings.current().max_columns
        try:
            max_columns = int(raw) if raw else DEFAULT_MAX_COLUMNS
        except ValueError:
            raise AutonomosError(f"AUTONOMOS_MAX_COLUMNS must be a whole number, not {raw!r}") from None
        return cls(max_columns=max(0, max_columns))


class RunGuard:
    """One run's limits and stop switch. Thread-safe: the run checks it, another thread stops it."""

    def __init__(self, limits: RunLimits | None = None):
        self.limits = limits or RunLimits.from_settings()
        self.reason: str | None = None
        self._lock = threading.Lock()
        self._connections: weakref.WeakSet[Any] = weakref.WeakSet()

    @property
    def stopped(self) -> bool:
        return self.reason is not None

    def stop(self, reason: str) -> None:
        """Stop the run (the first reason wins) and interrupt its DuckDB statements."""
        with self._lock:
            if self.reason is None:
                self.reason = reason
        self.interrupt()

    def interrupt(self) -> None:
        """Interrupt whatever statement each watched connection runs now (none: nothing happens)."""
        with self._lock:
            connections = list(self._connections)
        for con in connections:
            try:
                con.interrupt()
            except duckdb.Error:  # closed already
                pass

    def watch(self, con: Any, memory: bool = True) -> Any:
        """Make ``con`` interruptible by :meth:`stop` and, with ``memory``, apply the memory limit
        (a locked reader got it when it was opened: see ``TenantCatalog.reader``); returns it."""
        if memory and self.limits.memory_limit:
            con.execute(f"SET memory_limit='{memory_literal(self.limits.memory_limit)}'")
        with self._lock:
            self._connections.add(con)
        if self.reason is not None:
            raise RunCancelled(self.reason)
        return con

    def check(self) -> None:
        if self.reason is not None:
            raise RunCancelled(self.reason)


MEMORY_SIZE = re.compile(r"\d+(\.\d+)?\s*(%|[KMGT]i?B|B)?", re.IGNORECASE)


def memory_literal(value: str) -> str:
    """A memory size DuckDB accepts (``512MB``, ``2GB``, ``1.5GiB``), else AutonomosError; a share
    of the machine (``25%``) becomes megabytes here, as DuckDB 1.5 takes no percentages."""
    text = value.strip()
    if not MEMORY_SIZE.fullmatch(text):
        raise AutonomosError(f"memory limit {value!r} is not a size such as 2GB, 512MB or 25%")
    if text.endswith("%"):
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return f"{max(64, int(total * float(text[:-1].strip()) / 100 / 1_000_000))}MB"
    return text


_current: contextvars.ContextVar[RunGuard | None] = contextvars.ContextVar("autonomos_run_guard", default=None)


@contextlib.contextmanager
def guarding(run_guard: RunGuard) -> Iterator[RunGuard]:
    """Run the block under ``run_guard`` (the stages and connectors find it by :func:`current`)."""
    token = _current.set(run_guard)
    try:
        yield run_guard
    finally:
        _current.reset(token)


def current() -> RunGuard | None:
    return _current.get()


def limits() -> RunLimits:
    """The current run's limits, else the environment's."""
    g = _current.get()
    return g.limits if g is not None else RunLimits.from_settings()


def check() -> None:
    """Raise :class:`RunCancelled` when the current run was stopped; call it in long loops."""
    g = _current.get()
    if g is not None:
        g.check()


def watch(con: Any, memory: bool = True) -> Any:
    """``con`` (a DuckDB connection or cursor) under the current run's guard; returns it."""
    g = _current.get()
    return g.watch(con, memory) if g is not None else con


def connect(database: str = ":memory:", **kwargs: Any) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` under the current run's guard (memory limit, interruptible)."""
    con = duckdb.connect(database, **kwargs)
    try:
        return watch(con)
    except BaseException:
        con.close()
        raise


def check_columns(count: int, what: str) -> None:
    """Refuse a table of more than ``max_columns`` columns; ``what`` names the file or table.

    Checked before DuckDB reads the table: a 100,000-column header of 889 KB took DuckDB's
    CSV sniffer 10 s and 1 GB, and the whole run over 13 minutes, for one row of data."""
    limit = limits().max_columns
    if limit and count > limit:
        raise LimitError(f"{what} has {count:,} columns; the limit is {limit:,} "
                         f"(AUTONOMOS_MAX_COLUMNS; split the table or raise the limit)")
