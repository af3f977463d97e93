"""The request contract every controller builds on: :class:`TenantContext` and its dependencies.

Every authenticated request carries a ``TenantContext`` (``request.auth``), built by the auth
middleware from a bearer JWT, the access cookie (+ CSRF on unsafe methods) or an API key. A
controller asks for what it needs by parameter name; these dependencies are registered app-wide
(:data:`dependencies`)::

    from autonomos.server.context import TenantContext
    from autonomos.server.db.session import TenantSession

    class SourceController(Controller):
        path = "/api/v1/sources"
        tags = ["sources"]

        @get("/{source_id:uuid}", operation_id="getSource", sync_to_thread=True)
        def get_source(self, source_id: UUID, ctx: TenantContext, db_session: TenantSession) -> SourceOut:
            '''One source of the caller's organization.'''
            row = db_session.get(Source, source_id)   # tenant-filtered: another tenant's id → None
            if row is None:
                raise not_found("source")            # 404, never 403
            ...

Injectable names:

* ``ctx`` — :class:`TenantContext` (tenant UUID, user id, role, scopes, auth method).
* ``db_session`` — a :class:`~autonomos.server.db.session.TenantSession` scoped to ``ctx.tenant_id``
  (every ORM query of a tenant-owned model is filtered; PostgreSQL RLS checks again). Call
  ``db_session.commit()`` yourself; the session is closed (and uncommitted work rolled back) after
  the response.
* ``catalog`` — the tenant's engine catalog, ``get_catalog(ctx)``.
* ``settings`` — :class:`~autonomos.server.settings.Settings`; ``db`` — the
  :class:`~autonomos.server.db.session.Database` (for work outside the request, e.g. enqueueing).

Authorization: by default a safe method (GET/HEAD/OPTIONS) needs scope ``read`` and any other
method needs ``write`` (so viewers and read-only API keys cannot change anything); set
``opt={"scope": "admin"}`` on a handler to demand more, or add ``guards=[requires_role("admin")]``
(:mod:`autonomos.server.auth.guards`). Handlers that must run unauthenticated set
``opt={"exclude_from_auth": True}``.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any, AsyncIterator, Literal

import anyio
import attrs
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from autonomos.core.catalog import TenantCatalog
from autonomos.server.db.session import Database, TenantSession
from autonomos.server.errors import Problem
from autonomos.server.settings import Settings

AuthMethod = Literal["bearer", "cookie", "api_key"]
ROLE_RANK = {"viewer": 0, "member": 1, "admin": 2, "owner": 3}
ROLE_SCOPES = {
    "viewer": frozenset({"read"}),
    "member": frozenset({"read", "write"}),
    "admin": frozenset({"read", "write", "admin"}),
    "owner": frozenset({"read", "write", "admin"}),
}
SCOPES = ("read", "write", "admin")


@attrs.frozen
class TenantContext:
    """Who is calling, for which organization, with which rights.

    ``tenant_id`` is the organization UUID and the engine tenant id. ``user_id`` is None for API
    keys (then ``api_key_id`` is set). ``role`` is the membership role, or for an API key the
    role its scopes amount to (admin → admin, write → member, read → viewer).
    """

    tenant_id: uuid.UUID
    role: str
    scopes: frozenset[str]
    auth_method: AuthMethod
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None  # a login's session (JWTs only): binds the CSRF token

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[minimum]


def role_for_scopes(scopes: frozenset[str]) -> str:
    return "admin" if "admin" in scopes else "member" if "write" in scopes else "viewer"


_CATALOGS: OrderedDict[tuple[uuid.UUID, Path | None], TenantCatalog] = OrderedDict()
_CATALOGS_LOCK = threading.Lock()
_CATALOGS_SIZE = 256


def get_catalog(ctx: TenantContext, data_dir: Path | None = None) -> TenantCatalog:
    """The caller's engine catalog. The path comes from the tenant UUID only.

    Reused per (tenant, data dir) within the process (bounded LRU): building one creates its
    folders (≈ 45 µs of syscalls on the event loop per request), and it holds no per-request state.
    """
    key = (ctx.tenant_id, data_dir)
    with _CATALOGS_LOCK:
        catalog = _CATALOGS.get(key)
        if catalog is not None:
            _CATALOGS.move_to_end(key)
            return catalog
    catalog = TenantCatalog(ctx.tenant_id, data_dir=data_dir)
    with _CATALOGS_LOCK:
        catalog = _CATALOGS.setdefault(key, catalog)
        while len(_CATALOGS) > _CATALOGS_SIZE:
            _CATALOGS.popitem(last=False)
    return catalog


def _provide_ctx(request: Request) -> TenantContext:
    ctx = request.scope.get("auth")
    if not isinstance(ctx, TenantContext):  # a handler excluded from auth asked for ctx
        raise Problem(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
    return ctx


def _provide_settings(state: State) -> Settings:
    return state.settings


def _provide_db(state: State) -> Database:
    return state.db


def _provide_auth_service(state: State) -> Any:
    """The :class:`autonomos.server.auth.service.AuthService` (registration, login, sessions)."""
    return state.auth_service


def _provide_password_hasher(state: State) -> Any:
    return state.password_hasher


def _provide_services(state: State) -> Any:
    """The process's :class:`autonomos.server.services.Services` (typed ``Any`` here: the
    composition root imports the domains, which import this module)."""
    return state.services


async def _provide_db_session(state: State, ctx: TenantContext) -> AsyncIterator[TenantSession]:
    # Opening a session does no I/O (it connects on first use), so it happens on the event loop;
    # closing takes a thread hop only when it still holds a connection (rollback, pool return).
    session = state.db.session(ctx.tenant_id)
    try:
        yield session
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close)
        else:
            session.close()


def _provide_catalog(state: State, ctx: TenantContext) -> TenantCatalog:
    return get_catalog(ctx, state.settings.data_dir)


dependencies: dict[str, Any] = {
    "ctx": Provide(_provide_ctx, sync_to_thread=False),
    "services": Provide(_provide_services, sync_to_thread=False),
    "auth_service": Provide(_provide_auth_service, sync_to_thread=False),
    "password_hasher": Provide(_provide_password_hasher, sync_to_thread=False),
    "settings": Provide(_provide_settings, sync_to_thread=False),
    "db": Provide(_provide_db, sync_to_thread=False),
    "db_session": Provide(_provide_db_session),  # async generator: no implicit thread hop
    "catalog": Provide(_provide_catalog, sync_to_thread=False),
}
