"""Tables of the resources domain: a tenant's stored sources and pipeline definitions.

Secrets in a source's ``config`` are stored encrypted (``{"$secret": "<token>"}``, see
:mod:`autonomos.server.resources.secrets`); a pipeline keeps its YAML text as uploaded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from autonomos.server.db.base import Base, TenantOwned, Timestamped, UUIDPrimaryKey, utcnow


class Source(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    """A configured source: unique ``name`` per tenant, a connector and its config."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_sources_tenant_name"),)
    name: Mapped[str] = mapped_column(String(63))
    connector: Mapped[str] = mapped_column(String(100))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the source's ``select`` block (tables, exclude_tables, exclude_columns); null: everything
    selection: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Pipeline(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    """An uploaded pipeline YAML (validated on upload, re-validated when run)."""

    __tablename__ = "pipelines"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_pipelines_tenant_name"),)
    name: Mapped[str] = mapped_column(String(100))
    yaml: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
