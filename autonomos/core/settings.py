"""Engine settings: the one place the engine reads the process environment.

The edge (the CLI, the server's app and worker) resolves an :class:`EngineSettings` with
:meth:`EngineSettings.from_env` and hands it to :class:`~autonomos.core.catalog.TenantCatalog`
and :class:`~autonomos.core.pipeline.runner.Runner`; a run makes its settings current
(:func:`using`), and whatever runs inside it (stages, mappers, LLM providers, the run guard)
asks :func:`current`. Outside a run (a library call, a test) :func:`current` resolves the
environment as it is at that moment. No module below the edge reads ``os.environ``; the
``{"$env": NAME}`` references of pipeline YAML resolve against a mapping the runner is given.
The server adds its own settings on top (``autonomos.server.settings``).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import uuid
from pathlib import Path
from typing import Iterator, Mapping

# Tenant names map to UUIDs deterministically, so the CLI's `--tenant acme` and the server's
# organization UUIDs name the same catalog folder and no registry file is needed.
TENANT_NAMESPACE = uuid.UUID("6f1d3b52-8f4a-4b8e-9d7c-2a4f0e9b1c11")


_OFF = {"0", "false", "no", "off"}


def _names(raw: str) -> frozenset[str]:
    return frozenset(n.strip() for n in raw.split(",") if n.strip())


@dataclasses.dataclass(frozen=True)
class EngineSettings:
    """What the engine takes from the environment, resolved once at the edge.

    Numbers a user may mistype (``max_columns``, ``llm_samples``, ``llm_timeout``,
    ``llm_max_retries``) are kept as written and parsed where they are used, so the error names
    the run or provider that needed them instead of failing every command at start-up.
    ``environ`` is the snapshot the other values came from, for variables a plugin names itself
    (an LLM provider's key variable): read it with :meth:`env`.
    """

    data_dir: Path
    redis_url: str | None = None
    plugins: frozenset[str] = frozenset()           # AUTONOMOS_PLUGINS: load only these
    disabled_plugins: frozenset[str] = frozenset()  # AUTONOMOS_DISABLE_PLUGINS
    max_columns: str = ""                           # AUTONOMOS_MAX_COLUMNS (see core.guard)
    llm_provider: str | None = None
    llm_model: str | None = None
    llm_samples: str = ""                           # AUTONOMOS_LLM_SAMPLES (see mappers.llm)
    llm_cache: bool = True
    llm_timeout: str = ""                           # AUTONOMOS_LLM_TIMEOUT (see llm_providers.base)
    llm_max_retries: str = ""                       # AUTONOMOS_LLM_MAX_RETRIES
    openai_base_url: str | None = None              # AUTONOMOS_OPENAI_BASE_URL, else OPENAI_BASE_URL
    openai_embed_model: str | None = None
    gemini_base_url: str | None = None
    gemini_embed_model: str | None = None
    slack_webhook_url: str | None = None             # AUTONOMOS_SLACK_WEBHOOK_URL (autonomos.notifiers.slack)
    slack_events: str = ""                           # AUTONOMOS_SLACK_EVENTS
    environ: Mapping[str, str] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EngineSettings:
        """Read the settings from ``environ`` (default: this process's environment)."""
        env = dict(os.environ if environ is None else environ)

        def get(name: str) -> str:
            return env.get(name, "").strip()

        return cls(
            data_dir=Path(env.get("AUTONOMOS_DATA_DIR", ".autonomos")).resolve(),
            redis_url=get("AUTONOMOS_REDIS_URL") or None,
            plugins=_names(get("AUTONOMOS_PLUGINS")),
            disabled_plugins=_names(get("AUTONOMOS_DISABLE_PLUGINS")),
            max_columns=get("AUTONOMOS_MAX_COLUMNS"),
            llm_provider=get("AUTONOMOS_LLM_PROVIDER") or None,
            llm_model=get("AUTONOMOS_LLM_MODEL") or None,
            llm_samples=get("AUTONOMOS_LLM_SAMPLES"),
            llm_cache=(get("AUTONOMOS_LLM_CACHE") or "1").lower() not in _OFF,
            llm_timeout=get("AUTONOMOS_LLM_TIMEOUT"),
            llm_max_retries=get("AUTONOMOS_LLM_MAX_RETRIES"),
            openai_base_url=get("AUTONOMOS_OPENAI_BASE_URL") or get("OPENAI_BASE_URL") or None,
            openai_embed_model=get("AUTONOMOS_OPENAI_EMBED_MODEL") or None,
            gemini_base_url=get("AUTONOMOS_GEMINI_BASE_URL") or None,
            gemini_embed_model=get("AUTONOMOS_GEMINI_EMBED_MODEL") or None,
            slack_webhook_url=get("AUTONOMOS_SLACK_WEBHOOK_URL") or None,
            slack_events=get("AUTONOMOS_SLACK_EVENTS"),
            environ=env,
        )

    def env(self, name: str) -> str:
        """A variable a plugin names (an LLM provider's key variable), stripped; "" when unset."""
        return self.environ.get(name, "").strip()


_settings: contextvars.ContextVar[EngineSettings | None] = contextvars.ContextVar("autonomos_settings", default=None)


def current() -> EngineSettings:
    """The settings of the run in progress; outside one, the environment as it is now."""
    found = _settings.get()
    return found if found is not None else EngineSettings.from_env()


@contextlib.contextmanager
def using(engine: EngineSettings) -> Iterator[EngineSettings]:
    """Run the block with ``engine`` as :func:`current` (a run does this for its duration)."""
    token = _settings.set(engine)
    try:
        yield engine
    finally:
        _settings.reset(token)


def data_dir() -> Path:
    """``AUTONOMOS_DATA_DIR`` or ``./.autonomos`` (of the current settings)."""
    return current().data_dir


def tenant_uuid(tenant: str | uuid.UUID) -> uuid.UUID:
    """A tenant UUID from a UUID string or a tenant name (``default``, ``acme``…)."""
    if isinstance(tenant, uuid.UUID):
        return tenant
    try:
        return uuid.UUID(str(tenant))
    except ValueError:
        return uuid.uuid5(TENANT_NAMESPACE, str(tenant).strip().lower())


# The tenant whose work is running in this context (a run, a request). Plugins that keep caches
# or files key them by it, so nothing one tenant caused can be served to another.
current_tenant: contextvars.ContextVar[uuid.UUID | None] = contextvars.ContextVar("autonomos_tenant", default=None)


def tenant_dir(tenant: str | uuid.UUID) -> Path:
    """A tenant's folder under the data dir (built from its UUID only)."""
    return data_dir() / "tenants" / str(tenant_uuid(tenant))


@dataclasses.dataclass(frozen=True)
class LLMChoice:
    """The LLM settings of one run, in place of the process environment.

    The server runs many organizations' work in one process, so their LLM settings cannot live in
    ``os.environ``. While :data:`llm_override` holds one of these (see :func:`using_llm`), the
    ``llm`` mapper and the providers read provider, model and key from it; base URLs, timeouts
    and retries stay server-level (environment) settings.

    ``provider`` None means no LLM. ``api_key`` is used by that provider only. ``env_keys``
    says whether providers may still fall back to their environment keys (``OPENAI_API_KEY``…):
    true when the organization uses the server's default, false when it brought its own settings.
    """

    provider: str | None
    model: str | None = None
    api_key: str | None = dataclasses.field(default=None, repr=False)
    env_keys: bool = False


# Set for the duration of one engine run by whoever starts it (the server's task kinds); copied
# into the threads that run mappers (core.pipeline.map runs each call in copy_context()).
llm_override: contextvars.ContextVar[LLMChoice | None] = contextvars.ContextVar("autonomos_llm", default=None)


@contextlib.contextmanager
def using_llm(choice: LLMChoice | None) -> Iterator[None]:
    """Run the block with ``choice`` as the LLM settings (None: the environment's)."""
    token = llm_override.set(choice)
    try:
        yield
    finally:
        llm_override.reset(token)


def llm_provider_name() -> str | None:
    """The provider the ``llm`` mapper uses here: the override's, else ``AUTONOMOS_LLM_PROVIDER``."""
    choice = llm_override.get()
    if choice is not None:
        return choice.provider
    return current().llm_provider
