"""Services outside the platform that are down, with the real app and its in-process worker
(SQLite, and PostgreSQL too where it runs — required under CI=true):

* a callback (webhook) target nobody listens on: every attempt is tried and logged, then the
  delivery log ends ``failed``; the task itself stays ``success``;
* the organization's LLM provider unreachable: the connect succeeds on the heuristic mappings
  alone (the same as an organization without an LLM), the uncertain fields wait in review, and
  every row is loaded.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from litestar.testing import TestClient

from autonomos.server.tasks.service import create_and_enqueue
from tests.conftest import free_port
from tests.server.conftest import app, client, db_url, settings, sqlite_template, two_tenants  # noqa: F401
from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant
from tests.server.llm.support import KA, LLM_ENV
from tests.server.tasks.conftest import task_settings, tapp, tclient, tenants, wait_for, wait_status  # noqa: F401


def deliveries(client: TestClient, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:  # noqa: F811
    r = client.get("/api/v1/webhooks/deliveries", params=params, headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_webhook_target_down_is_retried_then_failed_in_the_log(tclient: TestClient, tapp: Any,  # noqa: F811
                                                               tenants: tuple[Tenant, Tenant],  # noqa: F811
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tenants
    monkeypatch.setenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", "true")  # the operator's switch: the target is local
    down = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    max_attempts = tapp.state.task_runtime.settings.webhook_max_attempts
    with tapp.state.db.session(a.org_id) as s:
        task = create_and_enqueue(s, a.org_id, "test.echo", {"value": 1}, callback_url=down)
    assert wait_status(tclient, a, task.id)["status"] == "success"
    log = wait_for(lambda: (d := deliveries(tclient, a, task_id=str(task.id))) and len(d) == max_attempts
                   and all(x["status"] not in ("pending", "sending") for x in d) and d, timeout=60)
    assert [(d["attempt"], d["status"], d["status_code"]) for d in log] == [
        (i, "failed", None) for i in range(1, max_attempts + 1)], log
    assert all("ConnectError" in d["error"] or "refused" in d["error"].lower() for d in log), log
    assert len({d["msg_id"] for d in log}) == 1  # one message, tried again: a receiver can deduplicate
    assert all(d["url"] == down and d["finished_at"] for d in log)
    assert task_json_status(tclient, a, str(task.id)) == "success"  # the task's outcome is not the callback's
    assert deliveries(tclient, b) == []  # the other organization's log shows none of it


def task_json_status(client: TestClient, tenant: Tenant, task_id: str) -> str:  # noqa: F811
    r = client.get(f"/api/v1/tasks/{task_id}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()["status"]


# cryptic column names: the heuristic is unsure of some, so they go to review
CSV = b"id,cst_nm,contact,rev_amt\n" + b"".join(
    f"{i},Company {i},ops{i}@company{i}.test,{i * 100}.5\n".encode() for i in range(1, 251))


def connect_csv(client: TestClient, who: Tenant) -> dict[str, Any]:  # noqa: F811
    r = client.post("/api/v1/files", files={"file": ("accounts.csv", CSV, "text/csv")}, headers=who.headers)
    assert r.status_code == 201, r.text
    r = client.post("/dcl/connect", json={"sources": [{"name": "crm", "connector": "files",
                                                       "config": {"path": "accounts.csv"}}]}, headers=who.headers)
    assert r.status_code == 202, r.text
    return wait_task(client, who.headers, r.json()["id"], timeout=120)


def mapping_view(client: TestClient, who: Tenant) -> list[tuple[Any, ...]]:  # noqa: F811
    r = client.get("/dcl/mappings", params={"source": "crm"}, headers=who.headers)
    assert r.status_code == 200, r.text
    return sorted((m["field"], m.get("entity"), m.get("canonical"), m["mapper"], m.get("confidence"))
                  for m in r.json())


def review_fields(client: TestClient, who: Tenant) -> list[str]:  # noqa: F811
    r = client.get("/dcl/review", headers=who.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    items = body["items"] if isinstance(body, dict) else body
    return sorted(i["field"] for i in items)


def test_llm_provider_down_falls_back_to_the_heuristic_and_review(client: TestClient,  # noqa: F811
                                                                  two_tenants: tuple[Tenant, Tenant],  # noqa: F811
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTONOMOS_LLM_MAX_RETRIES", "1")
    monkeypatch.setenv("AUTONOMOS_OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")  # the provider is down
    a, b = two_tenants  # A asks its LLM (down); B has no LLM at all
    r = client.put("/api/v1/settings/llm", json={"provider": "openai", "model": "gpt-test-mini", "api_key": KA},
                   headers=a.headers)
    assert r.status_code == 200, r.text
    def skipped() -> list[str]:
        return [r.getMessage() for r in caplog.records if "LLM mapper skipped table accounts" in r.getMessage()]

    with caplog.at_level(logging.WARNING, logger="autonomos.mappers.llm"):
        done_a = connect_csv(client, a)
        asked_by_a = skipped()
        done_b = connect_csv(client, b)
    assert asked_by_a and all("cannot reach" in m and "Connection refused" in m for m in asked_by_a), caplog.text
    assert skipped() == asked_by_a  # B (no LLM) asked nothing
    assert KA not in caplog.text
    assert done_a["status"] == "success" and done_a["attempts"] == 1, done_a
    assert done_b["status"] == "success", done_b
    for who in (a, b):
        r = client.post("/dcl/query", json={"sql": "SELECT count(*), count(DISTINCT id) FROM src_crm.accounts"},
                        headers=who.headers)
        assert r.status_code == 200 and r.json()["rows"] == [[250, 250]], r.text
    assert mapping_view(client, a) == mapping_view(client, b)  # exactly the heuristic's result
    assert all(m[3] != "llm" for m in mapping_view(client, a))
    waiting = review_fields(client, a)
    assert waiting and waiting == review_fields(client, b), waiting
    print(f"LLM down: {len(waiting)} field(s) in review {waiting}, mappings as without an LLM")
