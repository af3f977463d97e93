"""Redis killed and restarted (empty: no persistence) while a production-mode run is in progress.

The task rows live in PostgreSQL, so Redis holds only what can be rebuilt: Huey's messages (the
reaper hands queued rows over again), worker heartbeats (re-sent every round), the writer lock
(renewed, or taken again by the next run) and the live-event channel (a socket catches up from
the stored events). The run in progress finishes with its rows exact, a connect asked for while
Redis is down is not lost, and the event socket opened before the restart delivers the later
run's events."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import WebSocketTestSession

import redis

from autonomos.core.errors import CatalogBusyError
from autonomos.core.locks import RedisWriterLock
from tests.conftest import require_service
from tests.faults.conftest import (BIG_ROWS, RedisServer, catalog_runs, connect_file, order_counts, place_file, poll,
                                   production, wait_done, wait_running)
from tests.server.helpers import new_tenant

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SMALL = b"order_id,customer_name,email,amount,created_at\n" + b"".join(
    f"{i},Late {i},l{i}@example.test,{i}.5,2024-02-01\n".encode() for i in range(1, 1001))


def events_until(ws: WebSocketTestSession, done: Any, timeout: float = 90) -> list[dict[str, Any]]:
    """Read the socket's engine events until ``done(events)`` holds."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while not done(events):
        assert time.monotonic() < deadline, [e.get("type") for e in events][-10:]
        body = json.loads(ws.receive_text(timeout=max(1.0, deadline - time.monotonic())))
        if "id" in body and "type" in body and body["type"] != "task":
            events.append(body)
    return events


def test_redis_restarted_mid_run_nothing_lost(pg_database: str, data_dir: Path, tmp_path: Path,
                                              own_redis: RedisServer, big_csv: Path) -> None:
    require_service("PostgreSQL", 5432)
    with production(pg_database, data_dir, tmp_path, redis_url=own_redis.url) as cluster:
        c = cluster.client
        a = new_tenant(c, "Restart Corp", "owner@restart.test")
        cluster.start_worker(threads=2)
        big = place_file(data_dir, a, big_csv)
        place_file_bytes(data_dir, a, "late.csv", SMALL)
        with c.websocket_connect("/ws/events?since=0", headers=a.headers) as ws:
            task_id = connect_file(c, a, "shop", big)
            wait_running(c, a, task_id)
            own_redis.kill()
            # while Redis is down, the API still takes a connect: the row is stored, Huey's message is not
            r = c.post("/dcl/connect", json={"sources": [{"name": "late", "connector": "files",
                                                          "config": {"path": "late.csv"}}]}, headers=a.headers)
            print(f"POST /dcl/connect with Redis down: {r.status_code} {r.text[:200]}")
            assert r.status_code == 202, r.text
            late_id = r.json()["id"]
            time.sleep(1.0)  # Redis stays down for a while: heartbeats, lock renewals and event publishes fail
            own_redis.start()
            restarted = time.monotonic()
            done = wait_done(c, a, task_id, timeout=150)
            assert done["status"] == "success", (done, cluster.logs())
            late = wait_done(c, a, late_id, timeout=120)
            print(f"Redis restarted: the running task {done['status']} (attempts {done['attempts']}), the one "
                  f"asked for while it was down {late['status']} {time.monotonic() - restarted:.1f} s after the restart")
            assert late["status"] == "success" and late["attempts"] == 1, (late, cluster.logs())
            assert order_counts(c, a) == [BIG_ROWS, BIG_ROWS, 1, BIG_ROWS]
            assert order_counts(c, a, "late", "late") == [1000, 1000, 1, 1000]
            runs = catalog_runs(data_dir, a)
            assert [r["status"] for r in runs].count("success") == 2, runs
            late_run = late["result"]["run_id"]
            events = events_until(ws, lambda evs: any(e["type"] == "run_finished" and e["run_id"] == late_run
                                                      for e in evs))
        ids = [e["id"] for e in events]
        assert ids == sorted(set(ids)), "an event twice or out of order"
        assert {e["type"] for e in events if e["run_id"] == late_run} >= {"run_started", "run_finished"}


def place_file_bytes(data_dir: Path, tenant: Any, name: str, body: bytes) -> None:
    from autonomos.core.catalog import TenantCatalog

    files = TenantCatalog(tenant.org_id, data_dir=data_dir).root / "files"
    files.mkdir(parents=True, exist_ok=True)
    (files / name).write_bytes(body)


def test_writer_lock_survives_a_redis_restart(own_redis: RedisServer) -> None:
    """The catalog writer's Redis lock across a restart that empties Redis: the holder keeps
    renewing through the outage, takes the key back once Redis answers, so a second writer
    still cannot start; releasing while Redis is down does not fail the run."""
    client = redis.Redis.from_url(own_redis.url, socket_timeout=1, socket_connect_timeout=0.5)
    other_client = redis.Redis.from_url(own_redis.url, socket_timeout=1, socket_connect_timeout=0.5)
    holder = RedisWriterLock(client, "autonomos:lock:catalog:restart-test", ttl_ms=900)
    holder.acquire()
    own_redis.kill()
    time.sleep(0.7)  # at least one renewal fails meanwhile
    own_redis.start()
    assert holder._renewer is not None and holder._renewer.is_alive()  # it did not die of the outage
    poll(holder.held, timeout=10, interval=0.05)  # taken back within a renewal period
    second = RedisWriterLock(other_client, holder.key, ttl_ms=900)
    with pytest.raises(CatalogBusyError):
        second.acquire(timeout=1.5)  # longer than the TTL: the holder's renewals keep it
    own_redis.kill()
    holder.release()  # Redis down: logged, not raised
    own_redis.start()
    second.acquire(timeout=2)  # the restarted Redis is empty: the next writer takes it
    second.release()
    client.close()
    other_client.close()
