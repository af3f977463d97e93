"""Short-lived, single-use WebSocket tickets.

A client that cannot send the session cookie (another origin, a script) asks
``POST /api/v1/events/ticket`` with its usual credentials and opens
``/ws/events?ticket=<ticket>`` within :data:`TICKET_TTL` seconds. A ticket is bound to the
tenant and the user (or API key) it was issued to, is stored only as its SHA-256 digest, and
is consumed by the first connection that presents it — a ticket leaked through a log line is
worthless after use or after 30 seconds. Long-lived bearer tokens never appear in a URL.

Storage: Redis in production mode (``SET … EX`` then atomic ``GETDEL``, so any server process
can redeem a ticket issued by another), process memory in embedded mode (one process).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any, Protocol

import attrs
import redis.asyncio as aioredis

from autonomos.server.auth.tokens import new_opaque_token, token_digest

TICKET_TTL = 30
REDIS_PREFIX = "autonomos:wsticket:"


@attrs.frozen
class TicketGrant:
    """What a ticket stands for."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID | None
    api_key_id: uuid.UUID | None

    def to_json(self) -> str:
        return json.dumps({"tenant_id": str(self.tenant_id),
                           "user_id": str(self.user_id) if self.user_id else None,
                           "api_key_id": str(self.api_key_id) if self.api_key_id else None})

    @classmethod
    def from_json(cls, raw: str | bytes) -> TicketGrant:
        d: dict[str, Any] = json.loads(raw)
        return cls(tenant_id=uuid.UUID(d["tenant_id"]),
                   user_id=uuid.UUID(d["user_id"]) if d.get("user_id") else None,
                   api_key_id=uuid.UUID(d["api_key_id"]) if d.get("api_key_id") else None)


class TicketStore(Protocol):
    async def issue(self, grant: TicketGrant) -> str: ...

    async def redeem(self, ticket: str) -> TicketGrant | None: ...


class MemoryTicketStore:
    """Embedded mode: digests in a dict, expired entries swept on every call."""

    def __init__(self, ttl: int = TICKET_TTL):
        self.ttl = ttl
        self._items: dict[str, tuple[float, TicketGrant]] = {}
        self._lock = threading.Lock()

    def _sweep(self, now: float) -> None:
        for k in [k for k, (exp, _) in self._items.items() if exp <= now]:
            del self._items[k]

    async def issue(self, grant: TicketGrant) -> str:
        ticket = new_opaque_token()
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            self._items[token_digest(ticket)] = (now + self.ttl, grant)
        return ticket

    async def redeem(self, ticket: str) -> TicketGrant | None:
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            item = self._items.pop(token_digest(ticket), None)
        return item[1] if item else None


class RedisTicketStore:
    """Production mode: ``autonomos:wsticket:<sha256>`` with a TTL; redeemed with GETDEL."""

    def __init__(self, client: aioredis.Redis, ttl: int = TICKET_TTL):
        self.client = client
        self.ttl = ttl

    async def issue(self, grant: TicketGrant) -> str:
        ticket = new_opaque_token()
        await self.client.set(REDIS_PREFIX + token_digest(ticket), grant.to_json(), ex=self.ttl)
        return ticket

    async def redeem(self, ticket: str) -> TicketGrant | None:
        raw = await self.client.getdel(REDIS_PREFIX + token_digest(ticket))
        return TicketGrant.from_json(raw) if raw else None
