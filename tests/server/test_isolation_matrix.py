"""The isolation matrix, generated from the OpenAPI schema.

Tenant A gets one of every kind of object (members, an invitation, an API key, a file, a saved
source, a pipeline with a schedule, tasks and runs, a connected catalog with tables, views and
mappings). Then every operation of the schema whose path has a parameter is called with tenant
B's token on A's ids and names, and again on ids that do not exist: both answers must be 404 and
the same (status, content type, problem body with the instance and the echoed value left out).
Nothing of A's may change.

:data:`A_VALUES` says which of A's values fill each operation's path. An operation in the schema
that it does not name fails the test: a new route with a path parameter cannot slip past the
matrix. Route tests keep proving each route's own behaviour; this one proves only what B sees.
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any, Callable

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from autonomos.server.db.registry import metadata
from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant, add_member, system_connection

Seeded = dict[str, Any]
PathValues = Callable[[Seeded], list[dict[str, str]]]

#: a body that passes validation, so that the lookup (not the validator) answers
BODIES: dict[str, Any] = {
    "PATCH /api/v1/members/{membership_id}": {"role": "viewer"},
    "POST /api/v1/invitations/{token}/accept": {"password": "guess the password"},
    "PATCH /api/v1/sources/{source_id}": {"name": "renamed"},
    "PUT /api/v1/pipelines/{pipeline_id}/schedule": {"cron": "0 0 1 1 *"},
    "POST /dcl/review/{mapping_id}": {"decision": "approve"},
    "POST /aoa/agents/{name}/run": {},
}


def _each(param: str, key: str) -> PathValues:
    return lambda a: [{param: str(v)} for v in a[key]]


#: operation → A's values for its path parameters (every one of them must answer B with 404)
A_VALUES: dict[str, PathValues] = {
    "DELETE /api/v1/members/{membership_id}": _each("membership_id", "memberships"),
    "PATCH /api/v1/members/{membership_id}": _each("membership_id", "memberships"),
    # the token is a capability: whoever holds it may look and accept, by design. A's invitation
    # id and A's other ids in its place must answer as an unknown token does.
    "POST /api/v1/invitations/{token}/accept": _each("token", "invitations"),
    "GET /api/v1/invitations/{token}": _each("token", "invitations"),
    "DELETE /api/v1/invitations/{invitation_id}": _each("invitation_id", "invitations"),
    "DELETE /api/v1/api-keys/{key_id}": _each("key_id", "api_keys"),
    "DELETE /api/v1/files/{name}": _each("name", "files"),
    "GET /api/v1/sources/{source_id}": _each("source_id", "sources"),
    "DELETE /api/v1/sources/{source_id}": _each("source_id", "sources"),
    "PATCH /api/v1/sources/{source_id}": _each("source_id", "sources"),
    "POST /api/v1/sources/{source_id}/test": _each("source_id", "sources"),
    "GET /api/v1/pipelines/{pipeline_id}": _each("pipeline_id", "pipelines"),
    "DELETE /api/v1/pipelines/{pipeline_id}": _each("pipeline_id", "pipelines"),
    "POST /api/v1/pipelines/{pipeline_id}/run": _each("pipeline_id", "pipelines"),
    "GET /api/v1/runs/{run_id}": _each("run_id", "runs"),
    "GET /api/v1/runs/{run_id}/logs": _each("run_id", "runs"),
    "GET /api/v1/pipelines/{pipeline_id}/schedule": _each("pipeline_id", "pipelines"),
    "PUT /api/v1/pipelines/{pipeline_id}/schedule": _each("pipeline_id", "pipelines"),
    "DELETE /api/v1/pipelines/{pipeline_id}/schedule": _each("pipeline_id", "pipelines"),
    "POST /api/v1/pipelines/{pipeline_id}/schedule/pause": _each("pipeline_id", "pipelines"),
    "POST /api/v1/pipelines/{pipeline_id}/schedule/resume": _each("pipeline_id", "pipelines"),
    "DELETE /dcl/sources/{name}": _each("name", "dcl_sources"),
    "POST /dcl/review/{mapping_id}": _each("mapping_id", "mappings"),
    "GET /dcl/tables/{schema}/{name}/rejected": lambda a: [{"schema": s, "name": n} for s, n in a["tables"]],
    "GET /dcl/tables/{schema}/{name}/rows": lambda a: [{"schema": s, "name": n} for s, n in a["tables"]],
    "GET /dcl/views/{entity}": _each("entity", "views"),
    # agents are the server's plugins, the same for every tenant: no agent is A's. A's source
    # names in their place must answer as an unknown agent does.
    "POST /aoa/agents/{name}/run": _each("name", "dcl_sources"),
    "POST /api/v1/tasks/{task_id}/cancel": _each("task_id", "tasks"),
    "GET /api/v1/tasks/{task_id}": _each("task_id", "tasks"),
    "POST /api/v1/tasks/{task_id}/retry": _each("task_id", "tasks"),
}


def _connect(client: TestClient, t: Tenant, system: str) -> dict[str, Any]:
    r = client.post("/dcl/connect", json={"sources": [{"name": system, "connector": "demo",
                                                       "config": {"system": system}}]}, headers=t.headers)
    assert r.status_code == 202, r.text
    task = wait_task(client, t.headers, r.json()["id"])
    assert task["status"] == "success", task
    return task


def _catalog(client: TestClient, t: Tenant) -> tuple[set[tuple[str, str]], set[str], set[int], set[str]]:
    tables = {(x["schema"], x["name"]) for x in client.get("/dcl/tables", headers=t.headers).json()}
    views = {x["entity"] for x in client.get("/dcl/views", headers=t.headers).json()}
    mappings = {x["id"] for x in client.get("/dcl/mappings", headers=t.headers).json()}
    sources = {x["name"] for x in client.get("/dcl/sources", headers=t.headers).json()}
    return tables, views, mappings, sources


def _seed(client: TestClient, a: Tenant, b: Tenant) -> Seeded:
    """One of every kind of object in A (and a catalog in B, so B's lookups reach B's catalog)."""
    h = a.headers
    add_member(client, a, "member@alpha.test", "member")
    invitation = client.post("/api/v1/invitations", json={"email": "pending@alpha.test"}, headers=h).json()
    key = client.post("/api/v1/api-keys", json={"name": "k", "scopes": ["read"]}, headers=h).json()
    r = client.post("/api/v1/files", files={"file": ("alpha-only.csv", b"id\n1\n", "text/csv")}, headers=h)
    assert r.status_code == 201, r.text
    source = client.post("/api/v1/sources", json={"name": "billing", "connector": "demo",
                                                  "config": {"system": "billing"}}, headers=h)
    assert source.status_code == 201, source.text
    source = source.json()
    pipeline = client.post("/api/v1/pipelines", json={"name": "p", "yaml": "sources:\n  - {name: s, connector: demo, "
                                                                          "config: {system: stripe}}\n"}, headers=h)
    assert pipeline.status_code == 201, pipeline.text
    pipeline_id = pipeline.json()["id"]
    r = client.put(f"/api/v1/pipelines/{pipeline_id}/schedule", json={"cron": "0 0 1 1 *"}, headers=h)
    assert r.status_code == 200, r.text
    run = client.post(f"/api/v1/pipelines/{pipeline_id}/run", headers=h)
    assert run.status_code == 202 and "id" in run.json(), run.text
    assert wait_task(client, h, run.json()["id"])["status"] == "success"
    connect = _connect(client, a, "erp")
    _connect(client, b, "hubspot")
    a_tables, a_views, a_mappings, a_sources = _catalog(client, a)
    b_tables, b_views, b_mappings, b_sources = _catalog(client, b)
    members = client.get("/api/v1/members", headers=h).json()["items"]
    runs = [r["id"] for r in client.get("/api/v1/runs", headers=h).json()["items"]]
    seeded = {
        "memberships": [m["id"] for m in members],
        "invitations": [invitation["id"]],
        "api_keys": [key["id"]],
        "files": [f["name"] for f in client.get("/api/v1/files", headers=h).json()["items"]],
        "sources": [source["id"]],
        "pipelines": [pipeline_id],
        "runs": runs,
        "tasks": [run.json()["id"], connect["id"]],
        # names B has too are B's own (a name is looked up in the caller's catalog): only A's own
        "dcl_sources": sorted(a_sources - b_sources),
        "tables": sorted(a_tables - b_tables),
        "views": sorted(a_views - b_views),
        "mappings": sorted(a_mappings - b_mappings),
    }
    for kind, values in seeded.items():
        assert values, f"seeding made no {kind} for tenant A"
    assert len(runs) >= 2 and len(seeded["tables"]) >= 2
    return seeded


def _missing_like(value: str) -> str:
    """A value of the same shape as ``value`` that names nothing."""
    try:
        uuid.UUID(value)
        return str(uuid.uuid4())
    except ValueError:
        pass
    if value.isdigit():
        return str(900_000_000 + secrets.randbelow(1000))
    if re.fullmatch(r"[0-9a-f]{12}", value):  # a run id
        return secrets.token_hex(6)
    stem, dot, ext = value.partition(".")
    return f"missing{secrets.token_hex(3)}" + (f".{ext}" if dot else "")


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}:]+)(:[^}]+)?\}", lambda m: values[m.group(1)], path)


def _answer(r: Any, values: dict[str, str]) -> tuple[int, str, Any]:
    """What a caller learns from an answer: status, content type, and the body without
    ``instance`` (it echoes the request path), a path value echoed in a message replaced by its
    parameter's name (echoing what the caller sent reveals nothing)."""
    try:
        body: Any = r.json()
    except ValueError:
        body = r.text
    if isinstance(body, dict):
        body.pop("instance", None)
        body.pop("request_id", None)
        for field, text in body.items():
            if isinstance(text, str):
                for name, value in values.items():
                    text = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", f"<{name}>", text)
                body[field] = text
    return r.status_code, r.headers.get("content-type", ""), body


def _tenant_rows(app: Any, tenant_id: uuid.UUID) -> dict[str, list[tuple[str, ...]]]:
    with system_connection(app.state.db.engine) as con:
        return {t.name: sorted(tuple(map(str, row)) for row in con.execute(select(t).where(t.c.tenant_id == tenant_id)))
                for t in metadata.sorted_tables if "tenant_id" in t.c}


def _operations(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/schema/openapi.json").json()
    return [(method.upper(), path) for path, ops in schema["paths"].items() if "{" in path
            for method in ops if method in {"get", "put", "post", "patch", "delete"}]


def test_the_matrix_knows_every_route_with_a_path_parameter(client: TestClient) -> None:
    ops = {f"{m} {p}" for m, p in _operations(client)}
    unknown = sorted(ops - set(A_VALUES))
    assert not unknown, (f"routes with a path parameter the isolation matrix has no tenant-A values for: {unknown}; "
                         f"add them to A_VALUES in {__name__}")
    gone = sorted(set(A_VALUES) - ops)
    assert not gone, f"A_VALUES names routes the schema no longer has: {gone}"


def test_another_tenants_ids_answer_like_missing_ones(client: TestClient, app: Any,
                                                      two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    seeded = _seed(client, a, b)
    before = _tenant_rows(app, a.org_id)
    files_before = client.get("/api/v1/files", headers=a.headers).json()
    catalog_before = _catalog(client, a)
    ops = _operations(client)
    assert {f"{m} {p}" for m, p in ops} <= set(A_VALUES)  # the other test says which are missing
    checked = 0
    for method, path in ops:
        key = f"{method} {path}"
        for values in A_VALUES[key](seeded):
            missing = {k: _missing_like(v) for k, v in values.items()}
            kwargs = {"json": BODIES[key]} if key in BODIES else {}
            theirs = client.request(method, _fill(path, values), headers=b.headers, **kwargs)
            nobodys = client.request(method, _fill(path, missing), headers=b.headers, **kwargs)
            where = f"{key} with A's {values}: {theirs.status_code} {theirs.text[:300]}"
            assert theirs.status_code == 404, where
            assert _answer(theirs, values) == _answer(nobodys, missing), (
                f"{where}\n  differs from an id that does not exist: {nobodys.status_code} {nobodys.text[:300]}")
            checked += 1
    assert checked >= len(A_VALUES)
    assert _tenant_rows(app, a.org_id) == before, "tenant B changed tenant A's rows"
    assert client.get("/api/v1/files", headers=a.headers).json() == files_before, "tenant B changed A's files"
    assert _catalog(client, a) == catalog_before, "tenant B changed A's catalog"


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_row_level_security_hides_every_tenant_table_from_a_query_without_filter(
        client: TestClient, app: Any, two_tenants: tuple[Tenant, Tenant]) -> None:
    """Under the application role the test servers use (NOSUPERUSER NOBYPASSRLS, the owner of the
    tables), raw SQL that forgets its tenant filter sees only the transaction's tenant — on every
    tenant-owned table, not only the ones a route test thought of — and cannot write for another."""
    from sqlalchemy import text

    assert app.state.settings.db.is_postgres

    a, b = two_tenants
    _seed(client, a, b)
    engine = app.state.db.engine
    owned = [t.name for t in metadata.sorted_tables if "tenant_id" in t.c]
    with system_connection(engine) as con:
        with_a_rows = [t for t in owned if con.execute(text(f'select count(*) from "{t}" where tenant_id = :a'),
                                                       {"a": a.org_id}).scalar()]
    assert len(with_a_rows) >= 8, with_a_rows  # the seeding reached most tables
    with engine.connect() as con:
        for table in owned:
            assert con.execute(text(f'select count(*) from "{table}"')).scalar() == 0, table  # no tenant: nothing
        con.rollback()
        with con.begin():
            con.execute(text("select set_config('autonomos.tenant_id', :t, true)"), {"t": str(b.org_id)})
            for table in with_a_rows:
                seen = {row[0] for row in con.execute(text(f'select distinct tenant_id from "{table}"'))}
                assert seen <= {b.org_id}, (table, seen)
                n = con.execute(text(f'update "{table}" set tenant_id = tenant_id where tenant_id = :a'),
                                {"a": a.org_id}).rowcount
                assert n == 0, table
                assert con.execute(text(f'delete from "{table}" where tenant_id = :a'), {"a": a.org_id}).rowcount == 0
    with system_connection(engine) as con:
        for table in with_a_rows:
            assert con.execute(text(f'select count(*) from "{table}" where tenant_id = :a'), {"a": a.org_id}).scalar()
