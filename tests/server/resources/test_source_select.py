"""A stored source's ``select``: validated (422 naming the field), returned, used by
/dcl/connect, offered by the discovery of POST /sources/{id}/test; tenants see only their own."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant

ERP = {"name": "erp", "connector": "demo", "config": {"system": "erp"}}


def create(client: TestClient, t: Tenant, **body: Any) -> Any:
    return client.post("/api/v1/sources", json=body, headers=t.headers)


def test_select_is_stored_returned_and_changed(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    select = {"tables": ["CUST_MASTER"], "exclude_columns": {"*": ["vat_no", "CRED_LIM"]}}
    r = create(client, a, **ERP, select=select)
    assert r.status_code == 201, r.text
    src = r.json()
    assert src["select"] == {"tables": ["CUST_MASTER"], "exclude_tables": [], "exclude_columns": select["exclude_columns"]}
    sid = src["id"]
    assert client.get(f"/api/v1/sources/{sid}", headers=a.headers).json()["select"]["tables"] == ["CUST_MASTER"]
    r = client.patch(f"/api/v1/sources/{sid}", json={"config": {"system": "erp"}}, headers=a.headers)
    assert r.json()["select"]["tables"] == ["CUST_MASTER"]  # absent: unchanged
    r = client.patch(f"/api/v1/sources/{sid}", json={"select": {}}, headers=a.headers)
    assert r.status_code == 200 and r.json()["select"] is None  # {}: everything
    assert client.patch(f"/api/v1/sources/{sid}", json={"select": select}, headers=b.headers).status_code == 404
    assert create(client, a, name="plain", connector="demo", config={"system": "erp"}).json()["select"] is None


@pytest.mark.parametrize("select, status, field", [
    ({"tables": []}, 422, "select.tables"),
    ({"tables": ["a", "A"]}, 422, "select.tables[1]"),
    ({"exclude_tables": ["  "]}, 422, "select.exclude_tables[0]"),
    ({"tables": "CUST_MASTER"}, 422, "select.tables"),
    ({"tabels": ["x"]}, 400, "select"),
    ({"exclude_columns": {"t": "ssn"}}, 422, "select.exclude_columns"),
])
def test_bad_select(client: TestClient, two_tenants: tuple[Tenant, Tenant], select: Any, status: int,
                    field: str) -> None:
    a, _ = two_tenants
    r = create(client, a, **ERP, select=select)
    assert r.status_code == status, r.text
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in body["detail"] or any(e["field"].startswith(field) for e in body.get("errors", [])), body


def test_discovery_offers_tables_and_columns_and_checks_the_selection(
        client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    sid = create(client, a, **ERP, select={"tables": ["CUST_MASTR"]}).json()["id"]
    r = client.post(f"/api/v1/sources/{sid}/test", headers=a.headers).json()
    assert r["ok"] is True and r["tables"] == ["CUST_MASTER", "AR_INVOICES"]
    cust = r["discovered"][0]
    assert cust["name"] == "CUST_MASTER" and {"name": "VAT_NO", "type": cust["columns"][4]["type"]} == cust["columns"][4]
    assert "samples" not in cust["columns"][0] and "C10000" not in str(r)  # names and types, no values
    assert r["select_error"] == ("select.tables[0]: unknown table 'CUST_MASTR' "
                                 "(known: AR_INVOICES, CUST_MASTER)")
    assert client.post(f"/api/v1/sources/{sid}/test", headers=b.headers).status_code == 404


def test_connect_uses_the_stored_selection(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    r = create(client, a, **ERP, select={"exclude_tables": ["AR_*"], "exclude_columns": {"CUST_MASTER": ["VAT_NO"]}})
    assert r.status_code == 201, r.text
    r = client.post("/dcl/connect", json={"sources": ["erp"], "agents": []}, headers=a.headers)
    assert r.status_code == 202, r.text
    task = wait_task(client, a.headers, r.json()["id"])
    assert task["status"] == "success", task
    tables = client.post("/dcl/query", json={"sql": "SELECT table_name FROM information_schema.tables WHERE "
                                                    "table_schema = 'src_erp' AND table_name NOT LIKE '\\_%' ESCAPE '\\'"},
                         headers=a.headers).json()
    assert tables["rows"] == [["CUST_MASTER"]], tables
    cols = client.post("/dcl/query", json={"sql": "SELECT lower(column_name) FROM information_schema.columns WHERE "
                                                  "table_schema = 'src_erp'"}, headers=a.headers).json()
    names = {c[0] for c in cols["rows"]}
    assert "cust_name" in names and "vat_no" not in names
    # inline sources take the same block, validated the same way
    r = client.post("/dcl/connect", json={"sources": [{**ERP, "name": "erp2", "select": {"tables": []}}]},
                    headers=a.headers)
    assert r.status_code == 422 and "sources[0].select.tables" in r.text
