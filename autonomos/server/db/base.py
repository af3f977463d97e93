"""Declarative base and the :class:`TenantOwned` mixin every tenant-owned model inherits.

A model that inherits ``TenantOwned`` gets a ``tenant_id`` column (FK to ``organizations.id``)
and is automatically filtered by the session's tenant on every ORM SELECT/UPDATE/DELETE
(see :mod:`autonomos.server.db.session`). Models that are global by nature (users, organizations,
login attempts) inherit only :class:`Base`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from typing import Any

from sqlalchemy import DateTime, ForeignKey, MetaData, TypeDecorator, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names, so alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), uuid.UUID: Uuid()}


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TenantOwned:
    """Mixin: the row belongs to one organization; sessions filter on it by construction."""

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:
        # typed here, not taken from organizations.id: a worker that never imports that model (the
        # tasks tables alone) would otherwise read tenant ids as plain strings
        return mapped_column(Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), index=True)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)
