"""The credential cache: hits skip the database, writes in this process clear it, other
processes' writes take effect within the TTL, token expiry is never exceeded."""

from __future__ import annotations

import time
import uuid

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, text, update

from autonomos.core.errors import ConfigError
from autonomos.server.auth.cache import TTL_ENV, AuthCache, ttl_from_env
from autonomos.server.context import TenantContext
from autonomos.server.db.models import Membership
from tests.server.helpers import Tenant, add_member, system_connection


def _outside_write(db_url: str, sql: str, **params: object) -> None:
    """A write from another process' point of view: its own engine, raw SQL, no ORM events."""
    engine = create_engine(db_url)
    try:
        with system_connection(engine) as con:
            assert con.execute(text(sql), params).rowcount == 1
    finally:
        engine.dispose()


def test_other_process_changes_apply_within_ttl(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                db_url: str) -> None:
    a, _ = two_tenants
    member = add_member(client, a, "m@alpha.test", "member")
    cache: AuthCache = client.app.state.auth_cache
    cache.ttl = 0.5
    assert client.get("/api/v1/auth/me", headers=member.headers).json()["role"] == "member"
    uid = uuid.UUID(client.get("/api/v1/auth/me", headers=member.headers).json()["user"]["id"])
    _outside_write(db_url, "UPDATE memberships SET role = 'viewer' WHERE user_id = :u", u=uid.hex if "sqlite" in db_url else str(uid))
    # cached: the other process' demotion is not seen yet ...
    assert client.get("/api/v1/auth/me", headers=member.headers).json()["role"] == "member"
    time.sleep(0.6)
    # ... and is after the TTL
    assert client.get("/api/v1/auth/me", headers=member.headers).json()["role"] == "viewer"
    _outside_write(db_url, "DELETE FROM memberships WHERE user_id = :u", u=uid.hex if "sqlite" in db_url else str(uid))
    time.sleep(0.6)
    assert client.get("/api/v1/auth/me", headers=member.headers).status_code == 401


def test_cache_off_reads_every_request(client: TestClient, two_tenants: tuple[Tenant, Tenant], db_url: str) -> None:
    a, _ = two_tenants
    member = add_member(client, a, "m@alpha.test", "member")
    client.app.state.auth_cache.ttl = 0
    uid = client.get("/api/v1/auth/me", headers=member.headers).json()["user"]["id"]
    _outside_write(db_url, "UPDATE memberships SET role = 'viewer' WHERE user_id = :u",
                   u=uuid.UUID(uid).hex if "sqlite" in db_url else uid)
    assert client.get("/api/v1/auth/me", headers=member.headers).json()["role"] == "viewer"


def test_in_process_writes_clear_the_cache(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    member = add_member(client, a, "m@alpha.test", "member")
    app = client.app
    cache: AuthCache = app.state.auth_cache
    cache.ttl = 60
    assert client.get("/api/v1/auth/me", headers=member.headers).json()["role"] == "member"
    assert cache._entries  # filled
    # a bulk UPDATE statement (no ORM object involved) clears it too
    with app.state.db.session(a.org_id) as s:
        s.execute(update(Membership).where(Membership.role == "member").values(role="viewer"))
        s.commit()
    assert not cache._entries
    assert client.get("/api/v1/auth/me", headers=member.headers).json()["role"] == "viewer"
    # an API key revoked through the API stops working on the next request
    key = client.post("/api/v1/api-keys", json={"name": "k", "scopes": ["read"]}, headers=a.headers).json()
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key["key"]}).status_code == 200
    assert client.delete(f"/api/v1/api-keys/{key['id']}", headers=a.headers).status_code in (200, 204)
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": key["key"]}).status_code == 401


def test_entries_never_outlive_the_token() -> None:
    cache = AuthCache(ttl=60)
    ctx = TenantContext(tenant_id=uuid.uuid4(), role="viewer", scopes=frozenset({"read"}), auth_method="bearer")
    cache.put("live", ctx, not_after=time.time() + 30)
    cache.put("expired", ctx, not_after=time.time() - 1)
    assert cache.get("live") is ctx
    assert cache.get("expired") is None
    off = AuthCache(ttl=0)
    off.put("k", ctx)
    assert off.get("k") is None


def test_bounded() -> None:
    cache = AuthCache(ttl=60, max_entries=10)
    ctx = TenantContext(tenant_id=uuid.uuid4(), role="viewer", scopes=frozenset({"read"}), auth_method="bearer")
    for i in range(25):
        cache.put(i, ctx)
    assert len(cache._entries) <= 10 and cache.get(24) is ctx and cache.get(0) is None


def test_ttl_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TTL_ENV, "2.5")
    assert ttl_from_env() == 2.5
    for bad in ("soon", "-1", "3600"):
        monkeypatch.setenv(TTL_ENV, bad)
        with pytest.raises(ConfigError, match=TTL_ENV):
            ttl_from_env()
