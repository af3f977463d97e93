"""/ws/events in production mode: Redis pub/sub fan-out, Redis tickets; in-process and across
real processes (two ``autonomos serve`` subprocesses, a publisher subprocess)."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import textwrap
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import redis
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from autonomos.server.app import create_app
from autonomos.server.events.fanout import channel_name
from autonomos.server.events.tickets import REDIS_PREFIX
from autonomos.server.settings import RedisSettings, Settings
from tests.conftest import free_port, require_service, stop_process, wait_http
from tests.server.events.conftest import Emitter, ids, recv, recv_none, wait_ready
from tests.server.helpers import Tenant, new_tenant

REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = pytest.mark.redis


@pytest.fixture
def redis_client(settings: Settings) -> TestClient:
    require_service("Redis", 6379)
    app = create_app(replace(settings, redis=RedisSettings(url=REDIS_URL)))
    with TestClient(app) as c:
        yield c


def test_redis_mode_isolation_replay_and_hashed_ticket(redis_client: TestClient, emitter: Emitter) -> None:
    c = redis_client
    a, b = new_tenant(c, "Alpha", "o@alpha.test"), new_tenant(c, "Beta", "o@beta.test")
    old = emitter.store_only(a.org_id, old=True)
    r = c.post("/api/v1/events/ticket", headers=a.headers)
    ticket = r.json()["ticket"]
    r_ = redis.Redis.from_url(REDIS_URL)
    keys = [k.decode() for k in r_.scan_iter(f"{REDIS_PREFIX}*")]
    assert keys and all(ticket not in k for k in keys)  # stored as a digest only
    assert 0 < max(r_.ttl(k) for k in keys) <= 30
    with c.websocket_connect(f"/ws/events?ticket={ticket}&since=0") as wa, \
            c.websocket_connect("/ws/events", headers=b.headers) as wb:
        assert recv(wa)["id"] == old
        wait_ready(wa)
        wait_ready(wb)
        live = emitter.emit(a.org_id, secret="a")
        assert recv(wa)["id"] == live
        recv_none(wb, 0.5)
        mine = emitter.emit(b.org_id, mine=True)
        assert recv(wb)["id"] == mine
        recv_none(wa, 0.3)
    with pytest.raises(WebSocketDisconnect) as exc, c.websocket_connect(f"/ws/events?ticket={ticket}") as ws:
        ws.receive_text()
    assert exc.value.code == 4401


def test_foreign_tenant_message_on_channel_is_dropped(redis_client: TestClient, emitter: Emitter) -> None:
    """Even a message forged onto A's channel with B's tenant never reaches A's socket."""
    c = redis_client
    a = new_tenant(c, "Alpha", "o@alpha.test")
    with c.websocket_connect("/ws/events", headers=a.headers) as wa:
        wait_ready(wa)
        forged = {"tenant": str(uuid.uuid4()), "id": 10**9, "ts": 0, "type": "fault", "run_id": None, "data": {}}
        redis.Redis.from_url(REDIS_URL).publish(channel_name(a.org_id), json.dumps(forged))
        recv_none(wa, 0.5)
        good = emitter.emit(a.org_id, ok=True)
        assert recv(wa)["id"] == good


# -- across processes ---------------------------------------------------------------------------

@pytest.fixture
def prod_env(tmp_path: Path) -> dict[str, str]:
    require_service("Redis", 6379)
    env = {**os.environ, "AUTONOMOS_DATA_DIR": str(tmp_path / "data"), "AUTONOMOS_REDIS_URL": REDIS_URL,
           "AUTONOMOS_DATABASE_URL": f"sqlite:///{tmp_path / 'meta.sqlite'}",
           "AUTONOMOS_ARGON2_MEMORY_KIB": "1024", "AUTONOMOS_ARGON2_TIME_COST": "1", "AUTONOMOS_ARGON2_PARALLELISM": "1",
           "AUTONOMOS_QUEUE_NAME": f"autonomos-events-test-{uuid.uuid4().hex[:8]}", "AUTONOMOS_LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "autonomos.cli", "migrate"], env=env, check=True, capture_output=True)
    return env


@pytest.fixture
def two_servers(prod_env: dict[str, str]) -> Iterator[list[str]]:
    """Two ``autonomos serve`` processes (production mode: Redis) sharing database and data dir."""
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([sys.executable, "-m", "autonomos.cli", "serve", "--port", str(p), "--no-migrate"],
                              env=prod_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for proc, base in zip(procs, bases):
            wait_http(f"{base}/health", proc, timeout=40)
        yield bases
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


PUBLISHER = textwrap.dedent("""
    import sys, time
    from autonomos.core.catalog import TenantCatalog
    from autonomos.core.events import Event, EventBus
    from autonomos.server.events import publish_event
    tenant, n = sys.argv[1], int(sys.argv[2])
    bus = EventBus(store=TenantCatalog(tenant).meta)
    bus.subscribe(lambda e: publish_event(tenant, e.to_dict()))
    for i in range(n):
        bus.publish(Event("stage_progress", tenant, {"i": i, "sent_at": time.time()}))
        time.sleep(0.01)
""")


def _register(base: str, org: str) -> Tenant:
    with httpx.Client(base_url=base, timeout=10) as c:
        email = f"o@{org.lower()}.test"
        r = c.post("/api/v1/auth/register", json={"organization": org, "email": email, "password": "long-enough-pw"})
        assert r.status_code == 201, r.text
        token = c.post("/api/v1/auth/login", data={"username": email, "password": "long-enough-pw"}).json()["access_token"]
        return Tenant(org_id=uuid.UUID(r.json()["organization"]["id"]), email=email, password="", token=token)


def _ticket(base: str, t: Tenant) -> str:
    r = httpx.post(f"{base}/api/v1/events/ticket", headers=t.headers, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["ticket"]


def _ready(ws: ClientConnection, timeout: float = 10) -> None:
    """Consume frames up to the stream's ``ready`` frame (no events expected before it)."""
    while True:
        body = json.loads(ws.recv(timeout=timeout))
        if body.get("type") == "ready":
            return
        assert "id" not in body, f"event before ready: {body}"


def _events(ws: ClientConnection, n: int, timeout: float = 10) -> list[dict[str, Any]]:
    out = []
    while len(out) < n:
        body = json.loads(ws.recv(timeout=timeout))
        if "id" in body:
            body["received_at"] = time.time()
            out.append(body)
    return out


def test_worker_process_events_reach_sockets_on_every_server(two_servers: list[str], prod_env: dict[str, str]) -> None:
    s1, s2 = two_servers
    a, b = _register(s1, "Alpha"), _register(s1, "Beta")
    ws_url = [u.replace("http://", "ws://") + "/ws/events" for u in (s1, s2)]
    # a ticket issued by server 1 is redeemed on server 2 (tickets live in Redis)
    with connect(f"{ws_url[1]}?ticket={_ticket(s1, a)}", origin=s2) as a_on_2, \
            connect(ws_url[0], additional_headers=b.headers) as b_on_1, \
            connect(ws_url[0], additional_headers=a.headers) as a_on_1:
        for ws in (a_on_2, b_on_1, a_on_1):
            _ready(ws)
        n = 50
        publisher = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(a.org_id), str(n)], env=prod_env)
        with ThreadPoolExecutor(2) as pool:  # read both sockets while the publisher runs
            got1, got2 = pool.map(lambda ws: _events(ws, n), (a_on_1, a_on_2))
        assert publisher.wait(timeout=60) == 0
        assert ids(got1) == ids(got2) == list(range(1, n + 1))
        with pytest.raises(TimeoutError):
            b_on_1.recv(timeout=0.5)
    latencies = sorted((e["received_at"] - e["data"]["sent_at"]) * 1000 for e in got1 + got2)
    print(f"\nproduction fan-out latency over {len(latencies)} deliveries: p50 {statistics.median(latencies):.1f} ms, "
          f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f} ms, max {latencies[-1]:.1f} ms")
    # replay across processes: reconnect with since= to the other server
    with connect(f"{ws_url[1]}?since=40", additional_headers=a.headers) as again:
        assert ids(_events(again, 10)) == list(range(41, 51))


def test_foreign_origin_gets_http_403(two_servers: list[str]) -> None:
    s1, _ = two_servers
    a = _register(s1, "Alpha")
    with pytest.raises(InvalidStatus) as exc:
        with connect(s1.replace("http://", "ws://") + "/ws/events", origin="https://evil.example",
                     additional_headers=a.headers):
            pass
    assert exc.value.response.status_code == 403


def test_worker_process_run_streams_to_server_socket(two_servers: list[str], prod_env: dict[str, str],
                                                     tmp_path: Path) -> None:
    """A real ``autonomos worker`` runs /dcl/connect; its engine events and task updates reach a
    socket on a server process through Redis (the worker installs publish_event on import)."""
    s1, _ = two_servers
    a = _register(s1, "Alpha")
    log = open(tmp_path / "worker.log", "wb")
    worker = subprocess.Popen([sys.executable, "-m", "autonomos.cli", "worker", "--workers", "1", "--threads", "1"],
                              env=prod_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        with connect(s1.replace("http://", "ws://") + "/ws/events?since=0", additional_headers=a.headers) as ws:
            r = httpx.post(f"{s1}/dcl/connect", json={"sources": ["demo"]}, headers=a.headers, timeout=10)
            assert r.status_code == 202, r.text
            events, statuses = [], []
            deadline = time.monotonic() + 120
            while "success" not in statuses:
                assert time.monotonic() < deadline and worker.poll() is None, (tmp_path / "worker.log").read_text()
                body = json.loads(ws.recv(timeout=90))
                if body["type"] == "task":
                    statuses.append(body["task"]["status"])
                    assert statuses[-1] != "failed", body
                elif "id" in body:
                    events.append(body)
        types = [e["type"] for e in events]
        assert types[0] == "run_started" and "run_finished" in types
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    finally:
        stop_process(worker, timeout=15)
        log.close()
