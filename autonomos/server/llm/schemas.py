"""Bodies of ``/api/v1/settings/llm`` and ``/api/v1/llm/providers``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from autonomos.server.auth.schemas import Strict

ProviderName = Annotated[str, msgspec.Meta(max_length=100, description="a registered LLM provider "
                                                                        "(GET /api/v1/llm/providers); null = the server's default")]
ModelName = Annotated[str, msgspec.Meta(max_length=200, description="model id; null = the provider's default")]
ApiKey = Annotated[str, msgspec.Meta(max_length=1000, description="write-only; stored encrypted")]


class ServerDefault(msgspec.Struct):
    """What the server's environment configures (``AUTONOMOS_LLM_PROVIDER``/``AUTONOMOS_LLM_MODEL``)."""

    provider: str | None
    model: str | None


class LlmSettingsOut(msgspec.Struct):
    """The organization's LLM settings; the key itself is never returned, only whether one is set."""

    provider: str | None
    model: str | None
    api_key_set: bool
    updated_at: dt.datetime | None
    server_default: ServerDefault


class LlmSettingsIn(Strict):
    """``api_key`` omitted keeps the stored key; ``null`` or ``""`` removes it."""

    provider: ProviderName | None
    model: ModelName | None
    api_key: ApiKey | None | msgspec.UnsetType = msgspec.UNSET


class LlmTestOut(msgspec.Struct):
    ok: bool
    provider: str | None
    model: str | None
    message: str
    duration_ms: float


class LlmProviderOut(msgspec.Struct):
    name: str
    default_model: str
    models: list[str]


class LlmProviderList(msgspec.Struct):
    items: list[LlmProviderOut]
