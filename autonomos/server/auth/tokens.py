"""JWT access tokens (HS256 pinned) and opaque tokens (refresh, invitation, API key).

Access token claims: ``iss``, ``aud``, ``iat``, ``exp``, ``sub`` (user UUID), ``tid`` (tenant
UUID), ``jti``, ``sid`` (the session: the refresh-token family the login started). All are required when decoding; the algorithm list is pinned so a token signed
with ``none`` or another algorithm is refused. Opaque tokens are random and stored only as their
SHA-256 hex digest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid

import attrs
import jwt

from autonomos.server.settings import AuthSettings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "tid", "jti", "sid"]


class InvalidToken(Exception):
    """The token is malformed, expired, or was not issued by us for this audience."""


@attrs.frozen
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    jti: str
    expires_at: int
    session_id: uuid.UUID


def issue_access_token(settings: AuthSettings, user_id: uuid.UUID, tenant_id: uuid.UUID,
                       session_id: uuid.UUID) -> tuple[str, int]:
    """A signed access token of session ``session_id`` and its lifetime in seconds."""
    now = int(time.time())
    payload = {"iss": settings.issuer, "aud": settings.audience, "iat": now, "exp": now + settings.access_ttl,
               "sub": str(user_id), "tid": str(tenant_id), "jti": secrets.token_hex(16), "sid": str(session_id)}
    return jwt.encode(payload, settings.jwt_secret, algorithm=ALGORITHM), settings.access_ttl


def decode_access_token(settings: AuthSettings, token: str) -> AccessClaims:
    """Verify signature, algorithm, exp, iat, iss, aud and the presence of every claim."""
    try:
        payload = jwt.decode(token, settings.jwt_secret, algorithms=[ALGORITHM], audience=settings.audience,
                             issuer=settings.issuer, options={"require": REQUIRED_CLAIMS}, leeway=5)
        return AccessClaims(user_id=uuid.UUID(payload["sub"]), tenant_id=uuid.UUID(payload["tid"]),
                            jti=str(payload["jti"]), expires_at=int(payload["exp"]),
                            session_id=uuid.UUID(payload["sid"]))
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(str(exc)) from None


def csrf_token(settings: AuthSettings, session_id: uuid.UUID) -> str:
    """The CSRF token of one session: an HMAC of its id, so a cookie planted by someone else
    (a sibling subdomain can set cookies) never matches a real session's."""
    digest = hmac.new(settings.jwt_secret.encode(), f"csrf:{session_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_opaque_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


API_KEY_PREFIX = "ak_"


def new_api_key() -> tuple[str, str]:
    """``(full key, lookup prefix)``: ``ak_<prefix>_<secret>``."""
    prefix = secrets.token_hex(6)
    return f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def split_api_key(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, sep, secret = key[len(API_KEY_PREFIX):].partition("_")
    if not sep or len(prefix) != 12 or not secret:
        return None
    return prefix
