"""Engine settings read from the environment (the server adds its own on top)."""

from __future__ import annotations

import contextvars
import os
import uuid
from pathlib import Path

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
