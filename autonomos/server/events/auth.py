"""Who may open ``/ws/events``: the Origin check and the credential check.

Browsers attach cookies to cross-site WebSocket handshakes and WebSockets have no CORS, so
a page on any site could open the socket with the user's session (cross-site WebSocket
hijacking). :func:`origin_allowed` therefore admits only the server's own host and origins
listed in ``AUTONOMOS_CORS_ORIGINS``; a ``*`` there admits foreign origins only for ticket
connections (a ticket is not an ambient credential a foreign page could borrow).

Credentials, first match wins: ``?ticket=`` (single use, see :mod:`.tickets`), an
``Authorization: Bearer`` / ``X-API-Key`` header (non-browser clients), the
``autonomos_access`` cookie. Tokens or keys in the URL are refused: URLs end up in logs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import anyio
from litestar.connection import WebSocket
from sqlalchemy import select

from autonomos.server.auth.middleware import ACCESS_COOKIE, authenticate_api_key, check_jwt
from autonomos.server.context import ROLE_SCOPES, TenantContext, role_for_scopes
from autonomos.server.db.models import ApiKey, Membership, User
from autonomos.server.errors import Problem
from autonomos.server.events.tickets import TicketGrant, TicketStore

URL_CREDENTIAL_PARAMS = ("token", "access_token", "bearer", "jwt", "api_key", "apikey", "key", "authorization")
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


class SocketAuthError(Exception):
    """Refuse the connection: ``code`` is the WebSocket close code, ``reason`` says why."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _netloc(scheme: str, host_port: str) -> str:
    """``host[:port]`` lower-cased, the scheme's default port dropped."""
    parts = urlsplit(f"//{host_port}")
    try:
        port = parts.port
    except ValueError:
        return "\0invalid"
    host = (parts.hostname or "").lower()
    return host if port is None or str(port) == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"


def origin_allowed(origin: str | None, host: str | None, scheme: str, allowed: tuple[str, ...],
                   by_ticket: bool) -> bool:
    """True when a handshake from ``origin`` may proceed (None: not a browser → allowed)."""
    if origin is None:
        return True
    origin = origin.strip().rstrip("/")
    if origin in allowed:
        return True
    if "*" in allowed and by_ticket:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or host is None:
        return False
    http_scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)
    return _netloc(parts.scheme, parts.netloc) == _netloc(http_scheme, host)


def check_origin(socket: WebSocket, allowed: tuple[str, ...], by_ticket: bool) -> None:
    origin = socket.headers.get("origin")
    if not origin_allowed(origin, socket.headers.get("host"), socket.scope.get("scheme", "ws"), allowed, by_ticket):
        raise SocketAuthError(4403, f"origin {origin} is not allowed; add it to AUTONOMOS_CORS_ORIGINS")


async def authenticate_socket(socket: WebSocket, tickets: TicketStore) -> tuple[TenantContext, float | None]:
    """The caller's context and when the credential that opened the socket expires (epoch s; None
    for tickets and API keys), or :class:`SocketAuthError` (4401) naming what is wrong. A socket
    lives no longer than its access token: after logout a session's socket ends with the token."""
    query = socket.query_params
    for name in URL_CREDENTIAL_PARAMS:
        if name in query:
            raise SocketAuthError(4401, f"credentials in the URL (?{name}=) are refused; POST /api/v1/events/ticket "
                                        "and connect with ?ticket=<ticket>, or use the session cookie")
    state = socket.app.state
    expires_at: float | None = None
    try:
        if (ticket := query.get("ticket")) is not None:
            grant = await tickets.redeem(ticket)
            if grant is None:
                raise SocketAuthError(4401, "unknown, expired or already used ticket")
            ctx = await anyio.to_thread.run_sync(context_for_grant, state, grant)
        elif (api_key := socket.headers.get("x-api-key")) is not None:
            ctx = await anyio.to_thread.run_sync(authenticate_api_key, state, api_key)
        elif (authorization := socket.headers.get("authorization")) is not None:
            if authorization[:7].lower() != "bearer ":
                raise SocketAuthError(4401, "Authorization header must be 'Bearer <token>'")
            bearer = authorization[7:].strip()
            if bearer.startswith("ak_"):
                ctx = await anyio.to_thread.run_sync(authenticate_api_key, state, bearer)
            else:
                ctx, expires_at = await anyio.to_thread.run_sync(check_jwt, state, bearer, "bearer")
        elif (cookie := socket.cookies.get(ACCESS_COOKIE)) is not None:
            ctx, expires_at = await anyio.to_thread.run_sync(check_jwt, state, cookie, "cookie")
        else:
            raise SocketAuthError(4401, "authentication required: the session cookie, ?ticket= "
                                        "(POST /api/v1/events/ticket) or an Authorization header")
    except Problem as exc:
        raise SocketAuthError(4401, str(exc.detail)) from None
    if not ctx.has_scope("read"):
        raise SocketAuthError(4403, "live events need the 'read' scope")
    return ctx, expires_at


def context_for_grant(state: Any, grant: TicketGrant) -> TenantContext:
    """Re-check that the ticket's user is still a member (or its API key still valid)."""
    with state.db.session(grant.tenant_id) as s:
        if grant.user_id is not None:
            row = s.execute(select(Membership.role, User.is_active).join(User, User.id == Membership.user_id)
                            .where(Membership.user_id == grant.user_id)).first()
            if row is None or not row.is_active:
                raise SocketAuthError(4401, "the ticket's user is no longer a member of this organization")
            return TenantContext(tenant_id=grant.tenant_id, role=row.role, scopes=ROLE_SCOPES[row.role],
                                 auth_method="cookie", user_id=grant.user_id)
        key = s.get(ApiKey, grant.api_key_id)
        if key is None or key.revoked_at is not None:
            raise SocketAuthError(4401, "the ticket's API key was revoked")
        scopes = frozenset(key.scopes)
        return TenantContext(tenant_id=grant.tenant_id, role=role_for_scopes(scopes), scopes=scopes,
                             auth_method="api_key", api_key_id=key.id)


def still_authorized(state: Any, ctx: TenantContext) -> bool:
    """Periodic re-check for long-lived sockets: removed members and revoked keys lose the stream."""
    try:
        context_for_grant(state, TicketGrant(ctx.tenant_id, ctx.user_id, ctx.api_key_id))
    except SocketAuthError:
        return False
    return True
