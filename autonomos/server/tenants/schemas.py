"""Bodies of the tenant routes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from autonomos.server.auth.schemas import Email, Role, Strict
from autonomos.server.names import VISIBLE_TEXT

Scope = Literal["read", "write", "admin"]


class MemberOut(msgspec.Struct):
    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    role: Role
    created_at: dt.datetime


class MemberPage(msgspec.Struct):
    items: list[MemberOut]
    next_cursor: str | None = None


class MemberUpdate(Strict):
    role: Role


class InvitationIn(Strict):
    email: Email
    role: Role = "member"


class InvitationOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    role: Role
    expires_at: dt.datetime
    created_at: dt.datetime
    accepted_at: dt.datetime | None = None


class InvitationCreated(InvitationOut):
    """The invitation with its token: shown this once, only its hash is stored."""

    token: str = ""


class InvitationPage(msgspec.Struct):
    items: list[InvitationOut]
    next_cursor: str | None = None


class InvitationPreview(msgspec.Struct):
    """What the invitee sees before accepting: who invites and as what. ``account_exists`` is
    true only for a caller signed in as the invited email, else null: whoever holds the token (the
    inviter too) must not learn from it whether an email has an account."""

    organization: str
    email: str
    role: Role
    expires_at: dt.datetime
    account_exists: bool | None = None


class AcceptIn(Strict):
    """The invitee's password: sets it for a new account, or proves an existing one."""

    password: Annotated[str, msgspec.Meta(min_length=8, max_length=1024)]


class ApiKeyIn(Strict):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=VISIBLE_TEXT,
                                      description="no control or invisible formatting characters")]
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1)] = msgspec.field(default_factory=lambda: ["read"])


class ApiKeyOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class ApiKeyCreated(ApiKeyOut):
    """The key with its secret: shown this once, only its hash is stored."""

    key: str = ""


class ApiKeyPage(msgspec.Struct):
    items: list[ApiKeyOut]
    next_cursor: str | None = None
