"""The ``llm_settings`` table: at most one row per organization (the tenant id is the key)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from autonomos.server.db.base import Base, TenantOwned, utcnow


class LlmSettings(TenantOwned, Base):
    """An organization's LLM choice. ``api_key`` holds the Fernet token of the key, sealed with
    the organization's key (:func:`autonomos.server.resources.secrets.tenant_key`); it is never
    returned by the API. No row, or nulls, means "use the server's default"."""

    __tablename__ = "llm_settings"
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    provider: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(200))
    api_key: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
