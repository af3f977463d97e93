"""Problem-details bodies, OpenAPI, health/ready/metrics, the console fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from autonomos.server import health
from autonomos.server.app import create_app
from autonomos.server.settings import HTTPSettings, Settings
from tests.server.helpers import Tenant

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert PROBLEM_KEYS <= body.keys() and body["status"] == status
    return body


def test_problem_details_for_each_status(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    _problem(client.post("/api/v1/api-keys", content=b"{not json", headers={**a.headers, "content-type": "application/json"}), 400)
    body = _problem(client.post("/api/v1/api-keys", json={"name": "x", "color": "red"}, headers=a.headers), 400)
    assert "color" in body["detail"]
    _problem(client.get("/api/v1/members"), 401)
    body = _problem(client.get("/api/v1/nothing-here", headers=a.headers), 404)
    assert body["instance"] == "/api/v1/nothing-here"
    _problem(client.put("/api/v1/organization", headers=a.headers), 405)
    _problem(client.post("/api/v1/api-keys", content=b'{"name": "' + b"x" * 70_000 + b'"}',
                         headers={**a.headers, "content-type": "application/json"}), 413)
    body = _problem(client.post("/api/v1/api-keys", json={"name": "x", "scopes": ["root"]}, headers=a.headers), 422)
    assert body["errors"][0]["field"].startswith("scopes") and body["type"] == "urn:autonomos:problem:validation"
    body = _problem(client.get("/api/v1/members?limit=0", headers=a.headers), 422)
    assert body["errors"][0]["field"] == "limit"
    _problem(client.get("/api/v1/members?cursor=%%%garbage", headers=a.headers), 400)
    _problem(client.delete("/api/v1/members/not-a-uuid", headers=a.headers), 404)


def test_pagination(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    for i in range(5):
        client.post("/api/v1/api-keys", json={"name": f"k{i}"}, headers=a.headers)
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/api-keys", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=a.headers).json()
        seen += [k["name"] for k in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert seen == [f"k{i}" for i in range(5)]


def test_openapi_is_complete(client: TestClient) -> None:
    schema = client.get("/schema/openapi.json").json()
    ops = [op for path in schema["paths"].values() for op in path.values() if isinstance(op, dict)]
    assert len(ops) >= 15
    ids = [op.get("operationId") for op in ops]
    assert all(ids) and len(set(ids)) == len(ids)
    assert all(op.get("summary") and op.get("description") for op in ops), [op["operationId"] for op in ops if not op.get("description")]
    assert "ProblemDetails" in schema["components"]["schemas"]
    assert client.get("/schema/swagger").status_code == 200
    assert client.get("/schema/redoc").status_code == 200


def test_health_ready_metrics(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["checks"]["database"]["ok"]
    client.get("/health")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "autonomos_requests_total" in metrics.text


def test_readiness_hook(client: TestClient) -> None:
    def broken(state: Any) -> str:
        raise RuntimeError("no worker heartbeat for 99 s")

    health.register_readiness_check("worker", broken)
    try:
        body = _problem(client.get("/ready"), 503)
        assert body["checks"]["worker"] == {"ok": False, "detail": "RuntimeError: no worker heartbeat for 99 s",
                                            "ms": body["checks"]["worker"]["ms"]}
        assert body["checks"]["database"]["ok"]
    finally:
        health.unregister_readiness_check("worker")
    assert client.get("/ready").status_code == 200


def test_console_spa_fallback(settings: Settings, tmp_path: Path) -> None:
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<html>console</html>")
    (static / "assets" / "app-1234.js").write_text("console.log(1)")
    cfg = Settings(data_dir=settings.data_dir, db=settings.db, redis=settings.redis, auth=settings.auth,
                   http=HTTPSettings(static_dir=static))
    with TestClient(create_app(cfg)) as c:
        assert c.get("/").text == "<html>console</html>"
        assert c.get("/graph/sources/12").text == "<html>console</html>"
        r = c.get("/assets/app-1234.js")
        assert r.text == "console.log(1)" and "immutable" in r.headers["cache-control"]
        assert c.get("/assets/missing.js").status_code == 404
        assert c.get("/../../etc/passwd").status_code == 404 or "root:" not in c.get("/../../etc/passwd").text
        for reserved in ("/api/v1/nope", "/dcl/nope", "/aoa/x", "/ws/x", "/metrics/x"):
            _problem(c.get(reserved), 404)


@pytest.mark.parametrize("origin,allowed", [("https://console.example.com", True), ("https://evil.example", False)])
def test_cors(settings: Settings, origin: str, allowed: bool) -> None:
    cfg = Settings(data_dir=settings.data_dir, db=settings.db, redis=settings.redis, auth=settings.auth,
                   http=HTTPSettings(cors_origins=("https://console.example.com",)))
    with TestClient(create_app(cfg)) as c:
        r = c.options("/api/v1/auth/me", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
        assert (r.headers.get("access-control-allow-origin") == origin) is allowed


def test_deeply_nested_json_is_a_400_not_a_500(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    """Issue 8, item 7: a JSON body nested 100,000 deep on /dcl/connect answered 500 (RecursionError
    in the decoder). 30,000 levels fit the test server's 64 KB body limit and are as fatal."""
    a, _ = two_tenants
    depth = 30_000
    deep = b"[" * depth + b"]" * depth
    for path, body in (("/dcl/connect", b'{"sources": [{"name": "x", "connector": "files", "config": {"a": ' + deep + b"}}]}"),
                       ("/dcl/connect", deep),
                       ("/api/v1/api-keys", b'{"name": "k", "scopes": ' + deep + b"}")):
        r = client.post(path, content=body, headers={**a.headers, "content-type": "application/json"})
        assert r.status_code in (400, 422), (path, r.status_code, r.text[:300])
        _problem(r, r.status_code)
    r = client.post("/dcl/connect", content=b'{"sources": [{"name": "x", "connector": "files", "config": {"a": '
                    + deep + b"}}]}", headers={**a.headers, "content-type": "application/json"})
    assert _problem(r, 400)["detail"] == "the JSON body is nested too deeply"
