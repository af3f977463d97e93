"""An organization's LLM settings: reading, updating (key sealed), what a run uses, and a test call.

Effective settings of a run (:func:`run_choice`), given the organization's row and the server's
environment default (``AUTONOMOS_LLM_PROVIDER`` / ``AUTONOMOS_LLM_MODEL`` / provider keys):

* provider: the organization's, else the server's (None: no LLM);
* model: the organization's, else the server's when the provider is the server's, else the
  provider's default;
* key: the organization's; without one, the server's environment key only when the provider is
  the server's default provider (the organization then simply uses the server default). An
  organization that picks another provider must bring its own key: the server's keys for other
  providers are never lent out.

Base URLs are not part of the settings on purpose: they stay server-level (environment), so a
tenant cannot make the server send requests — with its key or a prompt full of sample data — to a
host of the tenant's choosing (SSRF).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import msgspec

from autonomos.core import settings as core_settings
from autonomos.core.errors import ConfigError
from autonomos.core.models import Field, TableSchema
from autonomos.core.ontology import CRM_FINANCE
from autonomos.core.plugins import get_host
from autonomos.core.settings import LLMChoice, using_llm
from autonomos.mappers.llm import ANSWER_SCHEMA, build_prompt, interpret, takes_model
from autonomos.server.db.base import utcnow
from autonomos.server.db.session import TenantSession
from autonomos.server.errors import invalid
from autonomos.server.llm.models import LlmSettings
from autonomos.server.llm.schemas import (LlmProviderList, LlmProviderOut, LlmSettingsIn, LlmSettingsOut,
                                          LlmTestOut, ServerDefault)
from autonomos.server.resources.secrets import open_text, seal_text

log = logging.getLogger(__name__)

TEST_TIMEOUT = 20.0  # seconds for the one HTTP request of a settings test (no retries)
_KEY_FIELD = "api_key"


def server_default() -> ServerDefault:
    """The environment's provider and model (read now: the same values runs read)."""
    engine = core_settings.current()
    return ServerDefault(provider=engine.llm_provider, model=engine.llm_model)


def providers() -> LlmProviderList:
    """Registered providers with their default and suggested models (static: no network)."""
    items = []
    for name, p in sorted(get_host().llm_providers().items()):
        default = str(getattr(p, "default_model", "") or "")
        models = list(dict.fromkeys([default, *getattr(p, "suggested_models", ())]) if default
                      else getattr(p, "suggested_models", ()))
        items.append(LlmProviderOut(name=name, default_model=default, models=[str(m) for m in models]))
    return LlmProviderList(items=items)


def get_row(session: TenantSession, tenant_id: uuid.UUID) -> LlmSettings | None:
    return session.get(LlmSettings, tenant_id)


def settings_out(row: LlmSettings | None) -> LlmSettingsOut:
    return LlmSettingsOut(provider=row.provider if row else None, model=row.model if row else None,
                          api_key_set=bool(row and row.api_key), updated_at=row.updated_at if row else None,
                          server_default=server_default())


def update(session: TenantSession, tenant_id: uuid.UUID, secret_key: str, data: LlmSettingsIn) -> LlmSettings:
    """Validate and store; the key is sealed with the organization's Fernet key."""
    provider = (data.provider or "").strip() or None
    if provider is not None:
        known = get_host().llm_providers()
        if provider not in known:
            raise invalid("provider", f"unknown LLM provider '{provider}' (known: {', '.join(sorted(known)) or 'none'}; "
                                      "null uses the server's default)")
    model = (data.model or "").strip() or None
    row = get_row(session, tenant_id) or LlmSettings(tenant_id=tenant_id)
    row.provider, row.model = provider, model
    if data.api_key is not msgspec.UNSET:
        key = (data.api_key or "").strip()
        if any(c.isspace() or ord(c) < 32 for c in key):
            raise invalid(_KEY_FIELD, "an API key has no spaces or control characters")
        row.api_key = seal_text(key, secret_key, tenant_id) if key else None
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    return row


def _decrypt(token: str, tenant_id: uuid.UUID, secret_key: str) -> str:
    plain = open_text(token, secret_key, tenant_id)
    if plain is None:
        raise ConfigError("the organization's stored LLM API key cannot be decrypted (was AUTONOMOS_SECRET_KEY "
                          "changed?); set it again with PUT /api/v1/settings/llm")
    return plain


def choice(row: LlmSettings | None, tenant_id: uuid.UUID, secret_key: str) -> LLMChoice:
    """The effective settings (module docstring). A key that no longer decrypts is dropped with a
    warning: the LLM is advisory, so the run goes on without it rather than failing."""
    default = server_default()
    provider = (row.provider if row else None) or default.provider
    same = provider is not None and provider == default.provider
    own_key: str | None = None
    if row is not None and row.api_key:
        try:
            own_key = _decrypt(row.api_key, tenant_id, secret_key)
        except ConfigError as exc:
            log.warning("organization %s: %s", tenant_id, exc)
            return LLMChoice(provider=provider, model=row.model, api_key=None, env_keys=False)
    model = (row.model if row else None) or (default.model if same else None)
    return LLMChoice(provider=provider, model=model, api_key=own_key, env_keys=own_key is None and same)


def run_choice(session: TenantSession, tenant_id: uuid.UUID, secret_key: str) -> LLMChoice:
    """What a run started for this organization uses (read at run time: a retry sees new settings)."""
    return choice(get_row(session, tenant_id), tenant_id, secret_key)


# -- the test call -----------------------------------------------------------------------------

def _sample_table() -> TableSchema:
    return TableSchema("accounts", [Field("company_name", "VARCHAR", ["Acme Corp", "Globex"]),
                                    Field("website", "VARCHAR", ["acme.example"]),
                                    Field("contact_email", "VARCHAR", ["ops@acme.example"])])


def try_settings(c: LLMChoice) -> LlmTestOut:
    """One small real mapping request with the effective settings, no retries, time-limited.
    Failures come back as ``ok: false`` with the provider's message (the key masked)."""
    started = time.monotonic()

    def out(ok: bool, message: str, model: str | None = None) -> LlmTestOut:
        if c.api_key and c.api_key in message:
            message = message.replace(c.api_key, "***")
        return LlmTestOut(ok=ok, provider=c.provider, model=model or c.model, message=message,
                          duration_ms=round((time.monotonic() - started) * 1000, 1))

    if c.provider is None:
        return out(False, "no LLM provider: the organization sets none and the server has no default "
                          "(AUTONOMOS_LLM_PROVIDER); choose one with PUT /api/v1/settings/llm")
    registered = get_host().llm_providers()
    if c.provider not in registered:
        return out(False, f"provider '{c.provider}' is not installed on this server "
                          f"(known: {', '.join(sorted(registered)) or 'none'})")
    provider: Any = registered[c.provider]
    if callable(getattr(provider, "configured", None)):
        provider = provider.configured(max_retries=0, timeout=TEST_TIMEOUT)
    table = _sample_table()
    with using_llm(c):
        model = provider.model() if callable(getattr(provider, "model", None)) else c.model
        try:
            prompt = build_prompt(table, CRM_FINANCE, "account", 2)
            answer = (provider.complete(prompt, ANSWER_SCHEMA, model=model) if model and takes_model(provider)
                      else provider.complete(prompt, ANSWER_SCHEMA))
            if not isinstance(answer, dict):
                raise TypeError(f"the provider returned {type(answer).__name__}, not a JSON object")
        except Exception as exc:  # any failure is the answer, not a 5xx
            return out(False, str(exc) or type(exc).__name__, model)
    mapped = interpret(answer, table, CRM_FINANCE, "account")
    n = sum(1 for f in mapped.fields if f.canonical)
    return out(True, f"{c.provider} model '{model}' answered a sample mapping request: "
                     f"{n} of {len(table.fields)} sample fields mapped", model)
