"""Fan-out of engine events to WebSocket clients, one channel per tenant UUID.

Two halves:

* :func:`publish_event` — called by whoever emits events (the task runner in a worker
  process or in the server's in-process Huey consumer thread; request handlers). It is
  synchronous and safe from any thread or process. The event must already be persisted
  (the :class:`~autonomos.core.events.EventBus` stores first, so it carries its id).
* :class:`EventFanout` — owned by a server process (an async context manager entered in the
  app's lifespan). It runs a Litestar :class:`~litestar.channels.ChannelsPlugin`: in embedded
  mode with the in-memory backend, in production mode with the Redis pub/sub backend, so an
  event published by any ``autonomos worker`` reaches sockets on every server process.

Routing: embedded-mode fan-outs registered in this process get the event directly
(``loop.call_soon_threadsafe`` hands it to their event loop); when a Redis URL is known (a
production-mode fan-out in this process, or ``AUTONOMOS_REDIS_URL`` in a worker) the event is
also ``PUBLISH``\\ ed to ``autonomos:events:<tenant uuid>``. Each payload carries its tenant,
and subscribers check it again on receipt (:func:`decode_payload`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Mapping

import redis
import redis.asyncio as aioredis
from litestar.channels import ChannelsPlugin, Subscriber
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend

from autonomos.core import settings as core_settings
from autonomos.core.events import Event

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "autonomos:events:"
# Unsent messages held per socket; past it new ones are dropped, and the id gap they leave
# makes the socket catch up from the tenant's stored events (see ws.py).
SUBSCRIBER_BACKLOG = 10_000
EVENT_FIELDS = ("id", "ts", "type", "run_id", "data")
RECONNECT_MIN, RECONNECT_MAX = 0.2, 5.0  # seconds between tries to read the channel again after Redis went away


def channel_name(tenant_id: uuid.UUID | str) -> str:
    """The pub/sub channel of one tenant: ``autonomos:events:<tenant uuid>``."""
    return CHANNEL_PREFIX + str(_tenant_uuid(tenant_id))


def _tenant_uuid(tenant_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(tenant_id, uuid.UUID):
        return tenant_id
    try:
        return uuid.UUID(str(tenant_id))
    except ValueError:
        raise ValueError(f"tenant_id must be a UUID, got {tenant_id!r}") from None


def encode_payload(tenant_id: uuid.UUID | str, event: Mapping[str, Any]) -> bytes:
    """The wire form of one stored event: ``{tenant, id, ts, type, run_id, data}`` as JSON.

    Refuses an event without an integer id (it was not persisted, so it could not be replayed)
    and one whose own ``tenant`` differs from ``tenant_id``.
    """
    tid = str(_tenant_uuid(tenant_id))
    own = event.get("tenant")
    if own is not None and str(own) != tid:
        raise ValueError(f"event belongs to tenant {own}, not {tid}")
    event_id = event.get("id")
    if not isinstance(event_id, int) or isinstance(event_id, bool) or event_id <= 0:
        raise ValueError(f"event id must be a positive integer assigned when the event is stored, got {event_id!r}")
    if not isinstance(event.get("type"), str):
        raise ValueError("event type must be a string")
    body = {"tenant": tid, **{k: event.get(k) for k in EVENT_FIELDS}}
    if body["data"] is None:
        body["data"] = {}
    return json.dumps(body, default=str, separators=(",", ":")).encode()


def encode_task_payload(tenant_id: uuid.UUID | str, task: Mapping[str, Any]) -> bytes:
    """The wire form of a task update (claim, progress, finish): live only, never replayed."""
    return json.dumps({"tenant": str(_tenant_uuid(tenant_id)), "task": dict(task)}, default=str,
                      separators=(",", ":")).encode()


def decode_payload(raw: bytes | str, tenant_id: uuid.UUID) -> dict[str, Any] | None:
    """A channel message for ``tenant_id``: a stored event (has an int ``id``) or a task update
    (has ``task``); None when it is neither (a sync marker, garbage) or — never expected —
    another tenant's."""
    try:
        msg = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(msg, dict) or not (isinstance(msg.get("id"), int) or isinstance(msg.get("task"), dict)):
        return None
    if msg.get("tenant") != str(tenant_id):
        log.error("dropped a message of tenant %s that arrived on the channel of %s", msg.get("tenant"), tenant_id)
        return None
    return msg


class ReconnectingPubSubBackend(RedisChannelsPubSubBackend):
    """Litestar's pub/sub backend, but a lost Redis connection (a restart, a failover) does not
    end the stream: Litestar's subscriber task would die with it and no socket of this process
    would get another live event. It waits and reads again; redis-py's PubSub re-subscribes its
    channels when it reconnects, and a socket fills the gap from the stored events (ws.py)."""

    async def stream_events(self) -> AsyncIterator[tuple[str, Any]]:  # type: ignore[override]
        delay = RECONNECT_MIN
        while True:
            try:
                async for item in super().stream_events():
                    delay = RECONNECT_MIN
                    yield item
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                log.warning("live events: Redis connection lost (%s); reading again in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX)


class EventFanout:
    """One server process's subscription side (see module docstring).

    ``redis_url`` None → in-memory channels (embedded mode, one process). Enter it inside the
    event loop that serves the sockets (the app lifespan does).
    """

    def __init__(self, redis_url: str | None = None):
        self.redis_url = redis_url
        self.channels: ChannelsPlugin | None = None
        self.redis: aioredis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribe_lock: asyncio.Lock | None = None

    @property
    def embedded(self) -> bool:
        return self.redis_url is None

    async def __aenter__(self) -> EventFanout:
        if self.redis_url is None:
            backend: Any = MemoryChannelsBackend()
        else:
            self.redis = aioredis.Redis.from_url(self.redis_url)
            backend = ReconnectingPubSubBackend(redis=self.redis)
        self.channels = ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True,
                                       subscriber_max_backlog=SUBSCRIBER_BACKLOG, subscriber_backlog_strategy="backoff")
        await self.channels.__aenter__()
        self._loop = asyncio.get_running_loop()
        self._subscribe_lock = asyncio.Lock()
        _register(self)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        _unregister(self)
        if self.channels is not None:
            await self.channels.__aexit__(None, None, None)
        if self.redis is not None:
            await self.redis.aclose()
        self._loop = None

    def deliver_local(self, channel: str, payload: bytes) -> None:
        """Hand ``payload`` to this process's subscribers, from any thread."""
        loop, channels = self._loop, self.channels
        if loop is None or channels is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            channels.publish(payload, channel)
        else:
            # ChannelsPlugin.publish uses an asyncio.Queue: only its own loop may touch it.
            try:
                loop.call_soon_threadsafe(channels.publish, payload, channel)
            except RuntimeError:  # the loop closed meanwhile (server shutting down)
                pass

    @asynccontextmanager
    async def subscription(self, tenant_id: uuid.UUID) -> AsyncIterator[Subscriber]:
        """A subscriber to the tenant's channel for the duration of the block.

        (Un)subscribing is serialised: the Redis backend shares one PubSub whose first
        concurrent SUBSCRIBEs would each open a connection, orphaning all but the last.
        """
        assert self.channels is not None and self._subscribe_lock is not None, "EventFanout not started"
        channel = channel_name(tenant_id)
        async with self._subscribe_lock:
            subscriber = await self.channels.subscribe([channel])
        try:
            yield subscriber
        finally:
            async with self._subscribe_lock:
                await self.channels.unsubscribe(subscriber, [channel])

    async def publish(self, tenant_id: uuid.UUID | str, payload: bytes) -> None:
        """Publish from inside this fan-out's loop (used for sync markers)."""
        assert self.channels is not None, "EventFanout not started"
        await self.channels.wait_published(payload, channel_name(tenant_id))


_fanouts: list[EventFanout] = []
_fanouts_lock = threading.Lock()
_sync_clients: dict[str, redis.Redis] = {}
_configured_redis_url: str | None = None


def _register(fanout: EventFanout) -> None:
    with _fanouts_lock:
        _fanouts.append(fanout)


def _unregister(fanout: EventFanout) -> None:
    with _fanouts_lock:
        if fanout in _fanouts:
            _fanouts.remove(fanout)


def configure_publisher(redis_url: str | None) -> None:
    """Set the Redis URL :func:`publish_event` uses (default: ``AUTONOMOS_REDIS_URL``)."""
    global _configured_redis_url
    _configured_redis_url = redis_url


def _redis_url() -> str | None:
    with _fanouts_lock:
        for f in _fanouts:
            if f.redis_url:
                return f.redis_url
    return _configured_redis_url or core_settings.current().redis_url


def _sync_client(url: str) -> redis.Redis:
    client = _sync_clients.get(url)
    if client is None:
        client = _sync_clients.setdefault(url, redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5))
    return client


def publish_event(tenant_id: uuid.UUID | str, event: Mapping[str, Any] | Event) -> None:
    """Send one stored event to the tenant's live subscribers, wherever they are.

    Synchronous, thread-safe, usable from worker processes. ``event`` is a stored
    :class:`~autonomos.core.events.Event` or its dict (``to_dict()``, a row of
    ``meta.events()``): it must carry its id. Raises ValueError for an event that is not one;
    a Redis failure is logged, not raised (a live view missing an event catches up from the
    stored events on the next event or reconnect).
    """
    body = event.to_dict() if isinstance(event, Event) else event
    _send(tenant_id, encode_payload(tenant_id, body), body.get("id"))


def publish_task(tenant_id: uuid.UUID | str, task: Mapping[str, Any]) -> None:
    """Send a task's public JSON (on claim, progress, finish) to the tenant's live subscribers."""
    _send(tenant_id, encode_task_payload(tenant_id, task), task.get("id"))


def _send(tenant_id: uuid.UUID | str, payload: bytes, what: Any) -> None:
    channel = channel_name(tenant_id)
    with _fanouts_lock:
        local = [f for f in _fanouts if f.embedded]
    for f in local:
        f.deliver_local(channel, payload)
    url = _redis_url()
    if url is not None:
        try:
            _sync_client(url).publish(channel, payload)
        except redis.RedisError as exc:
            log.warning("could not publish %s of tenant %s to Redis: %s", what, tenant_id, exc)
