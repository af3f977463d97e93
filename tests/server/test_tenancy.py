"""Tenant isolation: by construction in the ORM, by RLS in PostgreSQL, and on every HTTP route.

``test_every_route_hides_other_tenants_resources`` walks the OpenAPI schema: every route with a
path parameter is called with tenant B's token on each of tenant A's row ids (from every
tenant-owned table). New routes and models are covered without editing this test; to seed more of
tenant A's resources, add a function to :data:`SEEDERS`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Callable

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, select, text

from autonomos.server.db.models import ApiKey, Membership, Organization
from autonomos.server.db.registry import metadata
from autonomos.server.db.session import Database, TenantScopeError
from tests.server.helpers import Tenant, add_member

# Functions that create resources in tenant A through the API (later domains add theirs here).
SEEDERS: list[Callable[[TestClient, Tenant], Any]] = [
    lambda c, a: add_member(c, a, "member@alpha.test", "member"),
    lambda c, a: c.post("/api/v1/invitations", json={"email": "pending@alpha.test"}, headers=a.headers),
    lambda c, a: c.post("/api/v1/api-keys", json={"name": "k", "scopes": ["read"]}, headers=a.headers),
    lambda c, a: c.post("/api/v1/sources", json={"name": "erp", "connector": "demo", "config": {"system": "erp"}},
                        headers=a.headers),
    lambda c, a: c.post("/api/v1/pipelines", json={"name": "p", "yaml": "sources:\n  - {name: s, connector: demo, "
                                                                      "config: {system: stripe}}\n"}, headers=a.headers),
]
SAFE = {"get", "head"}


def _seed_tasks(c: TestClient, a: Tenant) -> None:
    """A queued task (not due, so it stays put), webhook settings and a delivery log row."""
    import datetime as dt

    import tests.server.tasks.kinds  # noqa: F401  (registers test.echo)
    from autonomos.server.db.base import utcnow
    from autonomos.server.tasks.models import WebhookDelivery
    from autonomos.server.tasks.service import create_task

    with c.app.state.db.session(a.org_id) as s:
        task = create_task(s, a.org_id, "test.echo", {"value": 1})
        task.not_before = utcnow() + dt.timedelta(days=1)
        s.add(WebhookDelivery(task_id=task.id, msg_id="msg_seed", event_type="task.finished", url="https://example.com/",
                              body="{}", attempt=1, max_attempts=1, status="delivered", created_at=utcnow()))
        s.commit()
    assert c.get("/api/v1/webhooks/secret", headers=a.headers).status_code == 200


SEEDERS.append(_seed_tasks)


def _seed_files(c: TestClient, a: Tenant) -> None:
    """A file named after A's organization id: the walker fills ``{name}`` with A's ids, so
    B's ``DELETE /api/v1/files/{name}`` aims at a file A really has (and must get 404)."""
    r = c.post("/api/v1/files", files={"file": (str(a.org_id), b"id\n1\n", "text/csv")}, headers=a.headers)
    assert r.status_code == 201, r.text


SEEDERS.append(_seed_files)


def _tenant_rows(db: Database, tenant_id: uuid.UUID) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every tenant-owned table belonging to ``tenant_id`` (a snapshot)."""
    out = {}
    with db.system_session() as con:  # a system session: row-level security hides rows from a bare connection
        for table in metadata.sorted_tables:
            if "tenant_id" in table.c:
                out[table.name] = sorted(tuple(map(str, r)) for r in con.execute(
                    select(table).where(table.c.tenant_id == tenant_id)))
    return out


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_every_route_hides_other_tenants_resources(client: TestClient, app: Any,
                                                    two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    for seed in SEEDERS:
        seed(client, a)
    before = _tenant_rows(app.state.db, a.org_id)
    files_before = client.get("/api/v1/files", headers=a.headers).json()
    ids = sorted({row[table_cols.index("id")] for name, rows in before.items()
                  for table_cols in [[c.name for c in metadata.tables[name].c]] for row in rows}
                 | {str(a.org_id)})
    assert len(ids) >= 5
    schema = client.get("/schema/openapi.json").json()
    checked = 0
    for path, ops in schema["paths"].items():
        if "{" not in path:
            continue
        for method, op in ops.items():
            if method not in {"get", "post", "put", "patch", "delete", "head"}:
                continue
            for value in ids:
                r = client.request(method.upper(), _fill(path, value), headers=b.headers, json={} if method not in SAFE else None)
                checked += 1
                where = f"{method.upper()} {path} with A's id {value}: {r.status_code} {r.text[:200]}"
                assert r.status_code < 200 or r.status_code >= 300, where
                assert r.status_code != 403, where  # another tenant's resource is 404, never 403
                if method in SAFE or method == "delete":
                    assert r.status_code == 404, where
                else:
                    assert r.status_code in (400, 404, 422), where
    assert checked >= len(ids) * 4
    assert _tenant_rows(app.state.db, a.org_id) == before, "tenant B changed tenant A's rows"
    assert client.get("/api/v1/files", headers=a.headers).json() == files_before, "tenant B changed A's files"


def test_lists_show_only_own_rows(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    client.post("/api/v1/api-keys", json={"name": "a-key"}, headers=a.headers)
    assert client.get("/api/v1/api-keys", headers=b.headers).json()["items"] == []
    emails = [m["email"] for m in client.get("/api/v1/members", headers=b.headers).json()["items"]]
    assert emails == [b.email]
    assert client.get("/api/v1/organization", headers=b.headers).json()["id"] == str(b.org_id)


def test_session_scoping_by_construction(app: Any, client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    db: Database = app.state.db
    with db.session(b.org_id) as s:
        assert s.scalars(select(Membership)).all()[0].tenant_id == b.org_id
        assert len(s.scalars(select(Membership)).all()) == 1
        a_member = db.system_session().scalar(select(Membership).where(Membership.tenant_id == a.org_id))
        assert s.get(Membership, a_member.id) is None  # primary-key lookups are scoped too
        # joins and explicit filters for the other tenant find nothing
        q = select(Membership).join(Organization, Organization.id == Membership.tenant_id).where(
            Membership.tenant_id == a.org_id)
        assert s.scalars(q).all() == []
        # writing a row for another tenant is refused
        s.add(ApiKey(tenant_id=a.org_id, name="x", prefix="p" * 12, key_hash="h", scopes=["read"]))
        with pytest.raises(TenantScopeError):
            s.flush()
        s.rollback()
        # rows written without tenant_id get the session's
        key = ApiKey(name="y", prefix="q" * 12, key_hash="h", scopes=["read"])
        s.add(key)
        s.commit()
        assert key.tenant_id == b.org_id
    # a session with neither a tenant nor system flag cannot touch tenant-owned models
    with db._factory() as s, pytest.raises(TenantScopeError):
        s.scalars(select(Membership)).all()
    with pytest.raises(TenantScopeError):
        db.session()


@pytest.mark.postgres
def test_postgres_row_level_security(pg_admin_database: str, client: TestClient, app: Any,
                                     two_tenants: tuple[Tenant, Tenant]) -> None:
    """With a role that does not bypass RLS, the database itself hides other tenants' rows,
    even from raw SQL without any WHERE clause."""
    if not app.state.settings.db.is_postgres:
        pytest.skip("this parametrization runs on SQLite")
    a, b = two_tenants
    role = f"autonomos_app_{uuid.uuid4().hex[:8]}"
    dbname = pg_admin_database.rsplit("/", 1)[1]
    admin = create_engine(pg_admin_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        con.execute(text(f'GRANT CONNECT ON DATABASE "{dbname}" TO "{role}"'))
        con.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
        con.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'))
    app_engine = create_engine(pg_admin_database.replace("postgres@", f"{role}@"))
    try:
        with app_engine.connect() as con:
            assert con.execute(text("select count(*) from memberships")).scalar() == 0  # no tenant set: nothing
            con.rollback()
            with con.begin():
                con.execute(text("select set_config('autonomos.tenant_id', :t, true)"), {"t": str(b.org_id)})
                tenants = {r[0] for r in con.execute(text("select tenant_id from memberships"))}
                assert tenants == {b.org_id}
            tx = con.begin()
            con.execute(text("select set_config('autonomos.tenant_id', :t, true)"), {"t": str(b.org_id)})
            with pytest.raises(Exception, match="row-level security"):
                con.execute(text("insert into api_keys (id, tenant_id, name, prefix, key_hash, scopes, created_at) "
                                     "values (:i, :t, 'x', 'rlsprefix000', 'h', '[]', now())"),
                            {"i": uuid.uuid4(), "t": a.org_id})
            tx.rollback()
        # the ORM session as that role: scoped by both mechanisms; system sessions still see all
        from autonomos.server.settings import DatabaseSettings

        db = Database(DatabaseSettings(url=str(app_engine.url.render_as_string(hide_password=False))))
        with db.session(a.org_id) as s:
            assert {m.tenant_id for m in s.scalars(select(Membership))} == {a.org_id}
        with db.system_session() as s:
            assert {m.tenant_id for m in s.scalars(select(Membership))} == {a.org_id, b.org_id}
        db.dispose()
    finally:
        app_engine.dispose()
        with admin.connect() as con:
            con.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"'))
            con.execute(text(f'REVOKE ALL ON SCHEMA public FROM "{role}"'))
            con.execute(text(f'REVOKE ALL ON DATABASE "{dbname}" FROM "{role}"'))
            con.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
