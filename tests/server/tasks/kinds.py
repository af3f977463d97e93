"""Task kinds used by the task tests (imported by workers via AUTONOMOS_TASK_MODULES too).

``test.sleep`` records each start in ``<dir>/<task>.started`` and, after sleeping, its one side
effect in ``<dir>/<task>.done`` (a line per completed run), so tests can prove a task that was
killed mid-run completed exactly once.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from autonomos.server.tasks.service import PermanentTaskError, TaskCancelled, TaskRunContext, task_kind


def _append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


@task_kind("test.echo")
def echo(ctx: TaskRunContext) -> dict[str, Any]:
    ctx.progress(0.5, "halfway")
    return {"echo": ctx.payload.get("value"), "attempt": ctx.attempt, "tenant": str(ctx.tenant_id)}


@task_kind("test.sleep")
def sleep(ctx: TaskRunContext) -> dict[str, Any]:
    folder = Path(ctx.payload["dir"])
    _append(folder / f"{ctx.task_id}.started", f"{ctx.attempt} {os.getpid()}")
    deadline = time.monotonic() + float(ctx.payload.get("seconds", 1.0))
    while time.monotonic() < deadline:
        if ctx.should_cancel():
            raise TaskCancelled()
        time.sleep(0.05)
    _append(folder / f"{ctx.task_id}.done", f"{ctx.attempt} {os.getpid()}")
    return {"slept": ctx.payload.get("seconds", 1.0), "attempt": ctx.attempt, "pid": os.getpid()}


@task_kind("test.stubborn")
def stubborn(ctx: TaskRunContext) -> dict[str, Any]:
    """Python that never looks at its stop switch (a kind written badly): only the process's exit ends it."""
    _append(Path(ctx.payload["dir"]) / f"{ctx.task_id}.started", f"{ctx.attempt} {os.getpid()}")
    time.sleep(float(ctx.payload.get("seconds", 60)))
    return {"slept": ctx.payload.get("seconds", 60)}


@task_kind("test.engine_run")
def engine_run(ctx: TaskRunContext) -> dict[str, Any]:
    """A real engine run of the pipeline YAML in ``payload["yaml"]`` (files relative to ``dir``):
    whatever the engine raises reaches the worker as it is."""
    from autonomos.core.pipeline.runner import Runner
    from autonomos.core.spec import parse_pipeline

    result = Runner(ctx.catalog).run(parse_pipeline(ctx.payload["yaml"]), base_dir=Path(ctx.payload["dir"]))
    return {"status": result.status}


@task_kind("test.flaky")
def flaky(ctx: TaskRunContext) -> dict[str, Any]:
    """Fails until attempt ``succeed_on`` (never when 0)."""
    succeed_on = int(ctx.payload.get("succeed_on", 0))
    if succeed_on and ctx.attempt >= succeed_on:
        return {"attempt": ctx.attempt}
    raise RuntimeError(f"flaky failure on attempt {ctx.attempt}")


@task_kind("test.bad_input")
def bad_input(ctx: TaskRunContext) -> dict[str, Any]:
    raise PermanentTaskError("payload lacks 'x'")


@task_kind("test.needs_file")
def needs_file(ctx: TaskRunContext) -> dict[str, Any]:
    """Fails for good until ``payload["path"]`` exists (a cause someone fixes before retrying)."""
    path = Path(ctx.payload["path"])
    if not path.exists():
        raise PermanentTaskError(f"{path.name} is missing")
    return {"content": path.read_text(encoding="utf-8"), "attempt": ctx.attempt}


@task_kind("test.duckdb_spin")
def duckdb_spin(ctx: TaskRunContext) -> dict[str, Any]:
    """One DuckDB statement that would run for hours, on a connection of the run's guard: only an
    interrupt ends it. ``<dir>/<task>.started`` appears just before the statement starts."""
    from autonomos.core import guard

    con = guard.connect()
    try:
        _append(Path(ctx.payload["dir"]) / f"{ctx.task_id}.started", f"{ctx.attempt} {os.getpid()}")
        total = con.execute("SELECT sum(hash(i)) FROM range(10000000000000) t(i)").fetchone()
    finally:
        con.close()
    return {"sum": str(total)}


@task_kind("test.duckdb_settings")
def duckdb_settings(ctx: TaskRunContext) -> dict[str, Any]:
    """The memory limit of a DuckDB connection the run opens, beside a plain connection's."""
    import duckdb

    from autonomos.core import guard

    con, plain = guard.connect(), duckdb.connect()
    try:
        query = "SELECT current_setting('memory_limit')"
        return {"run": con.execute(query).fetchone()[0], "plain": plain.execute(query).fetchone()[0]}
    finally:
        con.close()
        plain.close()
