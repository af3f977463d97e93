"""Source secrets at rest: sealed with Fernet under a per-tenant key derived from
``AUTONOMOS_SECRET_KEY``; never returned, shown as ``"***"``.

What counts as a secret: every value under a secret-looking key (``password``, ``token``,
``api_key``, ``secret``… — :func:`autonomos.core.redaction.is_secret_key`) and any string that
carries a credential (a URL with a password, ``?token=`` query parameters). A sealed value is
stored as ``{"$secret": "<fernet token>"}``; the key is HKDF-SHA256(secret key, salt = tenant
UUID), so a token copied into another tenant's row does not decrypt.

    sealed = seal(config, key)          # before storing
    shown = mask(sealed)                # in API answers
    plain = unseal(sealed, key)         # only in the worker, right before the run
"""

from __future__ import annotations

import base64
import json
import uuid
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from autonomos.core.errors import ConfigError
from autonomos.core.redaction import is_ref, is_secret_key, redact

MASK = "***"
SEALED = "$secret"


@lru_cache(maxsize=256)
def tenant_key(secret_key: str, tenant_id: uuid.UUID) -> Fernet:
    """The Fernet key of one tenant (derived, never stored)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=tenant_id.bytes,
               info=b"autonomos source secrets v1").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def seal_text(text: str, secret_key: str, tenant_id: uuid.UUID) -> str:
    """One string sealed under the tenant's key: a stored API key or signing secret (a column of
    its own, not a config, so no ``{"$secret": …}`` wrapper)."""
    return tenant_key(secret_key, tenant_id).encrypt(text.encode()).decode()


def open_text(token: str, secret_key: str, tenant_id: uuid.UUID) -> str | None:
    """The plaintext of :func:`seal_text`, or None when it does not decrypt (the secret key
    changed, or the token is another tenant's); the caller says what to set again."""
    try:
        return tenant_key(secret_key, tenant_id).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(SEALED), str)


def _carries_secret(value: Any) -> bool:
    return isinstance(value, str) and redact(value) != value


def seal(config: Any, key: Fernet, _secret: bool = False) -> Any:
    """A copy of ``config`` with every secret value encrypted (already sealed values stay)."""
    if is_sealed(config) or is_ref(config):
        return dict(config)
    if isinstance(config, dict):
        return {k: seal(v, key, _secret or is_secret_key(k)) for k, v in config.items()}
    if isinstance(config, list):
        if _secret:
            return {SEALED: key.encrypt(json.dumps(config).encode()).decode()}
        return [seal(v, key) for v in config]
    if config is not None and (_secret or _carries_secret(config)):
        return {SEALED: key.encrypt(json.dumps(config).encode()).decode()}
    return config


def unseal(config: Any, key: Fernet, path: str = "config") -> Any:
    """The plain config (for the connector). A token that does not decrypt (the secret key
    changed) names the field instead of failing obscurely."""
    if is_sealed(config):
        try:
            return json.loads(key.decrypt(config[SEALED].encode()))
        except InvalidToken:
            raise ConfigError(f"{path}: the stored secret cannot be decrypted (was AUTONOMOS_SECRET_KEY "
                              "changed?); set the value again") from None
    if isinstance(config, dict):
        return {k: unseal(v, key, f"{path}.{k}") for k, v in config.items()}
    if isinstance(config, list):
        return [unseal(v, key, f"{path}[{i}]") for i, v in enumerate(config)]
    return config


def mask(config: Any) -> Any:
    """What the API shows: sealed values as ``"***"``, anything else secret-looking redacted."""
    def strip(v: Any) -> Any:
        if is_sealed(v):
            return MASK
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items()}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return redact(strip(config))


def keep_masked(new: Any, old: Any) -> Any:
    """On update, ``"***"`` where the stored config has a sealed value means "unchanged"."""
    if new == MASK and is_sealed(old):
        return old
    if isinstance(new, dict) and isinstance(old, dict):
        return {k: keep_masked(v, old.get(k)) for k, v in new.items()}
    if isinstance(new, list) and isinstance(old, list):
        return [keep_masked(v, old[i] if i < len(old) else None) for i, v in enumerate(new)]
    return new
