"""Helpers for server tests: register, log in, add members; :class:`Tenant` carries a bearer token."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, replace
from typing import Any, Iterator

from litestar.testing import TestClient
from sqlalchemy import Connection, Engine, text

from autonomos.server.settings import AuthSettings

PASSWORD = "correct horse battery"


def fast_auth(**overrides: Any) -> AuthSettings:
    """Real argon2id with small parameters, so tests hash in milliseconds."""
    base = AuthSettings(jwt_secret="j" * 48, secret_key="k" * 48, argon2_time_cost=1, argon2_memory_cost=1024,
                        argon2_parallelism=1)
    return replace(base, **overrides)


@dataclass
class Tenant:
    """An organization with one logged-in user (bearer token; no cookies left on the client)."""

    org_id: uuid.UUID
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def register(client: TestClient, org: str, email: str, password: str = PASSWORD) -> uuid.UUID:
    r = client.post("/api/v1/auth/register", json={"organization": org, "email": email, "password": password})
    assert r.status_code == 201, r.text
    return uuid.UUID(r.json()["organization"]["id"])


def login(client: TestClient, email: str, password: str = PASSWORD, keep_cookies: bool = False, **extra: str) -> str:
    r = client.post("/api/v1/auth/login", data={"username": email, "password": password, **extra})
    assert r.status_code == 200, r.text
    if not keep_cookies:
        client.cookies.clear()
    return r.json()["access_token"]


def new_tenant(client: TestClient, org: str, email: str) -> Tenant:
    org_id = register(client, org, email)
    return Tenant(org_id=org_id, email=email, password=PASSWORD, token=login(client, email))


def add_member(client: TestClient, owner: Tenant, email: str, role: str) -> Tenant:
    """Invite ``email`` with ``role`` into ``owner``'s organization, accept, log in."""
    r = client.post("/api/v1/invitations", json={"email": email, "role": role}, headers=owner.headers)
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/invitations/{r.json()['token']}/accept", json={"password": PASSWORD})
    assert r.status_code == 201, r.text
    return Tenant(org_id=owner.org_id, email=email, password=PASSWORD,
                  token=login(client, email, organization=str(owner.org_id)))


@contextlib.contextmanager
def system_connection(engine: Engine) -> Iterator[Connection]:
    """A raw connection in a transaction that row-level security lets see every tenant's rows
    (``autonomos.system``, as the server's system sessions): the test servers' PostgreSQL role
    does not bypass RLS, so a bare connection sees no tenant-owned row."""
    with engine.begin() as con:
        if con.dialect.name == "postgresql":
            con.execute(text("select set_config('autonomos.system', 'on', true)"))
        yield con
