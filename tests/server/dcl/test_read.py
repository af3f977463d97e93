"""/dcl read endpoints and review decisions against a real demo catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from autonomos.core.graph import build_graph
from autonomos.server.dcl.schemas import StateOut
from tests.server.dcl.catalogs import install
from tests.server.helpers import Tenant


@pytest.fixture
def connected(client: TestClient, two_tenants: tuple[Tenant, Tenant], settings: Any, demo_template: Path) -> Tenant:
    a, _ = two_tenants
    install(demo_template, settings.data_dir, a.org_id)
    return a


def test_state_is_exactly_the_engine_graph(client: TestClient, connected: Tenant, settings: Any) -> None:
    from autonomos.core.catalog import TenantCatalog

    r = client.get("/dcl/state", headers=connected.headers)
    assert r.status_code == 200
    body = r.json()
    assert body == build_graph(TenantCatalog(connected.org_id, data_dir=settings.data_dir))
    assert {n["layer"] for n in body["graph"]["nodes"]} == {0, 1, 2, 3}
    assert {e["type"] for e in body["graph"]["edges"]} == {"hierarchy", "dataflow"}
    assert body["summary"]["sources"] == 6 and body["summary"]["agents"] == 2
    schema = client.get("/schema/openapi.json").json()
    ref = schema["paths"]["/dcl/state"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    state = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(state["properties"]) == {"graph", "summary"}
    # The documented model (what the console's types are generated from) describes the JSON
    # exactly: it decodes as StateOut and encodes back to the same JSON, no field lost or added.
    assert msgspec.to_builtins(msgspec.convert(body, StateOut)) == body
    assert {n["kind"] for n in body["graph"]["nodes"]} == {"source", "table", "entity", "agent"}


def test_state_of_a_new_organization_is_empty(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    body = client.get("/dcl/state", headers=two_tenants[1].headers).json()
    assert body["graph"] == {"nodes": [], "edges": []} and body["summary"]["sources"] == 0
    assert msgspec.to_builtins(msgspec.convert(body, StateOut)) == body


def test_sources_and_mapping_filters(client: TestClient, connected: Tenant) -> None:
    h = connected.headers
    sources = client.get("/dcl/sources", headers=h).json()
    assert sorted(s["name"] for s in sources) == ["aws", "billing", "erp", "hubspot", "salesforce", "stripe"]
    sf = next(s for s in sources if s["name"] == "salesforce")
    assert {t["name"] for t in sf["tables"]} == {"Account", "Contact", "Opportunity"}
    assert all(t["rows"] > 0 for t in sf["tables"])
    everything = client.get("/dcl/mappings", headers=h).json()
    only = client.get("/dcl/mappings", params={"source": "salesforce", "table": "Account"}, headers=h).json()
    assert 0 < len(only) < len(everything)
    assert {(m["source"], m["table"]) for m in only} == {("salesforce", "Account")}
    review = client.get("/dcl/mappings", params={"status": "review"}, headers=h).json()
    assert review and {m["status"] for m in review} == {"review"}
    assert client.get("/dcl/mappings", params={"source": "nope"}, headers=h).json() == []


def test_review_queue_and_decisions(client: TestClient, connected: Tenant) -> None:
    h = connected.headers
    queue = client.get("/dcl/review", headers=h).json()
    assert len(queue) >= 3
    assert [m["confidence"] for m in queue] == sorted(m["confidence"] for m in queue)
    assert all("samples" in m and "alternatives" in m and m["reason"] for m in queue)
    proposal = next(m for m in queue if m["canonical"])
    r = client.post(f"/dcl/review/{proposal['id']}", json={"decision": "approve"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["mapping"]["status"] == "accepted" and r.json()["mapping"]["mapper"] == "human"
    assert r.json()["version"] == 2  # the views were republished
    assert proposal["id"] not in {m["id"] for m in client.get("/dcl/review", headers=h).json()}
    # reject another; edit to a field of another entity is refused and changes nothing
    other = next(m for m in queue if m["id"] != proposal["id"])
    r = client.post(f"/dcl/review/{other['id']}", json={"decision": "edit", "canonical": "nope.field"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "canonical"
    assert client.get("/dcl/mappings", params={"status": "review"}, headers=h).json()[0]["status"] == "review"
    r = client.post(f"/dcl/review/{other['id']}", json={"decision": "edit"}, headers=h)
    assert r.status_code == 422 and "canonical" in r.json()["detail"]
    r = client.post(f"/dcl/review/{other['id']}", json={"decision": "reject"}, headers=h)
    assert r.status_code == 200 and r.json()["mapping"]["status"] == "rejected" and r.json()["version"] == 3
    assert client.post("/dcl/review/999999", json={"decision": "approve"}, headers=h).status_code == 404
    r = client.post(f"/dcl/review/{other['id']}", json={"decision": "maybe"}, headers=h)
    assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "decision"
    r = client.post(f"/dcl/review/{other['id']}", json={"decision": "approve", "extra": 1}, headers=h)
    assert r.status_code == 400


def test_bulk_approve_is_all_or_nothing(client: TestClient, connected: Tenant) -> None:
    h = connected.headers
    ids = [m["id"] for m in client.get("/dcl/review", headers=h).json() if m["canonical"]][:3]
    r = client.post("/dcl/review/bulk", json={"ids": [*ids, 999999]}, headers=h)
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "ids[3]"
    assert {m["id"] for m in client.get("/dcl/review", headers=h).json()} >= set(ids)  # nothing changed
    r = client.post("/dcl/review/bulk", json={"ids": ids}, headers=h)
    assert r.status_code == 200, r.text
    assert {m["status"] for m in r.json()["mappings"]} == {"accepted"} and r.json()["version"] == 2
    assert client.post("/dcl/review/bulk", json={"ids": []}, headers=h).status_code in (400, 422)


def test_lineage_paths_and_highlight(client: TestClient, connected: Tenant) -> None:
    h = connected.headers
    body = client.get("/dcl/lineage", params={"q": "amount"}, headers=h).json()
    assert body["paths"]
    node_ids = {n["id"] for n in client.get("/dcl/state", headers=h).json()["graph"]["nodes"]}
    assert set(body["highlight"]) <= node_ids
    opp = [p for p in body["paths"] if p["entity"] == "opportunity" and p["status"] == "accepted"]
    assert opp and "revops" in opp[0]["agents"] and "agent:revops" in body["highlight"]
    by_entity = client.get("/dcl/lineage", params={"q": "cloud_cost"}, headers=h).json()
    assert {p["entity"] for p in by_entity["paths"]} == {"cloud_cost"}
    assert client.get("/dcl/lineage", params={"q": "zzzz-nothing"}, headers=h).json()["paths"] == []
    assert client.get("/dcl/lineage", params={"q": "   "}, headers=h).status_code == 422
    assert client.get("/dcl/lineage", headers=h).status_code == 400


def test_views_and_paginated_rows(client: TestClient, connected: Tenant) -> None:
    h = connected.headers
    views = {v["entity"]: v for v in client.get("/dcl/views", headers=h).json()}
    assert {"account", "opportunity", "invoice"} <= set(views)
    total = views["account"]["rows"]
    first = client.get("/dcl/views/account", params={"limit": 5}, headers=h).json()
    second = client.get("/dcl/views/account", params={"limit": 5, "offset": 5}, headers=h).json()
    assert first["total"] == total and len(first["rows"]) == 5 and first["next_offset"] == 5
    assert not {r["_source_id"] for r in first["rows"]} & {r["_source_id"] for r in second["rows"]}
    last = client.get("/dcl/views/account", params={"limit": 5, "offset": total - 2}, headers=h).json()
    assert len(last["rows"]) == 2 and last["next_offset"] is None
    row = first["rows"][0]
    assert set(row) == set(first["columns"]) and "_source" in row
    import json

    json.dumps(first)  # JSON-safe values (decimals, timestamps)
    assert client.get("/dcl/views/nope", headers=h).status_code == 404
    for params, field in (({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"limit": "x"}, "limit")):
        r = client.get("/dcl/views/account", params=params, headers=h)
        assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == field, r.text


def test_views_of_an_unconnected_organization(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    h = two_tenants[1].headers
    assert client.get("/dcl/views", headers=h).json() == []
    assert client.get("/dcl/views/account", headers=h).status_code == 404
    r = client.post("/dcl/query", json={"sql": "select 1"}, headers=h)
    assert r.status_code == 409 and "connect" in r.json()["detail"]


def test_viewers_read_but_cannot_decide(client: TestClient, connected: Tenant) -> None:
    from tests.server.helpers import add_member

    viewer = add_member(client, connected, "viewer@alpha.test", "viewer")
    assert client.get("/dcl/review", headers=viewer.headers).status_code == 200
    mid = client.get("/dcl/review", headers=viewer.headers).json()[0]["id"]
    assert client.post(f"/dcl/review/{mid}", json={"decision": "reject"}, headers=viewer.headers).status_code == 403
    # a query and a validation change nothing: viewers may run them
    assert client.post("/dcl/query", json={"sql": "select 1"}, headers=viewer.headers).status_code == 200
    r = client.post("/api/v1/pipelines/validate", json={"name": "x", "yaml": "sources: []"}, headers=viewer.headers)
    assert r.status_code == 200 and r.json()["valid"] is False
    assert client.post("/dcl/connect", json={"sources": ["demo"]}, headers=viewer.headers).status_code == 403
    assert client.post("/api/v1/sources", json={"name": "x", "connector": "demo", "config": {"system": "erp"}},
                       headers=viewer.headers).status_code == 403
