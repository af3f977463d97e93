"""Authenticate every request (except handlers with ``opt={"exclude_from_auth": True}``).

Credentials, first match wins:

1. ``X-API-Key: ak_…`` or ``Authorization: Bearer ak_…`` — an API key of one organization;
2. ``Authorization: Bearer <jwt>`` — an access token;
3. the ``autonomos_access`` cookie — the same JWT, set at login for the browser and the
   WebSocket. Only here, on unsafe methods, the ``X-CSRF-Token`` header must equal the
   ``csrftoken`` cookie (double submit): a cross-site form can make the browser send cookies but
   cannot read the CSRF cookie. The token is an HMAC of the session id (the token's ``sid``), so
   a cookie and header planted by someone else (a sibling subdomain can set cookies) never pass.
   Bearer and API-key clients never need it.

An access token is accepted only while its session is open: some refresh token of its family
(``sid``) is not revoked. Logout and a reused refresh token revoke the family, so the access
tokens of that login stop working too, not only at their ``exp``.

The result is a :class:`~autonomos.server.context.TenantContext` in ``request.auth``. It is
kept a few seconds per credential (:mod:`autonomos.server.auth.cache`): a repeated credential is
authenticated on the event loop without a thread hop, a JWT check or a query. A demotion, removal,
deactivation or key revocation made in this process takes effect at once (the cache is cleared
when it is written); one made by another process within ``AUTONOMOS_AUTH_CACHE_SECONDS`` (5 s).
"""

from __future__ import annotations

import datetime as dt
import hmac
import uuid
from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from sqlalchemy import select

from autonomos.server.auth.cache import AuthCache
from autonomos.server.auth.tokens import InvalidToken, csrf_token, decode_access_token, split_api_key, token_digest
from autonomos.server.context import ROLE_SCOPES, TenantContext, role_for_scopes
from autonomos.server.db.base import utcnow
from autonomos.server.db.models import ApiKey, Membership, RefreshToken, User
from autonomos.server.errors import Problem

ACCESS_COOKIE = "autonomos_access"
REFRESH_COOKIE = "autonomos_refresh"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


def unauthorized(detail: str) -> Problem:
    return Problem(401, detail, slug="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="autonomos"'})


def check_csrf(connection: ASGIConnection, session_id: uuid.UUID | None) -> None:
    """Double-submit check: header equals cookie, and both equal the session's own token
    (:func:`~autonomos.server.auth.tokens.csrf_token`), compared in constant time."""
    cookie = connection.cookies.get(CSRF_COOKIE, "")
    header = connection.headers.get(CSRF_HEADER, "")
    expected = csrf_token(connection.app.state.settings.auth, session_id) if session_id is not None else ""
    if (not cookie or not header or not expected or not hmac.compare_digest(cookie.encode(), header.encode())
            or not hmac.compare_digest(header.encode(), expected.encode())):
        raise Problem(403, f"cookie-authenticated {connection.scope.get('method', '')} requests need an "
                      f"X-CSRF-Token header equal to the {CSRF_COOKIE} cookie", slug="csrf", title="CSRF check failed")


def signed_in_user(connection: ASGIConnection) -> uuid.UUID | None:
    """The user id of a valid access token (bearer or cookie) on a public route, else None."""
    authorization = connection.headers.get("authorization", "")
    token = authorization[7:].strip() if authorization[:7].lower() == "bearer " else connection.cookies.get(ACCESS_COOKIE)
    if not token or token.startswith("ak_"):
        return None
    try:
        return decode_access_token(connection.app.state.settings.auth, token).user_id
    except InvalidToken:
        return None


class AuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        headers = connection.headers
        api_key = headers.get("x-api-key")
        authorization = headers.get("authorization", "")
        bearer = authorization[7:].strip() if authorization[:7].lower() == "bearer " else None
        if api_key or (bearer and bearer.startswith("ak_")):
            key = api_key or bearer
            ctx = await self._cached(connection, ("api_key", token_digest(key)), _check_api_key, key)
        elif bearer:
            ctx = await self._cached(connection, ("bearer", bearer), check_jwt, bearer, "bearer")
        elif authorization:
            raise unauthorized("Authorization header must be 'Bearer <token>'")
        elif token := connection.cookies.get(ACCESS_COOKIE):
            ctx = await self._cached(connection, ("cookie", token), check_jwt, token, "cookie")
            if connection.scope.get("method", "GET") not in SAFE_METHODS:
                check_csrf(connection, ctx.session_id)
        else:
            raise unauthorized("authentication required: Authorization: Bearer <token>, X-API-Key, or the session cookie")
        return AuthenticationResult(user=ctx.user_id or ctx.api_key_id, auth=ctx)

    async def _cached(self, connection: ASGIConnection, key: tuple[str, str], fn: Any, *args: Any) -> TenantContext:
        """``fn(state, *args)`` in a worker thread, or its cached answer (see :mod:`.cache`)."""
        state = connection.app.state
        cache: AuthCache = state.auth_cache
        ctx = cache.get(key)
        if ctx is None:
            ctx, not_after = await anyio.to_thread.run_sync(fn, state, *args)
            cache.put(key, ctx, not_after)
        return ctx


def authenticate_api_key(state: Any, key: str) -> TenantContext:
    """Uncached check of an API key (also used by the WebSocket handshake)."""
    return _check_api_key(state, key)[0]


def check_jwt(state: Any, token: str, method: str) -> tuple[TenantContext, float | None]:
    """The context and the time (epoch s) after which it must not be reused: the token's ``exp``
    (uncached; also used by the WebSocket handshake, whose socket ends then)."""
    try:
        claims = decode_access_token(state.settings.auth, token)
    except InvalidToken as exc:
        raise unauthorized(f"invalid access token: {exc}") from None
    with state.db.session(claims.tenant_id) as s:
        row = s.execute(select(Membership.role, User.is_active).join(User, User.id == Membership.user_id)
                        .where(Membership.user_id == claims.user_id)).first()
        # the session must still be open: logout and a reused refresh token revoke the family
        # (every refresh token of the login), and with it the access tokens it issued
        live = s.scalar(select(RefreshToken.id).where(RefreshToken.family_id == claims.session_id,
                                                      RefreshToken.revoked_at.is_(None)).limit(1))
    if row is None or not row.is_active:
        raise unauthorized("the token's user is no longer a member of this organization")
    if live is None:
        raise unauthorized("the session of this access token was ended (logout or a reused refresh token); log in again")
    ctx = TenantContext(tenant_id=claims.tenant_id, role=row.role, scopes=ROLE_SCOPES[row.role],
                        auth_method=method, user_id=claims.user_id,  # type: ignore[arg-type]
                        session_id=claims.session_id)
    return ctx, float(claims.expires_at)


def _check_api_key(state: Any, key: str) -> tuple[TenantContext, float | None]:
    prefix = split_api_key(key)
    if prefix is None:
        raise unauthorized("malformed API key")
    now = utcnow()
    with state.db.system_session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, token_digest(key)):
            raise unauthorized("invalid or revoked API key")
        last = row.last_used_at
        if last is None or now - (last if last.tzinfo else last.replace(tzinfo=dt.timezone.utc)) > _LAST_USED_GRANULARITY:
            row.last_used_at = now
            s.commit()
        scopes = frozenset(row.scopes)
        ctx = TenantContext(tenant_id=row.tenant_id, role=role_for_scopes(scopes), scopes=scopes,
                            auth_method="api_key", api_key_id=row.id)
        return ctx, None
