"""JWT access tokens (HS256 pinned) and opaque tokens (refresh, invitation, API key).

Access token claims: ``iss``, ``aud``, ``iat``, ``exp``, ``sub`` (user UUID), ``tid`` (tenant
UUID), ``jti``. All are required when decoding; the algorithm list is pinned so a token signed
with ``none`` or another algorithm is refused. Opaque tokens are random and stored only as their
SHA-256 hex digest.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid

import attrs
import jwt

from autonomos.server.settings import AuthSettings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "tid", "jti"]


class InvalidToken(Exception):
    """The token is malformed, expired, or was not issued by us for this audience."""


@attrs.frozen
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    jti: str
    expires_at: int


def issue_access_token(settings: AuthSettings, user_id: uuid.UUID, tenant_id: uuid.UUID) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    now = int(time.time())
    payload = {"iss": settings.issuer, "aud": settings.audience, "iat": now, "exp": now + settings.access_ttl,
               "sub": str(user_id), "tid": str(tenant_id), "jti": secrets.token_hex(16)}
    return jwt.encode(payload, settings.jwt_secret, algorithm=ALGORITHM), settings.access_ttl


def decode_access_token(settings: AuthSettings, token: str) -> AccessClaims:
    """Verify signature, algorithm, exp, iat, iss, aud and the presence of every claim."""
    try:
        payload = jwt.decode(token, settings.jwt_secret, algorithms=[ALGORITHM], audience=settings.audience,
                             issuer=settings.issuer, options={"require": REQUIRED_CLAIMS}, leeway=5)
        return AccessClaims(user_id=uuid.UUID(payload["sub"]), tenant_id=uuid.UUID(payload["tid"]),
                            jti=str(payload["jti"]), expires_at=int(payload["exp"]))
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(str(exc)) from None


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
