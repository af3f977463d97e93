"""GET /api/v1/runs/{id}/logs and the run's lines over /ws/events (issue 13, item 4): a cursor by
seq, the organization's own runs only (another's run id is 404, its lines never reach a socket)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from autonomos.core.catalog import TenantCatalog
from autonomos.core.errors import AutonomosError
from autonomos.core.events import EventBus
from autonomos.core.pipeline.runner import Runner
from autonomos.core.spec import parse_pipeline
from autonomos.server.events import publish_event
from tests.server.events.conftest import ORIGIN, recv, recv_none, wait_ready
from tests.server.helpers import Tenant

WEATHER = "day,precipitation\n" + "".join(f"{d},{'T' if d % 30 == 0 else d / 10}\n" for d in range(1, 61))


def _run(tenant: uuid.UUID, data_dir: Path, body: str) -> str:
    """An engine run of ``tenant`` whose events are stored and sent live, as a worker's are."""
    catalog = TenantCatalog(tenant, data_dir=data_dir)
    files = catalog.root / "files"
    files.mkdir(parents=True, exist_ok=True)
    (files / "weather.csv").write_text(WEATHER)
    bus = EventBus(store=catalog.meta, emit=lambda e: publish_event(tenant, e))
    try:
        return Runner(catalog, bus=bus).run(parse_pipeline(body, "p.yaml"), base_dir=files, pipeline_name="p.yaml",
                                            env={}).run_id
    except AutonomosError:
        return catalog.meta.runs()[0]["id"]


GOOD = "sources:\n  - name: csv\n    connector: files\n    config: {path: weather.csv}\n"
BAD = "sources:\n  - name: csv\n    connector: files\n    config: {path: weather.csv}\n" \
      "  - name: gone\n    connector: files\n    config: {path: missing.csv}\n"


def test_logs_follow_by_seq_and_are_tenant_scoped(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                  settings: Any) -> None:
    a, b = two_tenants
    run_id = _run(a.org_id, settings.data_dir, GOOD)
    r = client.get(f"/api/v1/runs/{run_id}/logs", headers=a.headers)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["run_id"] == run_id and page["status"] == "success" and page["complete"] is True
    lines = page["items"]
    assert lines[0]["message"].startswith("run started") and lines[-1]["message"].startswith("run finished")
    assert page["next_after"] == lines[-1]["seq"]
    bad = next(l for l in lines if l["table"] == "weather" and l["stage"] == "normalize")
    assert bad["level"] == "warning" and bad["counts"]["bad_cells"] == 2 and bad["source"] == "csv"
    assert str(settings.data_dir) not in r.text  # the server's folders are never named

    first = client.get(f"/api/v1/runs/{run_id}/logs?limit=2", headers=a.headers).json()
    assert first["items"] == lines[:2] and first["complete"] is False and first["next_after"] == lines[1]["seq"]
    rest = client.get(f"/api/v1/runs/{run_id}/logs?after={first['next_after']}", headers=a.headers).json()
    assert rest["items"] == lines[2:] and rest["complete"] is True
    empty = client.get(f"/api/v1/runs/{run_id}/logs?after={page['next_after']}", headers=a.headers).json()
    assert empty["items"] == [] and empty["next_after"] == page["next_after"] and empty["complete"] is True

    # the run detail's events leave the log lines to this route
    detail = client.get(f"/api/v1/runs/{run_id}", headers=a.headers).json()
    assert "run_log" not in {e["type"] for e in detail["events"]}

    # another organization: 404, as an unknown id is
    for path in (f"/api/v1/runs/{run_id}/logs", f"/api/v1/runs/{run_id}", "/api/v1/runs/nosuchrun/logs"):
        r = client.get(path, headers=b.headers)
        assert r.status_code == 404, (path, r.text)
    assert client.get(f"/api/v1/runs/{run_id}/logs?after=-1", headers=a.headers).status_code == 422
    assert client.get(f"/api/v1/runs/{run_id}/logs?limit=0", headers=a.headers).status_code == 422
    assert client.get(f"/api/v1/runs/{run_id}/logs").status_code == 401


def test_a_failed_run_ends_with_its_error(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                          settings: Any) -> None:
    a, _ = two_tenants
    run_id = _run(a.org_id, settings.data_dir, BAD)
    page = client.get(f"/api/v1/runs/{run_id}/logs", headers=a.headers).json()
    assert page["status"] == "failed" and page["complete"] is True
    assert any("bad cell" in l["message"] for l in page["items"])
    assert page["items"][-1]["level"] == "error" and page["items"][-1]["message"].startswith("run failed")
    assert "missing.csv" in page["items"][-1]["message"]


def test_run_log_lines_stream_to_the_own_organization_only(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                           settings: Any) -> None:
    a, b = two_tenants
    with client.websocket_connect("/ws/events", headers={**a.headers, "Origin": ORIGIN}) as wa, \
            client.websocket_connect("/ws/events", headers={**b.headers, "Origin": ORIGIN}) as wb:
        wait_ready(wa)
        wait_ready(wb)
        run_id = _run(a.org_id, settings.data_dir, GOOD)
        got = []
        while not got or got[-1]["type"] != "run_finished":
            got.append(recv(wa))
        logs = [e for e in got if e["type"] == "run_log"]
        assert logs and all(e["run_id"] == run_id for e in logs)
        assert any(e["data"].get("table") == "weather" and e["data"]["level"] == "warning" for e in logs)
        recv_none(wb, 0.5)
