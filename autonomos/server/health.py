"""``/health`` (the process answers), ``/ready`` (its dependencies answer) and the readiness hook.

Other parts add checks with :func:`register_readiness_check`; ``/ready`` runs every check in a
thread with a timeout and answers 200 when all pass, else 503 (problem details listing each
check). A check gets the app state (``state.settings``, ``state.db``) and returns a short detail
string, or raises with a message saying what is wrong::

    from autonomos.server.health import register_readiness_check

    def _worker_heartbeat(state) -> str:
        age = seconds_since_last_heartbeat(state.db)
        if age > 30:
            raise RuntimeError(f"no worker heartbeat for {age:.0f} s")
        return f"last heartbeat {age:.0f} s ago"

    register_readiness_check("worker", _worker_heartbeat)
"""

from __future__ import annotations

import time
from typing import Any, Callable

import anyio
import msgspec
from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

from autonomos import __version__
from autonomos.server.errors import MEDIA_TYPE, problem_responses

ReadinessCheck = Callable[[State], "str | None"]
CHECK_TIMEOUT = 3.0
_checks: dict[str, ReadinessCheck] = {}


def register_readiness_check(name: str, check: ReadinessCheck) -> None:
    """Add (or replace) a named readiness check for every app in this process."""
    _checks[name] = check


def unregister_readiness_check(name: str) -> None:
    _checks.pop(name, None)


def _database(state: State) -> str:
    with state.db.engine.connect() as con:
        con.execute(text("select 1"))
    return state.db.engine.dialect.name


def _redis(state: State) -> str | None:
    url = state.settings.redis.url
    if url is None:
        return "not configured (embedded mode)"
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


register_readiness_check("database", _database)
register_readiness_check("redis", _redis)


class HealthOut(msgspec.Struct):
    status: str
    version: str


class CheckOut(msgspec.Struct):
    ok: bool
    detail: str
    ms: float


class ReadyOut(msgspec.Struct):
    status: str
    checks: dict[str, CheckOut]


async def _run(check: ReadinessCheck, state: State) -> CheckOut:
    start = time.perf_counter()
    try:
        with anyio.fail_after(CHECK_TIMEOUT):
            detail = await anyio.to_thread.run_sync(check, state, abandon_on_cancel=True)
        return CheckOut(True, detail or "ok", round((time.perf_counter() - start) * 1000, 1))
    except TimeoutError:
        return CheckOut(False, f"timed out after {CHECK_TIMEOUT:.0f} s", round((time.perf_counter() - start) * 1000, 1))
    except Exception as exc:  # a failing dependency is the answer, not a server error
        return CheckOut(False, f"{type(exc).__name__}: {exc}", round((time.perf_counter() - start) * 1000, 1))


@get("/health", operation_id="health", opt={"exclude_from_auth": True}, tags=["operations"], summary="Liveness")
async def health() -> HealthOut:
    """Answers while the process serves requests; checks nothing else."""
    return HealthOut(status="ok", version=__version__)


@get("/ready", operation_id="ready", opt={"exclude_from_auth": True}, tags=["operations"], summary="Readiness",
     responses=problem_responses(503))
async def ready(state: State) -> Response[Any]:
    """200 when the database, Redis (when configured) and every registered check answer; else 503."""
    results = {name: await _run(check, state) for name, check in list(_checks.items())}
    if all(r.ok for r in results.values()):
        return Response(ReadyOut(status="ready", checks=results))
    failing = ", ".join(n for n, r in results.items() if not r.ok)
    body = {"type": "urn:autonomos:problem:not-ready", "title": "Service Unavailable", "status": 503,
            "detail": f"not ready: {failing}", "instance": "/ready",
            "checks": {n: msgspec.structs.asdict(r) for n, r in results.items()}}
    return Response(body, status_code=503, media_type=MEDIA_TYPE, headers={"Retry-After": "5"})
