"""/dcl/tables: the listing of every queryable relation, a preview of one, and the rows and cells
one table quarantined, after a real connect of uploaded CSVs (one with an unreadable number, one
no entity maps); bad names and limits; and tenant B never reaching tenant A's tables."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant

# 12 rows so one unreadable value stays within the 5 % a typed column tolerates
CUSTOMERS = ("customer_id,customer_name,email,employees\n"
             + "".join(f"{i},Customer {i},c{i}@example.test,{i * 10}\n" for i in range(1, 12))
             + "12,Broken Inc,b@example.test,abc\n").encode()
GIZMOS = b"gizmo_code,flux_level,wobble\nG-1,3,yes\nG-2,5,no\nG-3,8,yes\n"


def connect_csvs(client: TestClient, who: Tenant) -> None:
    for name, body in (("customers.csv", CUSTOMERS), ("gizmos.csv", GIZMOS)):
        r = client.post("/api/v1/files", files={"file": (name, body, "text/csv")}, headers=who.headers)
        assert r.status_code == 201, r.text
    for source, path in (("crm", "customers.csv"), ("lab", "gizmos.csv")):
        r = client.post("/api/v1/sources", json={"name": source, "connector": "files", "config": {"path": path}},
                        headers=who.headers)
        assert r.status_code == 201, r.text
    r = client.post("/dcl/connect", json={"sources": ["crm", "lab"]}, headers=who.headers)
    assert r.status_code == 202, r.text
    assert wait_task(client, who.headers, r.json()["id"])["status"] == "success"


@pytest.fixture
def connected(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> tuple[Tenant, Tenant]:
    a, b = two_tenants
    connect_csvs(client, a)
    return a, b


def by_name(listing: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{t['schema']}.{t['name']}": t for t in listing}


def test_listing_preview_and_rejected_cells(client: TestClient, connected: tuple[Tenant, Tenant]) -> None:
    a, _ = connected
    r = client.get("/dcl/tables", headers=a.headers)
    assert r.status_code == 200, r.text
    found = by_name(r.json())
    assert {"unified.account", "src_crm.customers", "src_lab.gizmos", "src_crm._rejected", "src_lab._rejected",
            "unified._rejected"} <= set(found), sorted(found)
    customers = found["src_crm.customers"]
    assert customers["kind"] == "source" and (customers["source"], customers["table"]) == ("crm", "customers")
    # bad_rows defaults to keep: the 'abc' row stays with a null there, and its cell is listed
    assert customers["rows"] == 12 and customers["rejected"] == 1
    types = {c["name"]: c["type"] for c in customers["columns"]}
    assert types["customer_id"] == "BIGINT" and types["employees"] == "BIGINT" and types["customer_name"] == "VARCHAR"
    gizmos = found["src_lab.gizmos"]  # no entity maps it, yet it is listed and queryable
    assert gizmos["kind"] == "source" and gizmos["rows"] == 3 and gizmos["rejected"] == 0
    assert found["unified.account"]["kind"] == "unified" and found["unified.account"]["rows"] == 12
    assert found["src_crm._rejected"]["kind"] == "quarantine" and found["src_crm._rejected"]["source"] == "crm"
    assert found["unified._rejected"]["source"] is None and found["unified._rejected"]["rows"] == 1
    schemas = [t["schema"] for t in r.json()]
    assert schemas[0] == "unified" and schemas == sorted(schemas, key=lambda s: (s != "unified", s))

    page = client.get("/dcl/tables/src_lab/gizmos/rows", params={"limit": 2}, headers=a.headers).json()
    assert page["columns"][:3] == ["gizmo_code", "flux_level", "wobble"] and page["types"][1] == "BIGINT"
    assert [row["gizmo_code"] for row in page["rows"]] == ["G-1", "G-2"] and page["rows"][0]["wobble"] is True
    assert (page["total"], page["limit"], page["offset"], page["next_offset"]) == (3, 2, 0, 2)
    rest = client.get("/dcl/tables/src_lab/gizmos/rows", params={"limit": 2, "offset": 2}, headers=a.headers).json()
    assert [row["gizmo_code"] for row in rest["rows"]] == ["G-3"] and rest["next_offset"] is None
    again = client.get("/dcl/tables/src_lab/gizmos/rows", params={"limit": 2}, headers=a.headers).json()
    assert again["rows"] == page["rows"]  # a stable order

    rejected = client.get("/dcl/tables/src_crm/customers/rejected", headers=a.headers)
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert body["total"] == 1 and body["tables"] == [{"source": "crm", "table": "customers"}]
    item = body["items"][0]
    assert (item["source"], item["table"], item["kept"]) == ("crm", "customers", True)
    assert item["row"] is None  # a file typed straight from its scan has no row numbers
    assert item["reason"] == "employees: cannot read abc as BIGINT"
    assert item["cells"] == [{"column": "employees", "value": "abc", "expected_type": "BIGINT",
                              "reason": "cannot read abc as BIGINT"}]
    # the unified view shows the rejects of the tables feeding it; a quarantine view its own rows
    account = client.get("/dcl/tables/unified/account/rejected", headers=a.headers).json()
    assert account["tables"] == [{"source": "crm", "table": "customers"}] and account["items"] == body["items"]
    assert client.get("/dcl/tables/unified/_rejected/rejected", headers=a.headers).json()["items"] == body["items"]
    clean = client.get("/dcl/tables/src_lab/gizmos/rejected", headers=a.headers).json()
    assert clean["items"] == [] and clean["total"] == 0
    quarantine = client.get("/dcl/tables/src_crm/_rejected/rows", headers=a.headers).json()
    assert quarantine["total"] == 1 and quarantine["rows"][0]["reason"] == "kept, value set to null: " + item["reason"]


BAD_NAMES = [
    ("src_crm", "nope"),
    ("src_nope", "customers"),
    ("information_schema", "tables"),
    ("main", "duckdb_settings"),
    ("src_crm", 'customers" UNION SELECT 1 --'),
    ("src_crm", "customers; DROP VIEW unified.account"),
    ("unified", "account' OR '1'='1"),
    ("src_crm", "CUSTOMERS"),
]


@pytest.mark.parametrize("schema,name", BAD_NAMES)
def test_unknown_names_are_404(client: TestClient, connected: tuple[Tenant, Tenant], schema: str, name: str) -> None:
    a, _ = connected
    for what in ("rows", "rejected"):
        r = client.get(f"/dcl/tables/{schema}/{name}/{what}", headers=a.headers)
        assert r.status_code == 404, (what, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == "table not found"


@pytest.mark.parametrize("params,field", [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"offset": -1}, "offset"),
                                          ({"limit": "ten"}, "limit"), ({"offset": 10_000_001}, "offset")])
def test_limits_are_validated(client: TestClient, connected: tuple[Tenant, Tenant], params: dict[str, Any],
                              field: str) -> None:
    a, _ = connected
    for what in ("rows", "rejected"):
        r = client.get(f"/dcl/tables/src_crm/customers/{what}", params=params, headers=a.headers)
        assert r.status_code in (400, 422), r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in r.text


def test_another_tenant_sees_nothing(client: TestClient, connected: tuple[Tenant, Tenant]) -> None:
    """B (nothing connected, then its own CSV) gets exactly the 404 of a missing name on A's tables."""
    a, b = connected
    assert client.get("/dcl/tables", headers=b.headers).json() == []
    missing = client.get("/dcl/tables/src_crm/no_such_table/rows", headers=a.headers)
    for path in ("src_crm/customers/rows", "src_crm/customers/rejected", "unified/account/rows",
                 "unified/_rejected/rejected", "src_lab/gizmos/rows"):
        r = client.get(f"/dcl/tables/{path}", headers=b.headers)
        assert (r.status_code, r.json()["detail"], r.json()["title"]) == \
            (missing.status_code, missing.json()["detail"], missing.json()["title"]), path
    # once B has data of its own, it still lists and reads only its own
    r = client.post("/api/v1/files", files={"file": ("gizmos.csv", b"gizmo_code,flux_level\nB-1,1\n", "text/csv")},
                    headers=b.headers)
    assert r.status_code == 201
    r = client.post("/api/v1/sources", json={"name": "lab", "connector": "files", "config": {"path": "gizmos.csv"}},
                    headers=b.headers)
    r = client.post("/dcl/connect", json={"sources": ["lab"]}, headers=b.headers)
    assert wait_task(client, b.headers, r.json()["id"])["status"] == "success"
    names = set(by_name(client.get("/dcl/tables", headers=b.headers).json()))
    assert "src_lab.gizmos" in names and not any(n.startswith("src_crm") for n in names)
    rows = client.get("/dcl/tables/src_lab/gizmos/rows", headers=b.headers).json()["rows"]
    assert [r["gizmo_code"] for r in rows] == ["B-1"]
    assert client.get("/dcl/tables/src_crm/customers/rows", headers=b.headers).status_code == 404
    assert client.get("/dcl/tables", headers=a.headers).status_code == 200
    assert by_name(client.get("/dcl/tables", headers=a.headers).json())["src_lab.gizmos"]["rows"] == 3


def test_query_errors_keep_the_position(client: TestClient, connected: tuple[Tenant, Tenant]) -> None:
    """The SQL console shows where a query went wrong: DuckDB's ``LINE n:`` excerpt and caret."""
    a, _ = connected
    r = client.post("/dcl/query", json={"sql": "SELECT nope FROM src_crm.customers"}, headers=a.headers)
    assert r.status_code == 422
    lines = r.json()["detail"].splitlines()
    assert lines[0].startswith("Binder Error") and lines[1] == "LINE 1: SELECT nope FROM src_crm.customers"
    assert lines[2].index("^") == len("LINE 1: SELECT ")
    r = client.post("/dcl/query", json={"sql": "SELECT * FORM src_crm.customers"}, headers=a.headers)
    lines = r.json()["detail"].splitlines()
    assert lines[0].startswith("syntax error") and lines[1].startswith("LINE 1: ") and lines[2].strip() == "^"


def test_connector_rejects_carry_their_line(client: TestClient, two_tenants: tuple[Tenant, Tenant], settings: Any,
                                            demo_template: Any) -> None:
    """The demo's files have lines their connector cannot parse: those come with the line number
    and the raw line, and no cells (the row never reached typing)."""
    from tests.server.dcl.catalogs import install

    a, _ = two_tenants
    install(demo_template, settings.data_dir, a.org_id)
    listing = client.get("/dcl/tables", headers=a.headers).json()
    dirty = [t for t in listing if t["kind"] == "source" and t["rejected"]]
    assert dirty, "the demo quarantines some rows"
    everything = client.get("/dcl/tables/unified/_rejected/rejected", params={"limit": 1000}, headers=a.headers).json()
    assert everything["total"] == sum(t["rejected"] for t in dirty) == len(everything["items"])
    lines = [i for i in everything["items"] if i["row"] is not None and not i["cells"]]
    assert lines and all(i["reason"] and i["raw"] for i in lines), everything["items"][:3]
    first = dirty[0]
    own = client.get(f"/dcl/tables/{first['schema']}/{first['name']}/rejected", headers=a.headers).json()
    assert own["total"] == first["rejected"]
    assert {(i["source"], i["table"]) for i in own["items"]} == {(first["source"], first["table"])}
    page = client.get(f"/dcl/tables/{first['schema']}/{first['name']}/rejected", params={"limit": 1},
                      headers=a.headers).json()
    assert len(page["items"]) == 1 and page["next_offset"] == (1 if first["rejected"] > 1 else None)
