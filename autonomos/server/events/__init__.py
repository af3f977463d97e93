"""Live engine events: ``/ws/events``, tickets, and the per-tenant fan-out.

:class:`EventsPlugin` wires them into the app (routes, the fan-out in the lifespan, the ticket
store); :func:`publish_event` is what event emitters call, in any process.
"""

from __future__ import annotations

import threading
import uuid
from contextlib import asynccontextmanager
from typing import AsyncIterator

import redis.asyncio as aioredis
from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from autonomos.core.catalog import TenantCatalog
from autonomos.server.events.fanout import EventFanout, channel_name, configure_publisher, publish_event, publish_task
from autonomos.server.events.tickets import MemoryTicketStore, RedisTicketStore
from autonomos.server.settings import Settings

__all__ = [
    "EventsPlugin", "EventFanout", "channel_name", "configure_publisher", "publish_event",
    "publish_task",
]


class CatalogCache:
    """One :class:`TenantCatalog` per tenant for the sockets of this process: its metadata store
    keeps one SQLite connection per thread, so sharing it bounds open connections."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._items: dict[uuid.UUID, TenantCatalog] = {}
        self._lock = threading.Lock()

    def get(self, tenant_id: uuid.UUID) -> TenantCatalog:
        with self._lock:
            cat = self._items.get(tenant_id)
            if cat is None:
                cat = self._items[tenant_id] = TenantCatalog(tenant_id, data_dir=self.settings.data_dir)
            return cat


class EventsPlugin(InitPluginProtocol):
    """Adds ``/ws/events`` and ``POST /api/v1/events/ticket``; runs the fan-out while the app runs."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        from autonomos.server.events.ws import EventTicketController, events_socket

        app_config.route_handlers.extend([events_socket, EventTicketController])
        app_config.lifespan.append(self._lifespan)
        return app_config

    @asynccontextmanager
    async def _lifespan(self, app: Litestar) -> AsyncIterator[None]:
        url = self.settings.redis.url
        ticket_redis = aioredis.Redis.from_url(url) if url else None
        async with EventFanout(url) as fanout:
            app.state.event_fanout = fanout
            app.state.event_tickets = RedisTicketStore(ticket_redis) if ticket_redis else MemoryTicketStore()
            app.state.event_catalogs = CatalogCache(self.settings)
            try:
                yield
            finally:
                if ticket_redis is not None:
                    await ticket_redis.aclose()

