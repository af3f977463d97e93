"""POST /dcl/query: one read-only SELECT over the caller's own views, with time and row limits;
and two connected tenants never seeing each other's graph, views or query results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from autonomos.core.catalog import TenantCatalog
from autonomos.server.dcl import query
from tests.server.dcl.catalogs import install
from tests.server.helpers import Tenant


@pytest.fixture
def both(client: TestClient, two_tenants: tuple[Tenant, Tenant], settings: Any, demo_template: Path,
         stripe_template: Path) -> tuple[Tenant, Tenant]:
    """A has the whole demo connected, B only Stripe."""
    a, b = two_tenants
    install(demo_template, settings.data_dir, a.org_id)
    install(stripe_template, settings.data_dir, b.org_id)
    return a, b


def q(client: TestClient, t: Tenant, sql: str, **extra: Any) -> Any:
    return client.post("/dcl/query", json={"sql": sql, **extra}, headers=t.headers)


def test_select_and_with(client: TestClient, both: tuple[Tenant, Tenant]) -> None:
    a, _ = both
    r = q(client, a, "SELECT count(*) AS n FROM unified.account")
    assert r.status_code == 200, r.text
    assert r.json()["columns"] == ["n"] and r.json()["types"] == ["BIGINT"] and r.json()["rows"][0][0] > 0
    r = q(client, a, "WITH big AS (SELECT * FROM unified.opportunity) SELECT count(*) FROM big;")
    assert r.status_code == 200 and r.json()["rows"][0][0] > 0
    r = q(client, a, "SELECT * FROM unified.account", limit=3)
    assert r.json()["row_count"] == 3 and r.json()["truncated"] is True and len(r.json()["rows"]) == 3
    r = q(client, a, "SELECT 1.5::DECIMAL(18,2) AS d, TIMESTAMP '2025-01-02 03:04:05' AS t, 'x'::BLOB AS b")
    assert r.json()["rows"] == [[1.5, "2025-01-02T03:04:05", "78"]]


REFUSED = [
    ("COPY (SELECT * FROM unified.account) TO '/tmp/leak.csv'", "COPY"),
    ("ATTACH '/tmp/other.duckdb' AS other", "ATTACH"),
    ("INSTALL httpfs", "LOAD"),
    ("LOAD httpfs", "LOAD"),
    ("SET enable_external_access = true", "SET"),
    ("PRAGMA database_list", "PRAGMA"),
    ("CREATE TABLE t AS SELECT 1", "CREATE"),
    ("DROP VIEW unified.account", "DROP"),
    ("SELECT 1; SELECT 2", "exactly one statement"),
    ("SELECT * FROM read_csv('/etc/passwd')", "not allowed"),
    ("SELECT * FROM read_text('/etc/hostname')", "not allowed"),
    ("SELECT * FROM 'https://example.com/data.csv'", "not allowed"),
    ("SELECT * FROM glob('/*')", "not allowed"),
    ("SELEC 1", "syntax error"),
    ("SELECT * FROM unified.no_such_view", "no_such_view"),
]


def test_refused(client: TestClient, both: tuple[Tenant, Tenant]) -> None:
    for sql, says in REFUSED:
        r = q(client, both[0], sql)
        assert r.status_code == 422, (sql, r.text)
        body = r.json()
        assert body["errors"][0]["field"] == "sql" and says.lower() in body["detail"].lower(), (sql, body)
    assert not Path("/tmp/leak.csv").exists()


def test_time_limit_stops_a_long_query(client: TestClient, both: tuple[Tenant, Tenant],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query, "DEFAULT_TIMEOUT", 0.5)
    r = q(client, both[0], "SELECT count(*) FROM range(100000000000) a")
    assert r.status_code == 408, r.text
    assert "0.5 s" in r.json()["detail"]
    assert q(client, both[0], "SELECT 42").json()["rows"] == [[42]]  # the server is fine afterwards


def test_bad_bodies(client: TestClient, both: tuple[Tenant, Tenant]) -> None:
    a = both[0]
    assert q(client, a, "").status_code in (400, 422)
    r = q(client, a, "SELECT 1", limit=0)
    assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "limit"
    assert q(client, a, "SELECT 1", limit=10_001).status_code in (400, 422)
    assert q(client, a, "SELECT 1", extra=True).status_code == 400
    r = client.post("/dcl/query", content=b'{"sql": ', headers={**a.headers, "Content-Type": "application/json"})
    assert r.status_code == 400
    r = client.post("/dcl/query", json={"sql": 5}, headers=a.headers)
    assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "sql"
    r = q(client, a, "SELECT 1 -- " + "x" * 30_000)
    assert r.status_code in (400, 413, 422)


def test_two_connected_tenants_are_isolated(client: TestClient, both: tuple[Tenant, Tenant], settings: Any) -> None:
    a, b = both
    state_a = client.get("/dcl/state", headers=a.headers).json()
    state_b = client.get("/dcl/state", headers=b.headers).json()
    assert state_a["summary"]["sources"] == 6 and state_b["summary"]["sources"] == 1
    assert {n["id"] for n in state_b["graph"]["nodes"] if n["layer"] == 0} == {"source:stripe"}
    views_b = {v["entity"]: v["rows"] for v in client.get("/dcl/views", headers=b.headers).json()}
    views_a = {v["entity"]: v["rows"] for v in client.get("/dcl/views", headers=a.headers).json()}
    assert "opportunity" in views_a and "opportunity" not in views_b
    assert client.get("/dcl/views/opportunity", headers=b.headers).status_code == 404
    sql = "SELECT DISTINCT _source FROM unified.account ORDER BY 1"
    assert [r[0] for r in q(client, b, sql).json()["rows"]] == ["stripe"]
    assert len(q(client, a, sql).json()["rows"]) > 1
    assert q(client, b, "SELECT count(*) FROM unified.account").json()["rows"][0][0] == views_b["account"]
    assert q(client, b, "SELECT * FROM unified.opportunity").status_code == 422
    # B's reader attaches none of A's files (the API refuses duckdb_databases(): it shows paths)
    assert q(client, b, "SELECT path FROM duckdb_databases()").status_code == 422
    con = query.open_reader(TenantCatalog(b.org_id, settings.data_dir))
    try:
        dbs = con.execute("SELECT path FROM duckdb_databases() WHERE path IS NOT NULL").fetchall()
    finally:
        con.close()
    assert dbs and all(str(b.org_id) in p[0] and str(a.org_id) not in p[0] for p in dbs)
    assert client.get("/dcl/lineage", params={"q": "opportunity"}, headers=b.headers).json()["paths"] == []
    assert {s["name"] for s in client.get("/dcl/sources", headers=b.headers).json()} == {"stripe"}
    runs_b = client.get("/api/v1/runs", headers=b.headers).json()["items"]
    runs_a = client.get("/api/v1/runs", headers=a.headers).json()["items"]
    assert {r["id"] for r in runs_a}.isdisjoint({r["id"] for r in runs_b})
    assert client.get(f"/api/v1/runs/{runs_a[0]['id']}", headers=b.headers).status_code == 404
    assert client.get(f"/api/v1/runs/{runs_a[0]['id']}", headers=a.headers).status_code == 200
    a_review = client.get("/dcl/review", headers=a.headers).json()
    b_ids = {m["id"] for m in client.get("/dcl/mappings", headers=b.headers).json()}
    foreign = next(m["id"] for m in a_review if m["id"] not in b_ids)
    assert client.post(f"/dcl/review/{foreign}", json={"decision": "reject"}, headers=b.headers).status_code == 404


def test_source_tables_are_queryable_by_name_and_only_ones_own(client: TestClient, both: tuple[Tenant, Tenant]) -> None:
    """``src_<source>.<table>`` for every normalized table (issue 9, item 2), read-only and per tenant."""
    a, b = both
    names = {r[0] for r in q(client, a, "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                                        "WHERE table_schema LIKE 'src_%'").json()["rows"]}
    assert "src_salesforce._rejected" in names and len(names) > 6, names
    table = sorted(n for n in names if n.startswith("src_salesforce.") and not n.endswith("._rejected"))[0]
    r = q(client, a, f"SELECT count(*) FROM {table}")
    assert r.status_code == 200 and r.json()["rows"][0][0] > 0, r.text
    r = q(client, b, f"SELECT count(*) FROM {table}")  # B has only Stripe
    assert r.status_code == 422 and "src_salesforce" in r.json()["detail"], r.text
    assert q(client, b, "SELECT count(*) FROM src_stripe._rejected").status_code == 200
