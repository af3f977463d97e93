"""A short-lived, per-process cache of credentials → :class:`TenantContext`.

Authenticating a request used to cost a thread hop, a JWT signature check and a membership query
(≈ 3 ms of a 6 ms request). A console polls the same few endpoints with the same token, so the
middleware keeps the resulting context for ``AUTONOMOS_AUTH_CACHE_SECONDS`` (default 5, ``0``
turns the cache off) and never past the token's own ``exp``.

Revocation delay: a change made **in this process** through the ORM — a membership's role changed
or removed, a user deactivated, an API key revoked, anything flushed on ``Membership``, ``User`` or
``ApiKey`` — clears every cache of the process when it is flushed and again when it commits, so it
takes effect on the next request. A change made by **another** process (a second uvicorn worker,
``autonomos users create``, raw SQL) takes effect within the TTL (5 s by default).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from autonomos.server.context import TenantContext
from autonomos.server.db.models import ApiKey, Membership, User
from autonomos.server.db.session import TenantSession
from autonomos.server.settings import AUTH_CACHE_TTL_ENV, auth_cache_ttl_from_env

TTL_ENV = AUTH_CACHE_TTL_ENV
DEFAULT_TTL = 5.0
_WATCHED = (Membership, User, ApiKey)
_WATCHED_TABLES = frozenset(m.__table__.name for m in _WATCHED)
_caches: weakref.WeakSet[AuthCache] = weakref.WeakSet()
_caches_lock = threading.Lock()


ttl_from_env = auth_cache_ttl_from_env  # the server's settings read it (AuthSettings.cache_ttl)


class AuthCache:
    """``key → (context, expires_at)``; bounded (the oldest entries go first), thread-safe."""

    def __init__(self, ttl: float | None = None, max_entries: int = 10_000):
        self.ttl = DEFAULT_TTL if ttl is None else ttl
        self.max_entries = max_entries
        self._entries: dict[Any, tuple[TenantContext, float]] = {}
        self._lock = threading.Lock()
        with _caches_lock:
            _caches.add(self)

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def get(self, key: Any) -> TenantContext | None:
        hit = self._entries.get(key)
        if hit is None:
            return None
        if hit[1] <= time.time():
            with self._lock:
                self._entries.pop(key, None)
            return None
        return hit[0]

    def put(self, key: Any, ctx: TenantContext, not_after: float | None = None) -> None:
        """Keep ``ctx`` for the TTL, but never past ``not_after`` (the token's expiry, epoch s)."""
        if not self.enabled:
            return
        expires = time.time() + self.ttl
        if not_after is not None:
            expires = min(expires, not_after)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                for old in list(self._entries)[: max(1, self.max_entries // 10)]:
                    del self._entries[old]
            self._entries[key] = (ctx, expires)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def invalidate_all() -> None:
    """Forget every cached credential of this process (a membership, user or key changed)."""
    with _caches_lock:
        caches = list(_caches)
    for cache in caches:
        cache.clear()


# -- invalidation on writes to memberships, users and API keys -----------------------------------
@event.listens_for(TenantSession, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    if any(isinstance(o, _WATCHED) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info["auth_changed"] = True
        invalidate_all()


@event.listens_for(TenantSession, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _WATCHED_TABLES:
        state.session.info["auth_changed"] = True
        invalidate_all()


@event.listens_for(TenantSession, "after_commit")
def _after_commit(session: Session) -> None:
    # Cleared again after the commit: a request between the flush and the commit may have
    # cached the old row.
    if session.info.pop("auth_changed", False):
        invalidate_all()
