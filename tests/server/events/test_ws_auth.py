"""Origin rules for /ws/events, keepalives, and losing access while connected."""

from __future__ import annotations

import json

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from autonomos.server.events import ws as ws_module
from autonomos.server.events.auth import origin_allowed
from tests.server.helpers import Tenant, add_member

LISTED = ("https://console.example.com", "http://localhost:5173")


@pytest.mark.parametrize("origin, host, scheme, allowed, by_ticket, ok", [
    (None, "api.example.com", "wss", (), False, True),                       # not a browser
    ("https://api.example.com", "api.example.com", "wss", (), False, True),  # same host
    ("https://api.example.com:443", "api.example.com", "wss", (), False, True),
    ("http://localhost:8000", "localhost:8000", "ws", (), False, True),
    ("http://LOCALHOST:8000/", "localhost:8000", "ws", (), False, True),
    ("http://localhost:8001", "localhost:8000", "ws", (), False, False),     # other port
    ("https://api.example.com.evil.io", "api.example.com", "wss", (), False, False),
    # host-only like Django channels: TLS often ends at a proxy, so the socket scheme says little
    ("http://api.example.com", "api.example.com", "wss", (), False, True),
    ("https://console.example.com", "api.example.com", "wss", LISTED, False, True),
    ("http://localhost:5173", "localhost:8000", "ws", LISTED, False, True),
    ("https://evil.example", "api.example.com", "wss", ("*",), False, False),  # * never lends the cookie
    ("https://evil.example", "api.example.com", "wss", ("*",), True, True),    # ... but admits a ticket
    ("null", "api.example.com", "wss", (), False, False),
    ("https://x:notaport", "x", "wss", (), False, False),
])
def test_origin_allowed(origin: str | None, host: str, scheme: str, allowed: tuple[str, ...], by_ticket: bool,
                        ok: bool) -> None:
    assert origin_allowed(origin, host, scheme, allowed, by_ticket) is ok


def test_keepalive_and_removed_member_loses_the_stream(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws_module, "PING_INTERVAL", 0.1)
    monkeypatch.setattr(ws_module, "RECHECK_INTERVAL", 0.2)
    a, _ = two_tenants
    member = add_member(client, a, "m@alpha.test", "viewer")
    with client.websocket_connect("/ws/events", headers=member.headers) as ws:
        ready = json.loads(ws.receive_text(timeout=5))
        assert ready["type"] == "ready" and "id" not in ready
        ping = json.loads(ws.receive_text(timeout=5))
        assert ping["type"] == "ping" and "id" not in ping
        members = client.get("/api/v1/members", headers=a.headers).json()["items"]
        mid = next(m["id"] for m in members if m["email"] == "m@alpha.test")
        assert client.delete(f"/api/v1/members/{mid}", headers=a.headers).status_code == 204
        with pytest.raises(WebSocketDisconnect) as exc:
            for _ in range(50):
                ws.receive_text(timeout=5)
        assert exc.value.code == 4401 and "revoked" in str(exc.value.detail)


def test_socket_ends_with_the_access_token_that_opened_it(settings, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """After logout a session's socket must not live on: it ends (4401) when its access token
    expires, and the console then refreshes (or, signed out, cannot) and reconnects."""
    import time
    from dataclasses import replace

    from autonomos.server.app import create_app
    from tests.server.helpers import fast_auth, new_tenant

    monkeypatch.setattr(ws_module, "PING_INTERVAL", 0.5)
    with TestClient(create_app(replace(settings, auth=fast_auth(access_ttl=2)))) as c:
        a = new_tenant(c, "Alpha Corp", "owner@alpha.test")
        with c.websocket_connect("/ws/events", headers=a.headers) as ws:
            assert json.loads(ws.receive_text(timeout=5))["type"] == "ready"
            started = time.monotonic()
            with pytest.raises(WebSocketDisconnect) as exc:
                for _ in range(50):
                    ws.receive_text(timeout=5)
        assert exc.value.code == 4401 and "expired" in str(exc.value.detail)
        assert time.monotonic() - started < 4
