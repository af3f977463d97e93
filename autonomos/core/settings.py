"""Engine settings read from the environment (the server adds its own on top)."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import uuid
from pathlib import Path
from typing import Iterator

# Tenant names map to UUIDs deterministically, so the CLI's `--tenant acme` and the server's
# organization UUIDs name the same catalog folder and no registry file is needed.
TENANT_NAMESPACE = uuid.UUID("6f1d3b52-8f4a-4b8e-9d7c-2a4f0e9b1c11")


def data_dir() -> Path:
    """``AUTONOMOS_DATA_DIR`` or ``./.autonomos``."""
    return Path(os.environ.get("AUTONOMOS_DATA_DIR", ".autonomos")).resolve()


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
    return os.environ.get("AUTONOMOS_LLM_PROVIDER", "").strip() or None
