"""``POST /api/v1/auth/login`` takes the OAuth2 form or the same fields as JSON (issue 13: a JSON
body used to answer "Object missing required field `username`" although it had one); any other
body is a problem naming what login takes."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.server.helpers import PASSWORD, register

PROBLEM = "application/problem+json"


def test_login_takes_json_as_well_as_the_form(client: TestClient) -> None:
    register(client, "Json Login", "j@json.test")
    r = client.post("/api/v1/auth/login", json={"username": "j@json.test", "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    assert any(c.startswith("autonomos_access=") for c in r.headers.get_list("set-cookie"))
    client.cookies.clear()
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["user"]["email"] == "j@json.test"
    form = client.post("/api/v1/auth/login", data={"username": "j@json.test", "password": PASSWORD})
    assert form.status_code == 200, form.text
    # a wrong password is the same 401 in either encoding
    wrong_json = client.post("/api/v1/auth/login", json={"username": "j@json.test", "password": "x" * 12})
    wrong_form = client.post("/api/v1/auth/login", data={"username": "j@json.test", "password": "x" * 12})
    assert wrong_json.status_code == wrong_form.status_code == 401
    assert wrong_json.json()["detail"] == wrong_form.json()["detail"]


def test_bad_login_bodies_are_clear_problems(client: TestClient) -> None:
    missing = client.post("/api/v1/auth/login", json={"password": PASSWORD})
    assert missing.status_code == 422 and missing.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in missing.json()["errors"]] == ["username"]
    wrong_type = client.post("/api/v1/auth/login", json={"username": 7, "password": PASSWORD})
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["field"] == "username"
    form_missing = client.post("/api/v1/auth/login", data={"username": "a@b.test"})
    assert form_missing.status_code == 422 and form_missing.json()["errors"][0]["field"] == "password"
    broken = client.post("/api/v1/auth/login", content=b'{"username": ', headers={"content-type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["detail"]
    text = client.post("/api/v1/auth/login", content=b"username=a", headers={"content-type": "text/plain"})
    assert text.status_code == 415 and text.headers["content-type"].startswith(PROBLEM)
    assert "application/x-www-form-urlencoded" in text.json()["detail"] and "application/json" in text.json()["detail"]


def test_openapi_declares_both_encodings(client: TestClient) -> None:
    body = client.get("/schema/openapi.json").json()["paths"]["/api/v1/auth/login"]["post"]["requestBody"]
    assert set(body["content"]) == {"application/x-www-form-urlencoded", "application/json"}
    assert body["content"]["application/json"]["schema"]["required"] == ["username", "password"]
