"""API benchmark: a fixed-rate load on `GET /dcl/state` and `GET /api/v1/tasks/{id}`, per mode.

For each mode it starts a real server (and, in production mode, PostgreSQL-backed metadata,
Redis and a separate `autonomos worker`), registers an organization, connects the demo with
`POST /dcl/connect` and times request → task `success`, then a load generator in another
process sends requests at a fixed rate (open loop: a slow answer does not slow the sender; latency
counts from each request's due time) over a minimal keep-alive HTTP/1.1 client (httpx would use
about a core by itself at 500 req/s), after a 2 s uncounted warm-up, and reports p50/p99 latency
and errors. The server runs with ``--workers 2`` (one per core) unless told otherwise. Usage:

    .venv/bin/python bench/api.py [--rate 500] [--seconds 30] [--modes embedded,production] [--workers 2]

``BENCH_TIMELINE=1`` prints p50/p99 per second (to find periodic stalls).

Production mode needs PostgreSQL on 127.0.0.1:5432 (user postgres, database test) and Redis on
127.0.0.1:6379. Goal: p99 < 50 ms, zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
AUTONOMOS = str(Path(sys.executable).parent / "autonomos")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout}s")


def start_mode(mode: str, work: Path, workers: int) -> tuple[str, list[subprocess.Popen], dict[str, str]]:
    env = {**os.environ, "AUTONOMOS_DATA_DIR": str(work / mode)}
    env.pop("AUTONOMOS_REDIS_URL", None)
    env.pop("AUTONOMOS_DATABASE_URL", None)
    procs: list[subprocess.Popen] = []
    if mode == "production":
        import psycopg

        db = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
            c.execute(f"CREATE DATABASE {db}")
        env["AUTONOMOS_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
        env["AUTONOMOS_REDIS_URL"] = f"redis://127.0.0.1:6379/{7}"
        env["AUTONOMOS_JWT_SECRET"] = uuid.uuid4().hex * 2
        env["AUTONOMOS_SECRET_KEY"] = uuid.uuid4().hex * 2
        env["BENCH_DB"] = db
        subprocess.run([AUTONOMOS, "migrate"], env=env, check=True, capture_output=True)
        procs.append(subprocess.Popen([AUTONOMOS, "worker"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
    port = free_port()
    procs.append(subprocess.Popen([AUTONOMOS, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/health")
    return base, procs, env


def stop_mode(procs: list[subprocess.Popen], env: dict[str, str]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    if env.get("BENCH_DB"):
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {env['BENCH_DB']} WITH (FORCE)")


def setup_tenant(base: str) -> tuple[str, str, float]:
    """Register, log in, connect the demo; returns (token, task id, seconds to success)."""
    email = f"bench-{uuid.uuid4().hex[:6]}@bench.test"
    password = "bench-password-123"
    c = httpx.Client(base_url=base, timeout=60)
    r = c.post("/api/v1/auth/register", json={"organization": "Bench", "email": email, "password": password})
    r.raise_for_status()
    r = c.post("/api/v1/auth/login", data={"username": email, "password": password})
    r.raise_for_status()
    token = r.json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    t0 = time.perf_counter()
    r = c.post("/dcl/connect", json={"demo": True}, headers=h)
    r.raise_for_status()
    task_id = r.json()["id"]
    while True:
        status = c.get(f"/api/v1/tasks/{task_id}", headers=h).json()["status"]
        if status in ("success", "failed", "cancelled"):
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    if status != "success":
        raise RuntimeError(f"demo connect ended {status}")
    return token, task_id, seconds


class _Conn:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for GETs."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.used = time.monotonic()

    async def get(self, request: bytes) -> tuple[int, bool]:
        """Send a prepared request; return (status, connection still usable)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, keep = 0, False, True
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.strip().lower() == b"close":
                keep = False
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        return status, keep

    def close(self) -> None:
        self.writer.close()


IDLE_MAX = 3.0  # seconds; uvicorn closes keep-alive connections idle for 5 s


async def _load(base: str, token: str, paths: list[str], rate: int, seconds: int, warmup: float = 2.0) -> dict:
    """Open loop: request i is due at start + i/rate whatever the answers; its latency counts from
    that due time (so a slow server or a late generator cannot hide queueing). A raw keep-alive
    HTTP/1.1 client: httpx costs ~1 ms of CPU per request, which on 2 cores starves the server.
    The first ``warmup`` seconds run at the same rate and are not counted (both server processes
    open their database connections and build their routes' handlers on first use)."""
    host, port = base.split("//", 1)[1].split(":")
    latencies: dict[str, list[float]] = {p: [] for p in paths}
    errors: dict[str, int] = {p: 0 for p in paths}
    error_kinds: dict[str, int] = {}
    requests = {p: (f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                    f"Accept: application/json\r\n\r\n").encode() for p in paths}
    idle: list[_Conn] = []
    late = 0
    timeline: list[tuple[float, float]] = []
    opened = 0

    async def connection() -> _Conn:
        nonlocal opened
        while idle:
            conn = idle.pop()
            if time.monotonic() - conn.used < IDLE_MAX:
                return conn
            conn.close()  # the server may be closing it: a client never reuses a stale one
        opened += 1
        return _Conn(*await asyncio.open_connection(host, int(port)))

    async def one(path: str, due: float, counted: bool) -> None:
        conn = None
        try:
            conn = await connection()
            status, keep = await asyncio.wait_for(conn.get(requests[path]), timeout=10)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                ValueError) as exc:
            if counted:
                errors[path] += 1
                error_kinds[type(exc).__name__] = error_kinds.get(type(exc).__name__, 0) + 1
            if conn is not None:
                conn.close()
            return
        took = (time.perf_counter() - due) * 1000
        if counted:
            if status == 200:
                latencies[path].append(took)
                timeline.append((due - measured_from, took))
            else:
                errors[path] += 1
                error_kinds[f"HTTP {status}"] = error_kinds.get(f"HTTP {status}", 0) + 1
        if keep:
            conn.used = time.monotonic()
            idle.append(conn)
        else:
            conn.close()

    tasks = []
    start = time.perf_counter()
    skip = int(rate * warmup)
    total = rate * seconds
    measured_from = start + skip / rate
    for i in range(skip + total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.005 and i >= skip:
            late += 1
        tasks.append(asyncio.ensure_future(one(paths[i % len(paths)], due, i >= skip)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - measured_from
    for conn in idle:
        conn.close()
    if os.environ.get("BENCH_TIMELINE"):
        for sec in range(seconds):
            lat = sorted(v for t, v in timeline if sec <= t < sec + 1)
            if lat:
                print(f"  t={sec:>3}s n={len(lat)} p50={lat[len(lat) // 2]:.1f} p99={lat[int(len(lat) * .99)]:.1f} "
                      f"max={lat[-1]:.1f}", file=sys.stderr)
    return {"latencies": latencies, "errors": errors, "error_kinds": error_kinds, "elapsed": elapsed,
            "sent": total, "late": late, "connections": opened}


def _load_process(base: str, token: str, paths: list[str], rate: int, seconds: int, q: mp.Queue) -> None:
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    q.put(run(_load(base, token, paths, rate, seconds)))


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=500)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--modes", default="embedded,production")
    ap.add_argument("--workers", type=int, default=2, help="`autonomos serve --workers` (one per core)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="autonomos-api-bench-"))
    report = []
    try:
        for mode in args.modes.split(","):
            base, procs, env = start_mode(mode, work, args.workers)
            try:
                token, task_id, connect_s = setup_tenant(base)
                paths = ["/dcl/state", f"/api/v1/tasks/{task_id}"]
                q: mp.Queue = mp.Queue()
                p = mp.Process(target=_load_process, args=(base, token, paths, args.rate, args.seconds, q))
                p.start()
                res = q.get()
                p.join()
                for path in paths:
                    lat = res["latencies"][path]
                    report.append({"mode": mode, "path": path.split("/tasks/")[0] + ("/tasks/{id}" if "/tasks/" in path else ""),
                                   "requests": len(lat) + res["errors"][path], "errors": res["errors"][path],
                                   "p50_ms": round(pct(lat, 50), 2), "p99_ms": round(pct(lat, 99), 2),
                                   "mean_ms": round(statistics.fmean(lat), 2) if lat else None})
                achieved = res["sent"] / res["elapsed"]
                print(f"[{mode}] demo /dcl/connect → success in {connect_s:.2f}s; load sent at {achieved:.0f} req/s "
                      f"({args.workers} server worker(s), {res['connections']} connections opened, "
                      f"{res['late']} requests sent >5 ms late, errors: {res['error_kinds'] or 'none'})")
            finally:
                stop_mode(procs, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'mode':<11} {'endpoint':<22} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7}")
    for r in report:
        print(f"{r['mode']:<11} {r['path']:<22} {r['requests']:>8} {r['errors']:>6} {r['p50_ms']:>7} {r['p99_ms']:>7}")
    print(f"\ngoal: p99 < 50 ms and zero errors at {args.rate} req/s for {args.seconds}s")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
