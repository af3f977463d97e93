"""Sources may not make the server connect to its own network (loopback, private, metadata
addresses, local sockets, server files) unless the operator allows private addresses."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from autonomos.core.network import url_problems
from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant

REFUSED = [
    ("postgresql+psycopg://postgres@127.0.0.1:5432/test", "loopback"),
    ("postgresql://postgres@localhost/test", "the server itself"),
    ("mysql+pymysql://root@10.0.0.5/test", "private"),
    ("postgresql://u@[::1]:5432/db", "loopback"),
    ("postgresql://u@169.254.169.254/db", "metadata"),
    ("postgresql://u@db.example,127.0.0.1:5433/db", "loopback"),  # libpq multi-host
    ("postgresql://postgres@/test", "local socket"),
    ("postgresql://u@db.example/db?host=/var/run/postgresql", "local socket"),
    ("postgresql://u@db.example/db?host=127.0.0.1", "loopback"),
    ("postgresql://u@db.example/db?passfile=/root/.pgpass", "file or socket on the server"),
    ("postgresql://u@db.example/db?sslkey=%2Fetc%2Fssl%2Fkey", "file or socket on the server"),
    ("http://127.0.0.1:6379/", "loopback"),
]


def _sql(client: TestClient, t: Tenant, url: str) -> Any:
    return client.post("/api/v1/sources", json={"name": "warehouse", "connector": "sql", "config": {"url": url}},
                       headers=t.headers)


@pytest.mark.parametrize("url,says", REFUSED)
def test_internal_targets_are_refused_when_saved(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                 url: str, says: str) -> None:
    a, _ = two_tenants
    r = _sql(client, a, url)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["errors"][0]["field"] == "config.url" and says in body["errors"][0]["message"], body
    assert client.get("/api/v1/sources", headers=a.headers).json()["items"] == []


def test_internal_targets_are_refused_inline_and_at_run_time(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = two_tenants
    inline = {"sources": [{"name": "w", "connector": "sql", "config": {"url": "postgresql://postgres@127.0.0.1/test"}}]}
    r = client.post("/dcl/connect", json=inline, headers=a.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sources[0].config.url", r.text
    # saved while the operator allowed it, then the operator withdraws it: test and run refuse
    monkeypatch.setenv("AUTONOMOS_SOURCES_ALLOW_PRIVATE", "true")
    r = _sql(client, a, "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert r.status_code == 201, r.text
    monkeypatch.delenv("AUTONOMOS_SOURCES_ALLOW_PRIVATE")
    test = client.post(f"/api/v1/sources/{r.json()['id']}/test", headers=a.headers)
    assert "loopback" in test.text, test.text
    assert test.json()["ok"] is False, test.text
    run = client.post("/dcl/connect", json={"sources": [r.json()["id"]], "agents": []}, headers=a.headers)
    assert run.status_code == 202, run.text
    task = wait_task(client, a.headers, run.json()["id"])
    assert task["status"] == "failed" and "loopback" in task["error"], task


def test_public_and_unresolvable_hosts_pass(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    assert _sql(client, a, "postgresql://etl:pw@db.example:5432/dw").status_code == 201  # does not resolve: passes
    r = client.post("/api/v1/sources", json={"name": "public", "connector": "sql",
                                             "config": {"url": "postgresql://etl:pw@8.8.8.8:5432/dw"}}, headers=a.headers)
    assert r.status_code == 201, r.text


def test_url_parsing() -> None:
    assert url_problems("postgresql://u:p@h1:5432,h2:5433/db") == (["h1", "h2"], [])
    assert url_problems("https://api.example.com/v1?page=2") == (["api.example.com"], [])
    hosts, problems = url_problems("mysql://root@/db?unix_socket=/run/mysqld.sock")
    assert hosts == [] and len(problems) == 2


def test_errors_do_not_show_the_servers_folder_layout(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                      app: Any) -> None:
    """A missing file is named as the tenant wrote it, not by the server's absolute path."""
    a, _ = two_tenants
    r = client.post("/api/v1/sources", json={"name": "crm", "connector": "files", "config": {"path": "missing/customers.csv"}},
                    headers=a.headers)
    assert r.status_code == 201, r.text
    check = client.post(f"/api/v1/sources/{r.json()['id']}/test", headers=a.headers).json()
    assert check["ok"] is False and "missing/customers.csv" in check["error"], check
    assert str(app.state.settings.data_dir) not in check["error"] and str(a.org_id) not in check["error"], check
    run = client.post("/dcl/connect", json={"sources": ["crm"], "agents": []}, headers=a.headers)
    task = wait_task(client, a.headers, run.json()["id"])
    assert task["status"] == "failed" and "missing/customers.csv" in task["error"], task
    assert str(app.state.settings.data_dir) not in task["error"] and str(a.org_id) not in task["error"], task
    runs = client.get("/api/v1/runs", headers=a.headers).json()["items"]
    assert runs and all(r["status"] == "failed" and "missing/customers.csv" in r["error"] for r in runs), runs
    detail = client.get(f"/api/v1/runs/{runs[0]['id']}", headers=a.headers).text
    assert str(app.state.settings.data_dir) not in client.get("/api/v1/runs", headers=a.headers).text
    assert str(app.state.settings.data_dir) not in detail and str(a.org_id) not in detail, detail
