"""Guards: the default scope policy (app-wide) and ``requires_role`` for handlers."""

from __future__ import annotations

from typing import Callable

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from autonomos.server.auth.middleware import SAFE_METHODS
from autonomos.server.context import ROLE_RANK, TenantContext
from autonomos.server.errors import Problem

Guard = Callable[[ASGIConnection, BaseRouteHandler], None]


def scope_policy(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Safe methods need ``read``, others ``write``, unless the handler names ``opt["scope"]``."""
    if handler.opt.get("exclude_from_auth"):
        return
    ctx = connection.scope.get("auth")
    if not isinstance(ctx, TenantContext):
        return  # not an HTTP route behind auth (e.g. static files)
    method = connection.scope.get("method", "GET")
    required = handler.opt.get("scope") or ("read" if method in SAFE_METHODS else "write")
    if not ctx.has_scope(required):
        raise Problem(403, f"this action needs the {required!r} scope; your role {ctx.role!r} "
                      f"has {', '.join(sorted(ctx.scopes)) or 'none'}", slug="forbidden")


def requires_role(minimum: str) -> Guard:
    """A guard admitting roles at or above ``minimum`` (viewer < member < admin < owner)."""
    if minimum not in ROLE_RANK:
        raise ValueError(f"unknown role {minimum!r}")

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        ctx = connection.scope.get("auth")
        if not isinstance(ctx, TenantContext) or not ctx.has_role(minimum):
            raise Problem(403, f"this action needs the {minimum!r} role or higher", slug="forbidden")

    guard.__name__ = f"requires_role_{minimum}"
    return guard
