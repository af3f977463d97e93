"""The service's tables. Tenant-owned ones inherit :class:`~autonomos.server.db.base.TenantOwned`.

Adding a model: define it here (or in your domain's ``models.py`` imported from
:mod:`autonomos.server.db.registry`), then write a migration in
``autonomos/server/migrations/versions/`` that creates the table and, for tenant-owned tables,
calls :func:`autonomos.server.db.rls.enable_rls` (a no-op on SQLite).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from autonomos.server.db.base import Base, TenantOwned, Timestamped, UUIDPrimaryKey

ROLES = ("owner", "admin", "member", "viewer")


class Organization(UUIDPrimaryKey, Timestamped, Base):
    """A tenant. Its ``id`` is the engine's tenant UUID: ``TenantCatalog(org.id)``."""

    __tablename__ = "organizations"
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)


class User(UUIDPrimaryKey, Timestamped, Base):
    """A person; global, joined to organizations through memberships."""

    __tablename__ = "users"
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    is_active: Mapped[bool] = mapped_column(default=True)


class Membership(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_memberships_tenant_user"),)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class Invitation(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    """A pending invitation; the token is shown once and stored as a SHA-256 hash."""

    __tablename__ = "invitations"
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]


class RefreshToken(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    """One refresh token of a rotation family. Reusing a rotated token revokes the family."""

    __tablename__ = "refresh_tokens"
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    rotated_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class ApiKey(UUIDPrimaryKey, Timestamped, TenantOwned, Base):
    """A machine credential: ``ak_<prefix>_<secret>``; the prefix finds the row, the hash checks it."""

    __tablename__ = "api_keys"
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """A failed login, keyed ``account:<email>`` or ``address:<ip>``: the throttle's memory."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400), index=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
