"""Fixtures for live-event tests: emit stored events the way the engine does (persist, then
publish through :func:`publish_event`), and read a socket with a deadline."""

from __future__ import annotations

import json
import queue
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest
from litestar.testing import WebSocketTestSession

from autonomos.core.catalog import TenantCatalog
from autonomos.core.events import Event, EventBus
from autonomos.server.events import publish_event

ORIGIN = "http://testserver.local"


class Emitter:
    """Per-tenant EventBus over the tenant's real catalog, publishing to the live fan-out."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self._buses: dict[uuid.UUID, EventBus] = {}

    def bus(self, tenant: uuid.UUID) -> EventBus:
        if tenant not in self._buses:
            bus = EventBus(store=TenantCatalog(tenant, data_dir=self.data_dir).meta)
            bus.subscribe(lambda e, t=tenant: publish_event(t, e.to_dict()))
            self._buses[tenant] = bus
        return self._buses[tenant]

    def emit(self, tenant: uuid.UUID, type: str = "stage_progress", **data: Any) -> int:
        ev = self.bus(tenant).publish(Event(type=type, tenant=str(tenant), data=data))
        assert ev.id is not None
        return ev.id

    def store_only(self, tenant: uuid.UUID, **data: Any) -> int:
        """Persist without publishing (events from before the socket existed)."""
        return TenantCatalog(tenant, data_dir=self.data_dir).meta.append_event(
            Event(type="stage_progress", tenant=str(tenant), data=data))


@pytest.fixture
def emitter(settings: Any) -> Emitter:
    return Emitter(settings.data_dir)


def recv(ws: WebSocketTestSession, timeout: float = 5.0) -> dict[str, Any]:
    """The next message that is an event (keepalives skipped)."""
    while True:
        msg = ws.receive(timeout=timeout)
        if msg["type"] == "websocket.close":
            raise AssertionError(f"socket closed: {msg}")
        body = json.loads(msg.get("text") or msg.get("bytes"))
        if "id" in body:
            return body


def wait_ready(ws: WebSocketTestSession, timeout: float = 10.0) -> None:
    """Wait for the stream's ``ready`` frame (replay done, subscription live); an event before
    it fails the test (callers expect no history)."""
    while True:
        msg = ws.receive(timeout=timeout)
        if msg["type"] == "websocket.close":
            raise AssertionError(f"socket closed: {msg}")
        body = json.loads(msg.get("text") or msg.get("bytes"))
        if body.get("type") == "ready":
            return
        assert "id" not in body, f"event before ready: {body}"


def recv_none(ws: WebSocketTestSession, wait: float = 0.5) -> None:
    """Assert that no event arrives within ``wait`` seconds."""
    try:
        msg = ws.receive(timeout=wait)
    except queue.Empty:
        return
    body = json.loads(msg.get("text") or "{}")
    assert "id" not in body, f"unexpected event {body}"


def ids(events: list[dict[str, Any]]) -> list[int]:
    return [e["id"] for e in events]


Wait = Callable[[], None]
