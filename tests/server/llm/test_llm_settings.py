"""/api/v1/settings/llm and /api/v1/llm/providers against the real server and database, with the
LLM reached over HTTP: a local server speaking the OpenAI protocol (tests/llm_providers)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant, add_member, system_connection
from tests.server.llm.support import KA, FakeLLMServer, auth_by_table

KS = "sk-server-default-key-000"  # the server's own key (environment), refused by the fake server
# Cryptic columns; the fake model agrees with the heuristic on them (its "LLM agrees" shows in reasons).
CSV = b"id,cst_nm,contact\n1,Acme,ops@acme.test\n2,Globex,it@globex.test\n"


def put(client: TestClient, who: Tenant, **body: Any) -> Any:
    return client.put("/api/v1/settings/llm", json={"provider": None, "model": None, **body}, headers=who.headers)


def connect_csv(client: TestClient, who: Tenant, table: str) -> dict[str, Any]:
    """Upload a CSV named ``<table>.csv`` and connect it as source ``crm``; the queued task."""
    r = client.post("/api/v1/files", files={"file": (f"{table}.csv", CSV, "text/csv")}, headers=who.headers)
    assert r.status_code == 201, r.text
    r = client.post("/dcl/connect", json={"sources": [{"name": "crm", "connector": "files",
                                                       "config": {"path": f"{table}.csv"}}]}, headers=who.headers)
    assert r.status_code == 202, r.text
    return r.json()


def llm_touched(client: TestClient, who: Tenant) -> set[str]:
    """Fields whose mapping the LLM took part in (proposed it, or agreed and raised it)."""
    return {m["field"] for m in client.get("/dcl/mappings", params={"source": "crm"}, headers=who.headers).json()
            if m["mapper"] == "llm" or "LLM" in m["reason"]}


def test_each_organization_runs_with_its_own_settings(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                      llm: FakeLLMServer, caplog: pytest.LogCaptureFixture) -> None:
    a, b = two_tenants
    assert put(client, a, provider="openai", model="gpt-test-mini", api_key=KA).status_code == 200
    with caplog.at_level(logging.DEBUG):
        # both connects are queued at once: the in-process worker runs them on its two threads
        ta, tb = connect_csv(client, a, "accounts_alpha"), connect_csv(client, b, "accounts_beta")
        assert wait_task(client, a.headers, ta["id"])["status"] == "success"
        assert wait_task(client, b.headers, tb["id"])["status"] == "success"
    assert auth_by_table(llm) == {"accounts_alpha": {f"Bearer {KA}"}}  # B (no settings, no default) asked nothing
    assert {p["json"]["model"] for p in llm.posts()} == {"gpt-test-mini"}
    assert llm_touched(client, a) == {"id", "cst_nm", "contact"}
    assert llm_touched(client, b) == set()
    assert KA not in caplog.text


def test_organization_without_settings_uses_the_server_default(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                               llm: FakeLLMServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = two_tenants
    monkeypatch.setenv("AUTONOMOS_LLM_PROVIDER", "openai")
    monkeypatch.setenv("AUTONOMOS_LLM_MODEL", "gpt-test-large")
    monkeypatch.setenv("OPENAI_API_KEY", KS)
    assert put(client, a, provider="openai", model="gpt-test-mini", api_key=KA).status_code == 200
    ta, tb = connect_csv(client, a, "accounts_alpha"), connect_csv(client, b, "accounts_beta")
    assert wait_task(client, a.headers, ta["id"])["status"] == "success"
    assert wait_task(client, b.headers, tb["id"])["status"] == "success"  # a refused key costs the LLM opinion only
    assert auth_by_table(llm) == {"accounts_alpha": {f"Bearer {KA}"}, "accounts_beta": {f"Bearer {KS}"}}
    models = {r["json"]["model"]: r["headers"]["authorization"] for r in llm.posts()}
    assert models == {"gpt-test-mini": f"Bearer {KA}", "gpt-test-large": f"Bearer {KS}"}
    body = client.get("/api/v1/settings/llm", headers=b.headers).json()
    assert body == {"provider": None, "model": None, "api_key_set": False, "updated_at": None,
                    "server_default": {"provider": "openai", "model": "gpt-test-large"}}


def test_pipeline_runs_use_the_organization_settings(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                      llm: FakeLLMServer) -> None:
    a, _ = two_tenants
    put(client, a, provider="openai", model="gpt-test-mini", api_key=KA)
    r = client.post("/api/v1/files", files={"file": ("accounts_pipe.csv", CSV, "text/csv")}, headers=a.headers)
    assert r.status_code == 201
    yaml = ("sources:\n  - {name: crm, connector: files, config: {path: accounts_pipe.csv}}\n"
            "mapping: {use_llm: true}\n")
    r = client.post("/api/v1/pipelines", json={"name": "p", "yaml": yaml}, headers=a.headers)
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/pipelines/{r.json()['id']}/run", headers=a.headers)
    assert r.status_code == 202, r.text
    assert wait_task(client, a.headers, r.json()["id"])["status"] == "success"
    assert auth_by_table(llm) == {"accounts_pipe": {f"Bearer {KA}"}}
    assert llm_touched(client, a) == {"id", "cst_nm", "contact"}


def test_put_get_and_the_key_at_rest(client: TestClient, two_tenants: tuple[Tenant, Tenant], llm: FakeLLMServer,
                                     app: Any) -> None:
    a, b = two_tenants
    r = put(client, a, provider="openai", model="gpt-test-mini", api_key=KA)
    assert r.status_code == 200 and KA not in r.text
    got = client.get("/api/v1/settings/llm", headers=a.headers)
    assert KA not in got.text
    body = got.json()
    assert (body["provider"], body["model"], body["api_key_set"]) == ("openai", "gpt-test-mini", True)
    assert body["updated_at"] and body["server_default"] == {"provider": None, "model": None}
    with system_connection(app.state.db.engine) as con:  # sealed in the database, under A's key
        stored = con.execute(text("select api_key from llm_settings")).scalars().all()
    assert len(stored) == 1 and KA not in stored[0] and stored[0].startswith("gAAAA")
    # omitted key: kept; null: removed; "": removed
    assert put(client, a, provider="openai", model=None).json()["api_key_set"] is True
    assert put(client, a, provider="openai", model=None, api_key=None).json()["api_key_set"] is False
    assert put(client, a, provider="openai", model=None, api_key=KA).json()["api_key_set"] is True
    assert put(client, a, provider=None, model=None, api_key="").json() == {
        **client.get("/api/v1/settings/llm", headers=a.headers).json(), "api_key_set": False}
    # B's settings are B's own
    assert client.get("/api/v1/settings/llm", headers=b.headers).json()["api_key_set"] is False


def test_bad_input_and_roles(client: TestClient, two_tenants: tuple[Tenant, Tenant], llm: FakeLLMServer) -> None:
    a, _ = two_tenants
    r = put(client, a, provider="acme-llm")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "provider"
    assert "acme-llm" in r.json()["detail"] and "openai" in r.json()["detail"]
    r = put(client, a, provider="openai", api_key="sk with space")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "api_key"
    assert put(client, a, provider="openai", model="m" * 201).status_code == 422
    assert put(client, a, provider="openai", base_url="http://169.254.169.254/").status_code == 400  # no such field
    r = client.put("/api/v1/settings/llm", json={"model": None}, headers=a.headers)
    assert r.status_code == 422 and "provider" in r.json()["detail"]
    assert client.get("/api/v1/settings/llm", headers=a.headers).json()["provider"] is None  # nothing stored

    member = add_member(client, a, "member@alpha.test", "member")
    viewer = add_member(client, a, "viewer@alpha.test", "viewer")
    assert put(client, member, provider="openai").status_code == 403
    assert client.post("/api/v1/settings/llm/test", headers=member.headers).status_code == 403
    assert put(client, viewer, provider="openai").status_code == 403
    assert client.get("/api/v1/settings/llm", headers=viewer.headers).status_code == 200
    providers = client.get("/api/v1/llm/providers", headers=viewer.headers).json()["items"]
    by_name = {p["name"]: p for p in providers}
    assert {"openai", "gemini"} <= set(by_name)
    assert by_name["openai"]["default_model"] == "gpt-4o-mini" and "gpt-4o-mini" in by_name["openai"]["models"]
    assert llm.requests == []  # listing providers asks no one


def test_the_test_call(client: TestClient, two_tenants: tuple[Tenant, Tenant], llm: FakeLLMServer) -> None:
    a, b = two_tenants
    r = client.post("/api/v1/settings/llm/test", headers=a.headers).json()
    assert r["ok"] is False and r["provider"] is None and "no LLM provider" in r["message"]

    put(client, a, provider="openai", model="gpt-test-mini", api_key="sk-wrong-key-123456")
    r = client.post("/api/v1/settings/llm/test", headers=a.headers)
    assert r.status_code == 200
    out = r.json()
    assert out["ok"] is False and (out["provider"], out["model"]) == ("openai", "gpt-test-mini")
    assert "HTTP 401" in out["message"] and "Incorrect API key" in out["message"]
    assert "sk-wrong-key-123456" not in r.text and "***" in out["message"]  # the API echoed it; masked
    assert "organization's LLM settings" in out["message"]
    assert len(llm.posts()) == 1  # no retries for a test

    put(client, a, provider="openai", model="gpt-test-mini", api_key=KA)
    out = client.post("/api/v1/settings/llm/test", headers=a.headers).json()
    assert out["ok"] is True, out
    assert "gpt-test-mini" in out["message"] and out["duration_ms"] > 0
    assert llm.posts()[-1]["headers"]["authorization"] == f"Bearer {KA}"

    # B has none of A's settings: its test asks nobody
    before = len(llm.posts())
    assert client.post("/api/v1/settings/llm/test", headers=b.headers).json()["ok"] is False
    assert len(llm.posts()) == before


def test_gemini_without_a_key_names_the_settings(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                 llm: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """An organization that picks a provider other than the server's default gets no server key."""
    a, _ = two_tenants
    monkeypatch.setenv("GEMINI_API_KEY", KS)  # the server has a Gemini key, but its default is openai
    monkeypatch.setenv("AUTONOMOS_LLM_PROVIDER", "openai")
    put(client, a, provider="gemini")
    out = client.post("/api/v1/settings/llm/test", headers=a.headers).json()
    assert out["ok"] is False and "no API key" in out["message"] and "organization's LLM settings" in out["message"]
    assert out["model"] == "gemini-2.5-flash"
    assert llm.requests == []


@pytest.mark.postgres
def test_postgres_row_level_security(pg_admin_database: str, client: TestClient, app: Any,
                                     two_tenants: tuple[Tenant, Tenant], llm: FakeLLMServer) -> None:
    """As a role that does not bypass RLS, B's transaction cannot see or write A's settings row."""
    import uuid

    from sqlalchemy import create_engine

    if not app.state.settings.db.is_postgres:
        pytest.skip("this parametrization runs on SQLite")
    a, b = two_tenants
    put(client, a, provider="openai", api_key=KA)
    role = f"autonomos_llm_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        con.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
        con.execute(text(f'GRANT SELECT, INSERT, UPDATE ON llm_settings TO "{role}"'))
    engine = create_engine(pg_admin_database.replace("postgres@", f"{role}@"))
    try:
        with engine.connect() as con, con.begin():
            con.execute(text("select set_config('autonomos.tenant_id', :t, true)"), {"t": str(b.org_id)})
            assert con.execute(text("select count(*) from llm_settings")).scalar() == 0
            assert con.execute(text("update llm_settings set provider = 'gemini'")).rowcount == 0
        with engine.connect() as con, con.begin():
            con.execute(text("select set_config('autonomos.tenant_id', :t, true)"), {"t": str(a.org_id)})
            assert con.execute(text("select provider from llm_settings")).scalars().all() == ["openai"]
    finally:
        engine.dispose()
        with admin.connect() as con:
            con.execute(text(f'REVOKE ALL ON llm_settings FROM "{role}"'))
            con.execute(text(f'REVOKE ALL ON SCHEMA public FROM "{role}"'))
            con.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
