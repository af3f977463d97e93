"""POST /dcl/connect end to end (register → login → connect the demo → task success → graph),
bad input answering 4xx with nothing queued, and the dcl.connect job run directly: idempotent
rebuild of its own sources, progress, and a retry after a worker died holding the writer lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from autonomos.core.catalog import TenantCatalog
from autonomos.core.events import EventBus
from autonomos.server.dcl import jobs
from autonomos.server.tasks.service import PermanentTaskError
from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant, login, register

STRIPE = {"name": "stripe", "connector": "demo", "config": {"system": "stripe"}}
ERP = {"name": "erp", "connector": "demo", "config": {"system": "erp"}}


def test_register_login_connect_demo_graph(client: TestClient) -> None:
    register(client, "Gamma Ltd", "owner@gamma.test")
    headers = {"Authorization": f"Bearer {login(client, 'owner@gamma.test')}"}
    r = client.post("/dcl/connect", json={"sources": ["demo"]}, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["kind"] == "dcl.connect" and r.json()["status"] in ("queued", "in_progress", "success")
    task = wait_task(client, headers, r.json()["id"])
    assert task["status"] == "success", task
    assert task["progress"] == 1.0 and task["result"]["stats"]["sources"] == 6
    state = client.get("/dcl/state", headers=headers).json()
    assert {n["layer"] for n in state["graph"]["nodes"]} == {0, 1, 2, 3}
    assert {e["type"] for e in state["graph"]["edges"]} == {"hierarchy", "dataflow"}
    runs = client.get("/api/v1/runs", headers=headers).json()["items"]
    assert runs[0]["id"] == task["result"]["run_id"] and runs[0]["stats"]["rejected"] >= 1
    detail = client.get(f"/api/v1/runs/{runs[0]['id']}", headers=headers).json()
    assert {"run_started", "stage_progress", "views_published", "run_finished"} <= {e["type"] for e in detail["events"]}
    assert any(t["rejected"] > 0 for t in detail["tables"])
    account = next(t for t in detail["tables"] if (t["source"], t["table"]) == ("salesforce", "Account"))
    assert account["loaded"] >= account["rows"] > 0 and account["entity"] == "account" and account["mapped"] > 0
    agents = {a["name"]: a for a in client.get("/aoa/agents", headers=headers).json()}
    assert agents["revops"]["enabled"] and agents["revops"]["last_result"]["status"] == "ok"
    r = client.post("/aoa/agents/finops/run", json={}, headers=headers)
    assert r.status_code == 202 and wait_task(client, headers, r.json()["id"])["status"] == "success"
    assert client.post("/aoa/agents/nope/run", headers=headers).status_code == 404


BAD_BODIES = [
    ({"sources": [{"name": "x", "connector": "nope"}]}, 422, "sources[0].connector"),
    ({"sources": [{"name": "x", "connector": "demo", "config": {"system": ["stripe"]}}]}, 422, "sources[0].config.system"),
    ({"sources": [{"name": "x", "connector": "demo", "config": {"system": "stripe", "bogus": 1}}]}, 422, "sources[0].config"),
    ({"sources": [{"name": "x", "connector": "demo", "config": {"system": "stripe", "data_dir": "/etc"}}]}, 422,
     "sources[0].config.data_dir"),
    ({"sources": [{"name": "x", "connector": "demo", "config": {"system": {"$env": "AUTONOMOS_JWT_SECRET"}}}]}, 422,
     "sources[0].config.system"),
    ({"sources": [{"name": "Bad Name", "connector": "demo", "config": {"system": "erp"}}]}, 422, "sources[0].name"),
    ({"sources": [{"name": "x", "connector": "demo", "config": {"system": "erp"}, "extra": 1}]}, 400, "sources[0].extra"),
    ({"sources": ["no_such_stored_source"]}, 422, "sources[0]"),
    ({"sources": [STRIPE, STRIPE]}, 422, "sources[1]"),
    ({"sources": [STRIPE], "agents": ["nope"]}, 422, "agents[0]"),
    ({"sources": []}, 422, "sources"),
    ({"sources": "demo"}, 422, "sources"),
    ({"sources": ["demo"], "unknown": 1}, 400, "unknown"),
    ({"sources": ["demo"], "callback_url": "http://127.0.0.1:9/hook"}, 422, "callback_url"),
]


def test_bad_connect_bodies(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    for body, status, where in BAD_BODIES:
        r = client.post("/dcl/connect", json=body, headers=a.headers)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert where in {e["field"] for e in r.json().get("errors", [])} or where in r.json()["detail"], (body, r.json())
    assert client.get("/api/v1/tasks", headers=a.headers).json()["items"] == []  # nothing queued


def test_malformed_and_oversized(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    r = client.post("/dcl/connect", content=b"{nope", headers={**a.headers, "Content-Type": "application/json"})
    assert r.status_code == 400
    big = {"sources": [{"name": "x", "connector": "demo", "config": {"system": "erp", "pad": "x" * 70_000}}]}
    assert client.post("/dcl/connect", json=big, headers=a.headers).status_code == 413
    assert client.get("/api/v1/tasks", headers=a.headers).json()["items"] == []


def test_stored_sources_are_sealed_in_the_payload(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                  app: Any) -> None:
    a, b = two_tenants
    r = client.post("/api/v1/sources", json={"name": "warehouse", "connector": "sql",
                                             "config": {"url": "postgresql://etl:hunter2@db.example:5432/dw"}},
                    headers=a.headers)
    assert r.status_code == 201, r.text
    with app.state.db.session(a.org_id) as s:
        payload = jobs.connect_payload(s, a.org_id, ["warehouse"], None)
        by_id = jobs.connect_payload(s, a.org_id, [r.json()["id"]], None)
    assert by_id == payload and "hunter2" not in repr(payload)
    assert payload["sources"][0]["config"]["url"].keys() == {"$secret"}
    with app.state.db.session(b.org_id) as s:  # B cannot name A's stored source
        with pytest.raises(Exception) as err:
            jobs.connect_payload(s, b.org_id, ["warehouse"], None)
    assert "no stored source" in str(err.value.detail)


@dataclass
class Ctx:
    """What a task kind gets (TaskRunContext's interface) over a real catalog and event bus."""

    tenant_id: uuid.UUID
    payload: dict[str, Any]
    data_dir: Path
    progress_log: list[tuple[float, str]] = field(default_factory=list)
    cancel: bool = False

    def __post_init__(self) -> None:
        self.catalog = TenantCatalog(self.tenant_id, data_dir=self.data_dir)
        self.event_bus = EventBus(store=self.catalog.meta)

    def progress(self, fraction: float, message: str = "") -> None:
        self.progress_log.append((fraction, message))

    def should_cancel(self) -> bool:
        return self.cancel


def _payload(tenant: uuid.UUID, sources: list[Any], agents: list[str] | None = None) -> dict[str, Any]:
    return jobs.connect_payload(None, tenant, sources, agents)


def test_job_is_an_idempotent_rebuild(data_dir: Path) -> None:
    tenant = uuid.uuid4()
    ctx = Ctx(tenant, _payload(tenant, [STRIPE, ERP]), data_dir)
    first = jobs.dcl_connect(ctx)
    assert first["status"] == "success" and first["stats"]["sources"] == 2
    fractions = [f for f, _ in ctx.progress_log]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) > 4
    con = ctx.catalog.reader()
    before = con.execute("SELECT count(*) FROM unified.account").fetchone()[0]
    con.close()
    again = jobs.dcl_connect(Ctx(tenant, _payload(tenant, [STRIPE, ERP]), data_dir))  # a retried run
    assert again["stats"]["rows"] == first["stats"]["rows"]
    con = ctx.catalog.reader()
    assert con.execute("SELECT count(*) FROM unified.account").fetchone()[0] == before  # no duplicates
    con.close()
    jobs.dcl_connect(Ctx(tenant, _payload(tenant, [STRIPE]), data_dir))  # reloads stripe, keeps erp
    assert [s["name"] for s in ctx.catalog.meta.sources()] == ["erp", "stripe"]
    exclusive = {**_payload(tenant, [STRIPE]), "exclusive": True}  # the catalog becomes what was asked
    jobs.dcl_connect(Ctx(tenant, exclusive, data_dir))
    assert [s["name"] for s in ctx.catalog.meta.sources()] == ["stripe"]


def test_connect_and_pipeline_runs_keep_other_sources(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    """Issue 9, item 1: Pipelines → a one-source pipeline → Run took an organization from 7 sources
    to 1. Now a connect or a pipeline run (re)loads its own sources only; removal is explicit."""
    a, b = two_tenants
    for body in ({"sources": [STRIPE]}, {"sources": [ERP]}):
        r = client.post("/dcl/connect", json=body, headers=a.headers)
        assert wait_task(client, a.headers, r.json()["id"])["status"] == "success"
    yaml = "sources:\n  - name: hubspot\n    connector: demo\n    config: {system: hubspot}\n"
    pipeline = client.post("/api/v1/pipelines", json={"name": "crm", "yaml": yaml}, headers=a.headers).json()
    r = client.post(f"/api/v1/pipelines/{pipeline['id']}/run", headers=a.headers)
    assert wait_task(client, a.headers, r.json()["id"])["status"] == "success"
    names = lambda t: sorted(s["name"] for s in client.get("/dcl/sources", headers=t.headers).json())  # noqa: E731
    assert names(a) == ["erp", "hubspot", "stripe"]
    # explicit removal: only by the owner of the catalog, and the views lose the source at once
    assert client.delete("/dcl/sources/erp", headers=b.headers).status_code == 404
    r = client.delete("/dcl/sources/erp", headers=a.headers)
    assert r.status_code == 200 and r.json()["removed"] == "erp", r.text
    assert names(a) == ["hubspot", "stripe"]
    assert client.delete("/dcl/sources/erp", headers=a.headers).status_code == 404
    sql = "SELECT DISTINCT _source FROM unified.account ORDER BY 1"
    rows = client.post("/dcl/query", json={"sql": sql}, headers=a.headers).json()["rows"]
    assert "erp" not in [r[0] for r in rows] and "stripe" in [r[0] for r in rows]
    r = client.post("/dcl/connect", json={"sources": [STRIPE], "exclusive": True}, headers=a.headers)
    assert wait_task(client, a.headers, r.json()["id"])["status"] == "success"
    assert names(a) == ["stripe"]


def test_job_refuses_env_and_paths_even_if_queued(data_dir: Path) -> None:
    tenant = uuid.uuid4()
    os.environ["AUTONOMOS_TEST_LEAK"] = "stripe"
    try:
        payload = {"sources": [{"name": "x", "connector": "demo", "config": {"system": {"$env": "AUTONOMOS_TEST_LEAK"}}}],
                   "agents": []}
        with pytest.raises(PermanentTaskError, match="environment"):
            jobs.dcl_connect(Ctx(tenant, payload, data_dir))
    finally:
        del os.environ["AUTONOMOS_TEST_LEAK"]
    payload = {"sources": [{"name": "x", "connector": "demo", "config": {"system": "erp", "data_dir": "../../x"}}]}
    with pytest.raises(PermanentTaskError, match=r"\.\."):
        jobs.dcl_connect(Ctx(tenant, payload, data_dir))


def test_cancel_stops_the_run(data_dir: Path) -> None:
    from autonomos.server.tasks.service import TaskCancelled

    tenant = uuid.uuid4()
    ctx = Ctx(tenant, _payload(tenant, [STRIPE]), data_dir, cancel=True)
    with pytest.raises(TaskCancelled):
        jobs.dcl_connect(ctx)
    assert ctx.catalog.current_manifest() is None


def test_retry_after_a_worker_died_holding_the_lock(data_dir: Path) -> None:
    """A worker SIGKILLed mid-run leaves its file lock behind; the kernel frees it, so the
    retried task runs (and the published state is complete)."""
    tenant = uuid.uuid4()
    catalog = TenantCatalog(tenant, data_dir=data_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from autonomos.core.catalog import TenantCatalog; "
         f"lock = TenantCatalog('{tenant}', data_dir=__import__('pathlib').Path(r'{data_dir}')).writer_lock(); "
         "lock.acquire(5); "
         "print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=str(Path(__file__).resolve().parents[3]))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        from autonomos.core.errors import CatalogBusyError

        with pytest.raises(CatalogBusyError):
            catalog.writer_lock().acquire(0)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        result = jobs.dcl_connect(Ctx(tenant, _payload(tenant, [STRIPE]), data_dir))
        assert result["status"] == "success" and catalog.current_manifest() is not None
    finally:
        if holder.poll() is None:
            holder.kill()
