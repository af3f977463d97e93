"""Request and response bodies of the auth routes (msgspec: unknown fields are refused)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from autonomos.server.names import VISIBLE_TEXT

# No whitespace or control characters, spelled out: Python's \s (the server) and ECMA's (the schema's
# readers) differ on \x1c-\x1f, \x85 and \ufeff.
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f-\x9f\ufeff]+"
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320,
                                    pattern=f"^{_EMAIL_PART}@{_EMAIL_PART}\\.{_EMAIL_PART}$",
                                    description="an email address")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=1024)]
Role = Literal["owner", "admin", "member", "viewer"]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


class RegisterIn(Strict):
    organization: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=VISIBLE_TEXT,
                                              description="no control or invisible formatting characters")]
    email: Email
    password: Password


class LoginForm(msgspec.Struct):
    """OAuth2 password grant form (``application/x-www-form-urlencoded``)."""

    username: str
    password: str
    grant_type: str | None = None
    scope: str | None = None
    organization: str | None = None  # slug or UUID, for users in several organizations


class TokenOut(msgspec.Struct):
    access_token: str
    expires_in: int
    token_type: str = "bearer"


class UserOut(msgspec.Struct):
    id: uuid.UUID
    email: str
    created_at: dt.datetime


class OrganizationOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    slug: str
    created_at: dt.datetime


class MeOut(msgspec.Struct):
    """Who the caller is. ``user`` is null for API keys."""

    organization: OrganizationOut
    role: Role
    scopes: list[str]
    auth_method: str
    user: UserOut | None = None
