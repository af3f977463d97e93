"""/api/v1/sources and /api/v1/connectors: validation naming the field, secrets encrypted at
rest and never returned, the server's file/env policy, the synchronous source check."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from autonomos.server.resources.configs import config_schema
from autonomos.server.resources.secrets import MASK, open_text, seal, seal_text, tenant_key, unseal
from tests.server.helpers import Tenant, system_connection

PG_URL = "postgresql://etl:hunter2@db.example:5432/dw"


def create(client: TestClient, t: Tenant, **body: Any) -> Any:
    return client.post("/api/v1/sources", json=body, headers=t.headers)


def raw_config(app: Any, source_id: str) -> str:
    """The config column as stored (JSON text), read past the ORM."""
    with system_connection(app.state.db.engine) as con:
        value = con.execute(text("SELECT config FROM sources WHERE id = :i"),
                            {"i": source_id.replace("-", "") if app.state.settings.db.is_sqlite else source_id}).scalar()
    return value if isinstance(value, str) else json.dumps(value)


def test_secrets_are_sealed_masked_and_kept(client: TestClient, app: Any, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    r = create(client, a, name="warehouse", connector="sql", config={"url": PG_URL, "batch_size": 100})
    assert r.status_code == 201, r.text
    src = r.json()
    assert src["config"] == {"url": MASK, "batch_size": 100}
    stored = raw_config(app, src["id"])
    assert "hunter2" not in stored and "$secret" in stored
    assert "hunter2" not in client.get(f"/api/v1/sources/{src['id']}", headers=a.headers).text
    assert "hunter2" not in client.get("/api/v1/sources", headers=a.headers).text
    # "***" keeps the stored secret; other fields change
    r = client.patch(f"/api/v1/sources/{src['id']}", json={"config": {"url": MASK, "batch_size": 7}}, headers=a.headers)
    assert r.status_code == 200 and r.json()["config"] == {"url": MASK, "batch_size": 7}
    key = tenant_key(app.state.settings.auth.secret_key, a.org_id)
    assert unseal(json.loads(raw_config(app, src["id"])), key)["url"] == PG_URL
    r = client.patch(f"/api/v1/sources/{src['id']}", json={"name": "dw"}, headers=a.headers)
    assert r.status_code == 200 and r.json()["name"] == "dw"


def test_sealing_is_per_tenant_and_key() -> None:
    import uuid

    from autonomos.core.errors import ConfigError

    t1, t2 = uuid.uuid4(), uuid.uuid4()
    sealed = seal({"password": "pw", "nested": {"api_key": ["a", "b"]}, "host": "h"}, tenant_key("s" * 40, t1))
    assert sealed["host"] == "h" and set(sealed["password"]) == {"$secret"} and set(sealed["nested"]["api_key"]) == {"$secret"}
    assert unseal(sealed, tenant_key("s" * 40, t1)) == {"password": "pw", "nested": {"api_key": ["a", "b"]}, "host": "h"}
    for wrong in (tenant_key("s" * 40, t2), tenant_key("t" * 40, t1)):
        with pytest.raises(ConfigError, match=r"config\.password: the stored secret cannot be decrypted"):
            unseal(sealed, wrong)
    # single strings (an LLM API key, a webhook signing secret): same keys, None when unreadable
    token = seal_text("sk-live-1", "s" * 40, t1)
    assert "sk-live-1" not in token and open_text(token, "s" * 40, t1) == "sk-live-1"
    assert open_text(token, "s" * 40, t2) is None and open_text(token, "t" * 40, t1) is None


BAD_SOURCES = [
    ({"name": "x", "connector": "nope", "config": {}}, 422, "connector"),
    ({"name": "x", "connector": "sql", "config": {}}, 422, "config.url"),
    ({"name": "x", "connector": "sql", "config": {"url": PG_URL, "batch_size": "many"}}, 422, "config.batch_size"),
    ({"name": "x", "connector": "sql", "config": {"url": PG_URL, "tabels": ["a"]}}, 422, "config"),
    ({"name": "x", "connector": "sql", "config": {"url": {"$env": "AUTONOMOS_JWT_SECRET"}}}, 422, "config.url"),
    ({"name": "x", "connector": "sql", "config": {"url": "sqlite:////etc/passwd"}}, 422, "config.url"),
    ({"name": "x", "connector": "files", "config": {"path": "/etc/passwd"}}, 422, "config.path"),
    ({"name": "x", "connector": "files", "config": {"path": "data/../../../etc"}}, 422, "config.path"),
    ({"name": "x", "connector": "demo", "config": {"system": "erp", "data_dir": "~/x"}}, 422, "config.data_dir"),
    ({"name": "Bad Name", "connector": "demo", "config": {"system": "erp"}}, 422, "name"),
    ({"name": "x", "connector": "demo", "config": "system=erp"}, 422, "config"),
    ({"name": "x", "connector": "demo", "config": {"system": "erp"}, "owner": "me"}, 400, "owner"),
]


def test_bad_sources(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    for body, status, field in BAD_SOURCES:
        r = client.post("/api/v1/sources", json=body, headers=a.headers)
        assert r.status_code == status, (body, r.text)
        assert field in {e["field"] for e in r.json().get("errors", [])} or f"`{field}`" in r.json()["detail"], (body, r.json())
    assert client.get("/api/v1/sources", headers=a.headers).json()["items"] == []


def test_conflicts_ids_and_sizes(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    ok = create(client, a, name="erp", connector="demo", config={"system": "erp"})
    assert ok.status_code == 201
    r = create(client, a, name="erp", connector="demo", config={"system": "aws"})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "name"
    assert create(client, b, name="erp", connector="demo", config={"system": "aws"}).status_code == 201  # per tenant
    assert client.get("/api/v1/sources/not-a-uuid", headers=a.headers).status_code == 404
    sid = ok.json()["id"]
    assert client.get(f"/api/v1/sources/{sid}", headers=b.headers).status_code == 404
    assert client.patch(f"/api/v1/sources/{sid}", json={"name": "x"}, headers=b.headers).status_code == 404
    assert client.delete(f"/api/v1/sources/{sid}", headers=b.headers).status_code == 404
    r = client.patch(f"/api/v1/sources/{sid}", json={"config": {"system": "mars"}}, headers=a.headers)
    assert r.status_code == 422 and client.get(f"/api/v1/sources/{sid}", headers=a.headers).json()["config"] == {"system": "erp"}
    big = {"name": "y", "connector": "demo", "config": {"system": "erp", "pad": "x" * 70_000}}
    assert client.post("/api/v1/sources", json=big, headers=a.headers).status_code == 413
    assert client.delete(f"/api/v1/sources/{sid}", headers=a.headers).status_code == 204
    assert client.get(f"/api/v1/sources/{sid}", headers=a.headers).status_code == 404


def test_check_a_source(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    sid = create(client, a, name="erp", connector="demo", config={"system": "erp"}).json()["id"]
    r = client.post(f"/api/v1/sources/{sid}/test", headers=a.headers)
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["tables"] == ["CUST_MASTER", "AR_INVOICES"]
    missing = create(client, a, name="drop", connector="files", config={"path": "uploads/none.csv"}).json()["id"]
    r = client.post(f"/api/v1/sources/{missing}/test", headers=a.headers)
    assert r.status_code == 200 and r.json()["ok"] is False and "none.csv" in r.json()["error"]
    assert client.post(f"/api/v1/sources/{sid}/test", headers=b.headers).status_code == 404


def test_connectors_with_config_schemas(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    items = {c["name"]: c for c in client.get("/api/v1/connectors", headers=two_tenants[0].headers).json()}
    assert {"demo", "files", "sql"} <= set(items)
    sql = items["sql"]["config_schema"]
    assert sql["required"] == ["url"] and sql["properties"]["batch_size"] == {
        "type": "integer", "title": "Batch size", "default": 50000, "description": "Rows fetched per round trip."}
    assert sql["properties"]["tables"]["type"] == "array" and sql["properties"]["tables"]["default"] is None
    assert items["files"]["title"] and items["files"]["icon"] == "csv"
    assert "glob" in items["files"]["config_schema"]["properties"]["path"]["description"]
    system = items["demo"]["config_schema"]["properties"]["system"]  # metadata "choices" → a select
    assert system["enum"] == ["salesforce", "hubspot", "stripe", "erp", "billing", "aws"] and system["type"] == "string"


def test_schema_marks_secrets() -> None:
    @attrs.define
    class Config:
        host: str
        password: str
        api_key: str | None = None
        port: int = 5432
        tags: list[str] = attrs.field(factory=list)

    s = config_schema(Config)
    assert s["required"] == ["host", "password"]
    assert s["properties"]["password"]["x-secret"] is True and s["properties"]["api_key"]["x-secret"] is True
    assert "x-secret" not in s["properties"]["host"] and s["properties"]["port"]["default"] == 5432
    assert s["properties"]["tags"]["type"] == "array" and "default" not in s["properties"]["tags"]
