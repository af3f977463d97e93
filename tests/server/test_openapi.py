"""The OpenAPI schema says what the server does (autonomos/server/openapi.py, the Allow fix and
strict JSON bodies in autonomos/server/app.py and bodies.py); schemathesis checks the same at
random (test_schemathesis.py), these check it always."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.server.helpers import Tenant

PROBLEM = "application/problem+json"


@pytest.fixture
def schema(app: Any) -> dict[str, Any]:
    return app.openapi_schema.to_schema()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, item in schema["paths"].items() for method, op in item.items()]


def test_error_responses_are_problem_details(schema: dict[str, Any]) -> None:
    for method, path, op in _operations(schema):
        public = op.get("security") == [{}]
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == [PROBLEM], (method, path, status)
        statuses = set(op["responses"])
        if not public:
            assert {"401", "403"} <= statuses, (method, path)
        if "{" in path:
            assert {"400", "404", "422"} <= statuses, (method, path)
        if "requestBody" in op:
            assert {"400", "422"} <= statuses, (method, path)


def test_no_content_has_no_body(schema: dict[str, Any]) -> None:
    for method, path, op in _operations(schema):
        if "204" in op["responses"]:
            assert "content" not in op["responses"]["204"], (method, path)


def test_request_bodies_refuse_unknown_fields(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for name in ("ApiKeyIn", "ConnectIn", "InlineSource", "BulkIn", "DecisionIn", "QueryIn", "SourceIn"):
        assert components[name]["additionalProperties"] is False, name


def test_ids_and_cursors_are_bounded_in_the_schema(schema: dict[str, Any]) -> None:
    ids = schema["components"]["schemas"]["BulkIn"]["properties"]["ids"]["items"]
    assert (ids["minimum"], ids["maximum"]) == (1, 2**63 - 1)
    path = schema["paths"]["/dcl/review/{mapping_id}"]["post"]["parameters"][0]["schema"]
    assert (path["minimum"], path["maximum"]) == (1, 2**63 - 1)  # exact: not the float 2**63
    cursor = next(p for p in schema["paths"]["/api/v1/tasks"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["pattern"] == "^([0-9]{1,17}_[0-9a-f]{32})?$"


@pytest.mark.parametrize("ids", [[-186032270874290487296], [2**63], [0], [2**64 + 5]])
def test_out_of_range_mapping_ids_are_422(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                          ids: list[int]) -> None:
    a, _ = two_tenants
    r = client.post("/dcl/review/bulk", json={"ids": ids}, headers=a.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "ids[0]"
    r = client.post(f"/dcl/review/{ids[0]}", json={"decision": "approve"}, headers=a.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "mapping_id", r.text


def test_json_values_keep_their_types(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    for path, method, body, field in [("/dcl/query", "post", {"sql": "select 1", "limit": "5"}, "limit"),
                                      ("/dcl/review/bulk", "post", {"ids": ["1"]}, "ids[0]"),
                                      ("/dcl/connect", "post", {"sources": ["demo"], "demo": "true"}, "demo"),
                                      ("/dcl/connect", "post", {"sources": [{"name": "x", "connector": "demo",
                                                                             "bogus": 1}]}, "sources[0].bogus")]:
        r = getattr(client, method)(path, json=body, headers=a.headers)
        assert r.status_code in (400, 422), (path, r.text)
        assert field in {e["field"] for e in r.json()["errors"]}, (path, r.json())


def test_options_allow_every_method_of_the_path(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    for path, methods in [("/api/v1/invitations", {"GET", "POST", "OPTIONS"}),
                          ("/api/v1/files", {"GET", "POST", "OPTIONS"}),
                          ("/api/v1/settings/llm", {"GET", "PUT", "OPTIONS"})]:
        r = client.options(path, headers=a.headers)
        assert r.status_code == 204
        assert {m.strip() for m in r.headers["allow"].split(",")} == methods, path


def test_cursors(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    first = client.get("/api/v1/members", params={"cursor": ""}, headers=a.headers)
    assert first.status_code == 200 and first.json()["items"]
    assert client.get("/api/v1/members", params={"cursor": "0_" + "0" * 32}, headers=a.headers).status_code == 200
    for bad in ("WyIyMDI2", "1_abc", "99999999999999999999_" + "0" * 32):
        assert client.get("/api/v1/members", params={"cursor": bad}, headers=a.headers).status_code == 400
