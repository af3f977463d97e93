"""A stored source's password reaches the connector (a real PostgreSQL read) but is on disk
nowhere in plain text: not in the sources table, not in the task row, not in the tenant catalog."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, text

from tests.conftest import require_service
from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant, system_connection

PASSWORD = "pw-" + uuid.uuid4().hex[:12]


@pytest.fixture
def pg_schema() -> Any:
    require_service("PostgreSQL", 5432)
    schema = f"dcl_secret_{uuid.uuid4().hex[:8]}"
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    with engine.begin() as con:
        con.execute(text(f'CREATE SCHEMA "{schema}"'))
        con.execute(text(f'CREATE TABLE "{schema}".customers (id int primary key, name text, email text)'))
        con.execute(text(f"INSERT INTO \"{schema}\".customers VALUES (1, 'Acme', 'a@acme.test'), (2, 'Globex', 'g@globex.test')"))
    yield schema
    with engine.begin() as con:
        con.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_password_is_used_but_never_stored_plain(client: TestClient, app: Any, two_tenants: tuple[Tenant, Tenant],
                                                 settings: Any, pg_schema: str, monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = two_tenants
    monkeypatch.setenv("AUTONOMOS_SOURCES_ALLOW_PRIVATE", "true")  # the test database is on 127.0.0.1
    url = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:5432/test"  # trust auth ignores the password
    r = client.post("/api/v1/sources", json={"name": "crm_db", "connector": "sql",
                                             "config": {"url": url, "schema": pg_schema, "tables": ["customers"]}},
                    headers=a.headers)
    assert r.status_code == 201, r.text
    assert client.post(f"/api/v1/sources/{r.json()['id']}/test", headers=a.headers).json()["ok"] is True
    r = client.post("/dcl/connect", json={"sources": ["crm_db"], "agents": []}, headers=a.headers)
    assert r.status_code == 202, r.text
    task = wait_task(client, a.headers, r.json()["id"])
    assert task["status"] == "success", task
    rows = client.post("/dcl/query", json={"sql": "SELECT count(*) FROM unified.account"}, headers=a.headers).json()
    assert rows["rows"] == [[2]]
    assert PASSWORD not in client.get("/dcl/sources", headers=a.headers).text
    assert PASSWORD not in client.get(f"/api/v1/tasks/{task['id']}", headers=a.headers).text
    with system_connection(app.state.db.engine) as con:
        for table in ("sources", "tasks"):
            dump = " ".join(str(row) for row in con.execute(text(f"SELECT * FROM {table}")))
            assert PASSWORD not in dump, table
    tenant_dir = settings.data_dir / "tenants" / str(a.org_id)
    assert _files_containing(tenant_dir, PASSWORD.encode()) == []
