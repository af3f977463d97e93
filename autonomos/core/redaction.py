"""Showing configs without leaking secrets.

Pipeline specs keep secrets as ``{"$env": NAME}`` references, but people also paste literal
passwords and URLs with credentials; anything echoed by the API, the CLI or logs goes through
:func:`redact` first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from autonomos.core.models import PipelineSpec
from autonomos.core.serde import unstructure

__all__ = ["redact", "redact_spec", "is_ref", "is_secret_key"]


def is_ref(value: Any) -> bool:
    """True for a well-formed ``{"$env": NAME}`` secret reference."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("$env"), str)


_SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "api_key",
                 "credential", "private_key", "access_key", "auth")
_NOT_SECRET = {"primary_key", "foreign_key", "sort_key", "partition_key", "cursor_key",
               "unique_key", "merge_key", "key_field", "key_column"}
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@")
_QUERY_SECRET = re.compile(r"(?P<head>[?&](?:password|passwd|secret|token|api_key|apikey|key|"
                           r"access_token|sslpassword)=)[^&#\s]+", re.IGNORECASE)


def is_secret_key(key: Any) -> bool:
    """Whether values under this key look secret (``password``, ``apiKey``, ``aws_secret``…)."""
    k = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", str(key)).lower().replace("-", "_")
    if k in _NOT_SECRET:
        return False
    return k in ("key", "pwd", "pass") or k.endswith("_key") or any(w in k for w in _SECRET_WORDS)


def redact(config: Any) -> Any:
    """A copy of a config safe to show: ``{"$env": NAME}`` references stay as they are; values
    under secret-looking keys (password, secret, token, api_key, key, …) become ``"***"``;
    passwords inside URLs (``postgresql://user:***@host``) and secret query parameters too."""
    return _redact(config, False)


def _redact(value: Any, secret: bool) -> Any:
    if is_ref(value):
        return dict(value)
    if isinstance(value, Mapping):
        return {k: _redact(v, secret or is_secret_key(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v, secret) for v in value]
    if secret and value is not None:
        return "***"
    if isinstance(value, str):
        value = _URL_PASSWORD.sub(r"\g<head>***@", value)
        return _QUERY_SECRET.sub(r"\g<head>***", value)
    return value


def redact_spec(spec: PipelineSpec) -> dict[str, Any]:
    """The whole spec as plain data with every source config redacted (for APIs and logs)."""
    data = unstructure(spec)
    for source in data["sources"]:
        source["config"] = redact(source["config"])
    return data
