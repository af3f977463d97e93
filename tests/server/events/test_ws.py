"""/ws/events in embedded mode (in-process fan-out): auth, Origin, replay, isolation."""

from __future__ import annotations

import threading
import time

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from tests.server.events.conftest import ORIGIN, Emitter, ids, recv, recv_none, wait_ready
from tests.server.helpers import Tenant, login


def ticket(client: TestClient, t: Tenant) -> str:
    r = client.post("/api/v1/events/ticket", headers=t.headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["expires_in"] == 30 and len(body["ticket"]) >= 32
    return body["ticket"]


def test_cookie_connect_receives_live_events(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                             emitter: Emitter) -> None:
    a, _ = two_tenants
    login(client, a.email, keep_cookies=True)
    with client.websocket_connect("/ws/events", headers={"origin": ORIGIN}) as ws:
        wait_ready(ws)
        first = emitter.emit(a.org_id, "run_started", pipeline="demo")
        ev = recv(ws)
        assert ev["id"] == first and ev["type"] == "run_started" and ev["data"] == {"pipeline": "demo"}
        assert set(ev) == {"id", "ts", "type", "run_id", "data"}


def test_ticket_is_single_use(client: TestClient, two_tenants: tuple[Tenant, Tenant], emitter: Emitter) -> None:
    a, _ = two_tenants
    t = ticket(client, a)
    old = emitter.store_only(a.org_id, n=1)
    with client.websocket_connect(f"/ws/events?ticket={t}&since=0") as ws:
        assert ids([recv(ws)]) == [old]
    with pytest.raises(WebSocketDisconnect) as exc, client.websocket_connect(f"/ws/events?ticket={t}") as ws:
        ws.receive_text()
    assert exc.value.code == 4401 and "already used" in str(exc.value.detail)


def test_ticket_expires(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    store = client.app.state.event_tickets
    store.ttl = 0.2
    t = ticket(client, a)
    time.sleep(0.4)
    with pytest.raises(WebSocketDisconnect) as exc, client.websocket_connect(f"/ws/events?ticket={t}") as ws:
        ws.receive_text()
    assert exc.value.code == 4401 and "expired" in str(exc.value.detail)


@pytest.mark.parametrize("query", ["?token=abc", "?access_token=abc", "?api_key=ak_x"])
def test_credentials_in_url_refused(client: TestClient, two_tenants: tuple[Tenant, Tenant], query: str) -> None:
    a, _ = two_tenants
    with pytest.raises(WebSocketDisconnect) as exc, \
            client.websocket_connect(f"/ws/events{query.replace('abc', a.token)}") as ws:
        ws.receive_text()
    assert exc.value.code == 4401 and "URL" in str(exc.value.detail)


def test_unauthenticated_refused(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as exc, client.websocket_connect("/ws/events") as ws:
        ws.receive_text()
    assert exc.value.code == 4401


def test_foreign_origin_refused_before_accept(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    login(client, a.email, keep_cookies=True)
    for origin in ("https://evil.example", "http://testserver.local.evil.example", "null"):
        with pytest.raises(WebSocketDisconnect) as exc, \
                client.websocket_connect("/ws/events", headers={"origin": origin}) as ws:
            ws.receive_text()
        assert exc.value.code == 4403, origin
    # the ticket is checked after the Origin, so a refused handshake does not consume it
    t = ticket(client, a)
    with pytest.raises(WebSocketDisconnect), \
            client.websocket_connect(f"/ws/events?ticket={t}", headers={"origin": "https://evil.example"}) as ws:
        ws.receive_text()
    with client.websocket_connect(f"/ws/events?ticket={t}", headers={"origin": ORIGIN}):
        pass


def test_bad_since(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    with pytest.raises(WebSocketDisconnect) as exc, \
            client.websocket_connect("/ws/events?since=-1", headers=a.headers) as ws:
        ws.receive_text()
    assert exc.value.code == 4400 and "since" in str(exc.value.detail)


def test_replay_then_live_without_gaps_or_duplicates(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                     emitter: Emitter) -> None:
    """1200 stored events (three pages), while another thread keeps emitting during the replay."""
    a, _ = two_tenants
    stored = [emitter.store_only(a.org_id, i=i) for i in range(1200)]
    since = stored[99]
    emitted: list[int] = []
    stop = threading.Event()

    def keep_emitting() -> None:
        while not stop.is_set() and len(emitted) < 300:
            emitted.append(emitter.emit(a.org_id, i=len(emitted)))

    t = threading.Thread(target=keep_emitting)
    with client.websocket_connect(f"/ws/events?since={since}", headers=a.headers) as ws:
        t.start()
        got = [recv(ws) for _ in range(1100)]
        t.join()
        got += [recv(ws) for _ in range(len(emitted))]
        recv_none(ws, 0.3)
    assert ids(got) == list(range(since + 1, since + 1 + 1100 + len(emitted)))


def test_no_since_starts_live(client: TestClient, two_tenants: tuple[Tenant, Tenant], emitter: Emitter) -> None:
    a, _ = two_tenants
    emitter.store_only(a.org_id, old=True)
    with client.websocket_connect("/ws/events", headers=a.headers) as ws:
        wait_ready(ws)
        new = emitter.emit(a.org_id, new=True)
        assert recv(ws)["id"] == new


def test_out_of_order_publish_is_reordered(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                           emitter: Emitter) -> None:
    """Two processes stored 1 and 2 but published 2 first: the client still sees 1, 2."""
    from autonomos.server.events import publish_event

    a, _ = two_tenants
    with client.websocket_connect("/ws/events", headers=a.headers) as ws:
        wait_ready(ws)
        meta = emitter.bus(a.org_id).store
        from autonomos.core.events import Event
        e1, e2 = (Event("stage_progress", str(a.org_id), {"n": n}) for n in (1, 2))
        e1.id, e2.id = meta.append_event(e1), meta.append_event(e2)
        publish_event(a.org_id, e2.to_dict())
        publish_event(a.org_id, e1.to_dict())
        assert ids([recv(ws), recv(ws)]) == [e1.id, e2.id]
        recv_none(ws, 0.3)


def test_tenant_isolation(client: TestClient, two_tenants: tuple[Tenant, Tenant], emitter: Emitter) -> None:
    a, b = two_tenants
    emitter.store_only(a.org_id, secret="a-history")
    with client.websocket_connect("/ws/events?since=0", headers=b.headers) as wb, \
            client.websocket_connect("/ws/events", headers=a.headers) as wa:
        wait_ready(wb)
        wait_ready(wa)
        emitter.emit(a.org_id, secret="a-live")
        assert recv(wa)["data"] == {"secret": "a-live"}
        recv_none(wb, 0.5)
        b_id = emitter.emit(b.org_id, mine=True)
        ev = recv(wb)
        assert ev["id"] == b_id and ev["data"] == {"mine": True}
        recv_none(wa, 0.3)


def test_ticket_route_needs_auth_and_is_tenant_bound(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                    emitter: Emitter) -> None:
    a, b = two_tenants
    assert client.post("/api/v1/events/ticket").status_code == 401
    t = ticket(client, b)
    emitter.store_only(a.org_id, secret=1)
    b_id = emitter.store_only(b.org_id, mine=1)
    with client.websocket_connect(f"/ws/events?ticket={t}&since=0") as ws:
        assert ids([recv(ws)]) == [b_id]
        recv_none(ws, 0.3)


def test_embedded_latency(client: TestClient, two_tenants: tuple[Tenant, Tenant], emitter: Emitter) -> None:
    """Events emitted from another thread (as the in-process Huey consumer does) arrive in order;
    prints publish → client latency."""
    a, _ = two_tenants
    n = 200
    with client.websocket_connect("/ws/events", headers=a.headers) as ws:
        wait_ready(ws)

        def emit_all() -> None:
            for i in range(n):
                emitter.emit(a.org_id, i=i, sent_at=time.time())
                time.sleep(0.002)

        t = threading.Thread(target=emit_all)
        t.start()
        got = []
        for _ in range(n):
            ev = recv(ws)
            got.append((ev, time.time()))
        t.join()
    assert [e["data"]["i"] for e, _ in got] == list(range(n))
    lat = sorted((at - e["data"]["sent_at"]) * 1000 for e, at in got)
    print(f"\nembedded fan-out latency over {n} events: p50 {lat[n // 2]:.2f} ms, p99 {lat[int(n * .99) - 1]:.2f} ms")


def test_server_paths_in_events_are_made_relative(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                  emitter: Emitter, settings) -> None:  # noqa: ANN001
    """An engine message naming a file by its server path reaches the console as the config names it."""
    a, _ = two_tenants
    root = settings.data_dir / "tenants" / str(a.org_id)
    with client.websocket_connect("/ws/events", headers=a.headers) as ws:
        wait_ready(ws)
        emitter.emit(a.org_id, "fault", error=f"files: 'crm.csv' does not exist ({root}/files/crm.csv)",
                     where={"file": f"{root}/files/in/crm.csv", "rows": 3})
        ev = recv(ws)
    assert ev["data"] == {"error": "files: 'crm.csv' does not exist (crm.csv)", "where": {"file": "in/crm.csv", "rows": 3}}
