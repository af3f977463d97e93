"""``/ws/events``: a tenant's engine events, stored ones first (``?since=``), then live ones.

Protocol (server → client, JSON text frames):

* an event: ``{"id": 42, "ts": 1718000000.1, "type": "run_started", "run_id": "…", "data": {…}}``
  — exactly a stored event; ids increase strictly on one connection, with no gaps and no
  repeats;
* a task update (claim, progress, finish), live only, never replayed:
  ``{"type": "task", "task": {…the GET /api/v1/tasks/{id} body…}}`` (no ``id``);
* a keepalive every :data:`PING_INTERVAL` seconds: ``{"type": "ping", "ts": …}`` (no ``id``).
* once, after the replay: ``{"type": "ready", "last_id": …}`` (no ``id``): from here on every
  new event is delivered live.

``?since=<id>`` replays the tenant's stored events with a larger id, then goes live;
without it the stream starts at the newest stored event. Reconnecting with the last id seen
therefore loses nothing. Close codes: 4400 bad query, 4401 not authenticated (get a new
ticket / log in again), 4403 forbidden (a foreign Origin is refused before the handshake
completes, i.e. HTTP 403), 1011 server trouble, 1001 server shutting down.

How "no gaps, no repeats" holds: the socket subscribes to the tenant channel first, then
publishes a marker through the same channel and waits for it (the subscription is live from
here on), then reads stored events after ``since`` in pages, then forwards live ones. A live
event whose id is not the next one (published out of order by two processes, or dropped from
a full backlog) makes the socket read the missing ids from the store; anything at or below
the last id sent is skipped. Stored ids of one tenant are assigned in commit order (SQLite), so
a store read never skips an id a later read could reveal.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator, Awaitable, Callable, TypeVar

import anyio
import msgspec
from litestar import Controller, post, websocket
from litestar.channels import Subscriber
from litestar.connection import WebSocket
from litestar.datastructures import State
from litestar.exceptions import WebSocketDisconnect

from autonomos.core.catalog import TenantCatalog
from autonomos.server.context import TenantContext
from autonomos.server.events.auth import SocketAuthError, authenticate_socket, check_origin, still_authorized
from autonomos.server.events.fanout import EVENT_FIELDS, EventFanout, decode_payload
from autonomos.server.events.tickets import TICKET_TTL, TicketGrant
from autonomos.server.resources.service import tenant_visible_data

log = logging.getLogger(__name__)
T = TypeVar("T")

PING_INTERVAL = 20.0
RECHECK_INTERVAL = 60.0
SYNC_TIMEOUT = 10.0
PAGE = 500


class EventTicket(msgspec.Struct):
    """A single-use ticket for ``/ws/events?ticket=``; valid for ``expires_in`` seconds."""

    ticket: str
    expires_in: int


class EventTicketController(Controller):
    path = "/api/v1/events"
    tags = ["events"]

    @post("/ticket", operation_id="createEventTicket", opt={"scope": "read"}, status_code=201)
    async def create_ticket(self, ctx: TenantContext, state: State) -> EventTicket:
        """A short-lived single-use ticket to open ``/ws/events?ticket=…`` (for clients that cannot send
        the session cookie); bound to the caller's organization and user or API key."""
        grant = TicketGrant(tenant_id=ctx.tenant_id, user_id=ctx.user_id, api_key_id=ctx.api_key_id)
        return EventTicket(ticket=await state.event_tickets.issue(grant), expires_in=TICKET_TTL)


# Reads of the tenants' event stores run on a few dedicated threads: a MetaStore keeps one SQLite
# connection per thread, so this bounds open connections to STORE_THREADS per tenant.
STORE_THREADS = 4
_store_pool = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="autonomos-events-store")


async def _store_call(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_store_pool, fn, *args)


class EventStream:
    """One socket's stream: ordered, gap-free, duplicate-free (see the module docstring)."""

    def __init__(self, socket: WebSocket, ctx: TenantContext, catalog: TenantCatalog, fanout: EventFanout):
        self.socket = socket
        self.ctx = ctx
        self.meta = catalog.meta
        self.catalog = catalog
        self.fanout = fanout
        self.last = 0
        self._send_lock = anyio.Lock()

    async def send(self, body: dict[str, Any]) -> None:
        text = json.dumps(body, default=str, separators=(",", ":"))
        if str(self.catalog.root) in text:  # engine messages may name files by their server path
            text = json.dumps(tenant_visible_data(json.loads(text), self.catalog), separators=(",", ":"))
        async with self._send_lock:
            await self.socket.send_text(text)

    async def send_event(self, event: dict[str, Any]) -> None:
        await self.send({k: event.get(k) for k in EVENT_FIELDS})
        self.last = int(event["id"])

    async def catch_up(self) -> None:
        """Send every stored event after ``self.last``, in pages."""
        while True:
            rows = await _store_call(self.meta.events, self.last, PAGE)
            for row in rows:
                await self.send_event(row)
            if len(rows) < PAGE:
                return

    async def newest_id(self) -> int:
        rows = await _store_call(self.meta.query, "SELECT COALESCE(MAX(id), 0) AS m FROM events")
        return int(rows[0]["m"])

    async def sync(self, subscriber: Subscriber) -> list[bytes]:
        """Wait until the subscription provably receives; return what arrived meanwhile."""
        marker = json.dumps({"sync": secrets.token_hex(8)}).encode()
        await self.fanout.publish(self.ctx.tenant_id, marker)
        early: list[bytes] = []
        with anyio.fail_after(SYNC_TIMEOUT):
            async for raw in subscriber.iter_events():
                if raw == marker:
                    return early
                early.append(raw)
        return early

    async def pump(self, early: list[bytes], subscriber: Subscriber) -> None:
        async def messages() -> AsyncIterator[bytes]:
            for raw in early:
                yield raw
            async for raw in subscriber.iter_events():
                yield raw

        async for raw in messages():
            event = decode_payload(raw, self.ctx.tenant_id)
            if event is None:
                continue
            if "task" in event:
                await self.send({"type": "task", "task": event["task"]})
                continue
            if event["id"] <= self.last:
                continue
            if event["id"] != self.last + 1:
                await self.catch_up()  # fills the hole (and sends this one if stored)
            if event["id"] > self.last:  # not in this tenant's store (e.g. another data dir): send as is
                await self.send_event(event)

    async def run(self, since: int | None) -> None:
        async with self.fanout.subscription(self.ctx.tenant_id) as subscriber:
            early = await self.sync(subscriber)
            self.last = since if since is not None else await self.newest_id()
            await self.catch_up()
            # history is sent and the subscription is live: every later event will arrive
            await self.send({"type": "ready", "last_id": self.last})
            await self.pump(early, subscriber)


def _parse_since(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise SocketAuthError(4400, f"since must be a non-negative integer event id, got {raw[:40]!r}")
    return int(raw)


async def _close(socket: WebSocket, code: int, reason: str) -> None:
    try:
        if socket.connection_state == "init":
            await socket.receive()  # the websocket.connect message; closing now answers the handshake with 403
        await socket.close(code=code, reason=reason[:120])
    except Exception:  # already gone
        pass


@websocket("/ws/events", opt={"exclude_from_auth": True})
async def events_socket(socket: WebSocket) -> None:
    """Live engine events of the caller's organization (see the module docstring)."""
    state = socket.app.state
    by_ticket = "ticket" in socket.query_params
    try:
        check_origin(socket, state.settings.http.cors_origins, by_ticket)
    except SocketAuthError as exc:
        await _close(socket, exc.code, exc.reason)  # before accept
        return
    await socket.accept()
    try:
        since = _parse_since(socket.query_params.get("since"))
        ctx, expires_at = await authenticate_socket(socket, state.event_tickets)
    except SocketAuthError as exc:
        await _close(socket, exc.code, exc.reason)
        return
    stream = EventStream(socket, ctx, state.event_catalogs.get(ctx.tenant_id), state.event_fanout)
    close: list[tuple[int, str]] = []

    async with anyio.create_task_group() as tg:
        async def guarded(fn: Callable[[], Awaitable[None]]) -> None:
            """The first task to end (client gone, stream failed, access revoked) ends them all."""
            try:
                await fn()
            except WebSocketDisconnect:
                pass
            except SocketAuthError as exc:
                close.append((exc.code, exc.reason))
            except TimeoutError:
                log.error("event stream of tenant %s: the subscription did not become live", ctx.tenant_id)
                close.append((1011, "event channel unavailable, retry"))
            except Exception:
                log.exception("event stream of tenant %s failed", ctx.tenant_id)
                close.append((1011, "internal error, retry"))
            finally:
                tg.cancel_scope.cancel()

        tg.start_soon(guarded, lambda: stream.run(since))
        tg.start_soon(guarded, lambda: _keepalive(stream, lambda: still_authorized(state, ctx), expires_at))
        tg.start_soon(guarded, lambda: _wait_disconnect(socket))
    if close and socket.connection_state != "disconnect":
        await _close(socket, *close[0])


async def _wait_disconnect(socket: WebSocket) -> None:
    """Client frames are ignored; return when the client goes away."""
    while (await socket.receive())["type"] != "websocket.disconnect":
        pass


async def _keepalive(stream: EventStream, authorized: Callable[[], bool], expires_at: float | None = None) -> None:
    """Pings; re-checks membership every RECHECK_INTERVAL; ends the stream (4401) when the access
    token that opened it expires — the console refreshes its session and reconnects with ``since``."""
    next_check = time.monotonic() + RECHECK_INTERVAL
    while True:
        wait = PING_INTERVAL if expires_at is None else max(0.0, min(PING_INTERVAL, expires_at - time.time()))
        await anyio.sleep(wait)
        if expires_at is not None and time.time() >= expires_at:
            raise SocketAuthError(4401, "session expired: refresh it and reconnect with ?since=")
        await stream.send({"type": "ping", "ts": time.time()})
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + RECHECK_INTERVAL
            if not await anyio.to_thread.run_sync(authorized):
                raise SocketAuthError(4401, "access revoked")
