"""/api/v1/pipelines: upload (YAML or JSON), errors with line numbers, validate without saving,
run → task; /api/v1/runs history."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import Tenant

GOOD = """\
sources:
  - name: stripe
    connector: demo
    config: {system: stripe}
agents: [revops]
"""
BAD_CONNECTOR = """\
sources:
  - name: stripe
    connector: stripe_api
    config: {system: stripe}
"""
BAD_SYNTAX = "sources:\n  - name: stripe\n    connector: [demo\n"
ENV_REF = """\
sources:
  - name: billing
    connector: sql
    config:
      url: {$env: AUTONOMOS_DATABASE_URL}
"""


def upload(client: TestClient, t: Tenant, text: str, name: str = "crm") -> Any:
    return client.post("/api/v1/pipelines", params={"name": name}, content=text.encode(),
                       headers={**t.headers, "Content-Type": "application/yaml"})


def test_upload_get_list_delete(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    r = upload(client, a, GOOD)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["name"] == "crm" and p["yaml"] == GOOD and p["spec"]["sources"][0]["name"] == "stripe"
    r = client.post("/api/v1/pipelines", json={"name": "crm-json", "yaml": GOOD}, headers=a.headers)
    assert r.status_code == 201
    assert [x["name"] for x in client.get("/api/v1/pipelines", headers=a.headers).json()["items"]] == ["crm", "crm-json"]
    assert client.get("/api/v1/pipelines", headers=b.headers).json()["items"] == []
    assert client.get(f"/api/v1/pipelines/{p['id']}", headers=b.headers).status_code == 404
    assert upload(client, a, GOOD).status_code == 409
    assert client.delete(f"/api/v1/pipelines/{p['id']}", headers=b.headers).status_code == 404
    assert client.delete(f"/api/v1/pipelines/{p['id']}", headers=a.headers).status_code == 204
    assert client.get(f"/api/v1/pipelines/{p['id']}", headers=a.headers).status_code == 404


@pytest.mark.parametrize("text, line, field, says", [
    (BAD_CONNECTOR, 3, "sources[0].connector", "unknown connector 'stripe_api'"),
    (BAD_SYNTAX, 4, "", "YAML syntax error"),  # where the parser gave up (it names line 3 too)
    (ENV_REF, 5, "sources[0].config.url", "environment references are not available"),
    ("sources:\n  - name: x\n    connector: files\n    config: {path: /etc/passwd}\n", 4, "sources[0].config.path",
     "absolute paths are refused"),
])
def test_bad_yaml_names_the_line(client: TestClient, two_tenants: tuple[Tenant, Tenant], text: str, line: int,
                                 field: str, says: str) -> None:
    a, _ = two_tenants
    r = upload(client, a, text)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    err = r.json()["errors"][0]
    assert err["line"] == line and err["field"] == field and says in err["message"], err
    assert set(err) == {"field", "message", "line", "column"}
    assert client.get("/api/v1/pipelines", headers=a.headers).json()["items"] == []  # nothing half-written
    v = client.post("/api/v1/pipelines/validate", content=text.encode(),
                    headers={**a.headers, "Content-Type": "application/yaml"})
    assert v.status_code == 200 and v.json()["valid"] is False and v.json()["errors"][0]["line"] == line


def test_validate_without_saving(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    r = client.post("/api/v1/pipelines/validate", json={"name": "x", "yaml": GOOD}, headers=a.headers)
    assert r.status_code == 200 and r.json()["valid"] is True and r.json()["spec"]["agents"] == ["revops"]
    assert client.get("/api/v1/pipelines", headers=a.headers).json()["items"] == []


def test_bad_bodies(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    h = a.headers
    r = client.post("/api/v1/pipelines", content=GOOD.encode(), headers={**h, "Content-Type": "application/yaml"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"
    r = client.post("/api/v1/pipelines", content=b"<xml/>", headers={**h, "Content-Type": "application/xml"})
    assert r.status_code == 415
    assert client.post("/api/v1/pipelines", json={"name": "x"}, headers=h).status_code == 422
    assert client.post("/api/v1/pipelines", json={"name": "x", "yaml": GOOD, "more": 1}, headers=h).status_code == 400
    r = client.post("/api/v1/pipelines", content=b"{", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400
    r = client.post("/api/v1/pipelines", params={"name": "x"}, content=b"\xff\xfe", headers={**h, "Content-Type": "text/yaml"})
    assert r.status_code == 422
    assert upload(client, a, GOOD + "#" * 70_000).status_code == 413
    # issue 8, item 9: names people read carry no bidi or invisible characters
    for name in ("crm\u202egnp", "c\u200brm", "crm\u2066x"):
        r = upload(client, a, GOOD, name=name)
        assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "name", (name, r.text)
    r = client.post("/api/v1/pipelines", json={"name": "crm\u202e", "yaml": GOOD}, headers=h)
    assert r.status_code == 422, r.text
    assert client.get("/api/v1/pipelines", headers=h).json()["items"] == []


def test_run_a_stored_pipeline(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    pid = upload(client, a, GOOD).json()["id"]
    assert client.post(f"/api/v1/pipelines/{pid}/run", headers=b.headers).status_code == 404
    r = client.post(f"/api/v1/pipelines/{pid}/run", headers=a.headers)
    assert r.status_code == 202 and r.json()["kind"] == "pipeline.run"
    task = wait_task(client, a.headers, r.json()["id"])
    assert task["status"] == "success", task
    runs = client.get("/api/v1/runs", headers=a.headers).json()["items"]
    assert runs[0]["pipeline"] == "crm" and runs[0]["stats"]["sources"] == 1
    assert client.get("/api/v1/runs", headers=b.headers).json()["items"] == []
    assert client.get("/api/v1/runs/nope", headers=a.headers).status_code == 404
    assert client.get(f"/api/v1/runs/{runs[0]['id']}", headers=b.headers).status_code == 404


def test_openapi_declares_both_pipeline_bodies(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    """createPipeline and validatePipeline document the YAML text and the JSON {name, yaml} body
    (the generated client types them), and the server accepts exactly what is declared."""
    a, _ = two_tenants
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path, op_id in (("/api/v1/pipelines", "createPipeline"), ("/api/v1/pipelines/validate", "validatePipeline")):
        op = paths[path]["post"]
        assert op["operationId"] == op_id
        body = op["requestBody"]
        assert body["required"] is True and set(body["content"]) == {"application/yaml", "application/json"}
        assert body["content"]["application/yaml"]["schema"]["type"] == "string"
        js = body["content"]["application/json"]["schema"]
        assert js["type"] == "object" and set(js["required"]) == {"name", "yaml"} and set(js["properties"]) == {"name", "yaml"}
        assert js["additionalProperties"] is False and js["properties"]["name"]["maxLength"] == 100
        assert {p["name"] for p in op["parameters"]} == {"name"}  # ?name= for the YAML form
    # both declared forms work on both routes; a name outside the declared pattern is refused
    r = client.post("/api/v1/pipelines/validate", params={"name": "v"}, content=GOOD.encode(),
                    headers={**a.headers, "Content-Type": "application/yaml"})
    assert r.status_code == 200 and r.json()["valid"] is True
    assert upload(client, a, GOOD, name="from-yaml").status_code == 201
    assert client.post("/api/v1/pipelines", json={"name": "from-json", "yaml": GOOD}, headers=a.headers).status_code == 201
    r = client.post("/api/v1/pipelines", json={"name": "bad/name", "yaml": GOOD}, headers=a.headers)
    assert r.status_code == 422 and "name" in r.json()["detail"], r.text
