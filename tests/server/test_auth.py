"""Register, login, refresh rotation and reuse detection, logout, throttling, enumeration, rehash."""

from __future__ import annotations

from dataclasses import replace

from litestar.testing import TestClient
from sqlalchemy import select

from autonomos.server.app import create_app
from autonomos.server.auth.passwords import PasswordHasher
from autonomos.server.db.models import User
from autonomos.server.settings import Settings
from tests.server.helpers import PASSWORD, fast_auth, login, register

PROBLEM = "application/problem+json"


def test_register_login_me(client: TestClient) -> None:
    org_id = register(client, "Acme Inc", "Ann@Acme.test")
    r = client.post("/api/v1/auth/login", data={"username": "ann@acme.test", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900 and body["access_token"].count(".") == 2
    cookie_headers = r.headers.get_list("set-cookie")
    refresh = next(c for c in cookie_headers if c.startswith("autonomos_refresh="))
    assert "HttpOnly" in refresh and "Path=/api/v1/auth" in refresh and "samesite=lax" in refresh.lower()
    assert "Secure" not in refresh  # http test server; https requests get Secure
    access = next(c for c in cookie_headers if c.startswith("autonomos_access="))
    assert "HttpOnly" in access
    csrf = next(c for c in cookie_headers if c.startswith("csrftoken="))
    assert "HttpOnly" not in csrf
    client.cookies.clear()
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert me["organization"]["id"] == str(org_id) and me["organization"]["slug"] == "acme-inc"
    assert me["role"] == "owner" and me["user"]["email"] == "ann@acme.test" and me["auth_method"] == "bearer"


def test_secure_cookies_over_https(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="https://testserver.local") as c:
        register(c, "Sec", "s@sec.test")
        r = c.post("/api/v1/auth/login", data={"username": "s@sec.test", "password": PASSWORD})
        assert all("Secure" in h for h in r.headers.get_list("set-cookie"))


def test_refresh_rotation_and_reuse_revokes_family(client: TestClient) -> None:
    register(client, "Rot", "r@rot.test")
    login(client, "r@rot.test", keep_cookies=True)
    first = client.cookies["autonomos_refresh"]
    csrf = {"X-CSRF-Token": client.cookies["csrftoken"]}
    assert client.post("/api/v1/auth/refresh").status_code == 403  # CSRF header required
    r = client.post("/api/v1/auth/refresh", headers=csrf)
    assert r.status_code == 200 and r.json()["access_token"]
    second = client.cookies["autonomos_refresh"]
    assert second != first
    # The spent token presented again (a thief's copy): 401 and the whole family is revoked.
    client.cookies.set("autonomos_refresh", first, path="/api/v1/auth")
    r = client.post("/api/v1/auth/refresh", headers=csrf)
    assert r.status_code == 401 and r.json()["type"] == "urn:autonomos:problem:token-reuse"
    client.cookies.set("autonomos_refresh", second, path="/api/v1/auth")
    assert client.post("/api/v1/auth/refresh", headers=csrf).status_code == 401


def test_logout_revokes_refresh_token(client: TestClient) -> None:
    register(client, "Out", "o@out.test")
    login(client, "o@out.test", keep_cookies=True)
    token = client.cookies["autonomos_refresh"]
    csrf = {"X-CSRF-Token": client.cookies["csrftoken"]}
    r = client.post("/api/v1/auth/logout", headers=csrf)
    assert r.status_code == 204
    assert any(h.startswith("autonomos_access=") for h in r.headers.get_list("set-cookie"))
    client.cookies.set("autonomos_refresh", token, path="/api/v1/auth")
    client.cookies.set("csrftoken", csrf["X-CSRF-Token"])
    assert client.post("/api/v1/auth/refresh", headers=csrf).status_code == 401


def test_login_failures_look_alike_and_throttle(client: TestClient) -> None:
    register(client, "Thr", "t@thr.test")
    unknown = client.post("/api/v1/auth/login", data={"username": "nobody@thr.test", "password": "x" * 10})
    wrong = client.post("/api/v1/auth/login", data={"username": "t@thr.test", "password": "x" * 10})
    assert unknown.status_code == wrong.status_code == 401
    strip = lambda b: {k: v for k, v in b.items() if k != "instance"}  # noqa: E731
    assert strip(unknown.json()) == strip(wrong.json())
    for _ in range(4):
        client.post("/api/v1/auth/login", data={"username": "t@thr.test", "password": "x" * 10})
    # Five failures: even the right password is refused until the window passes.
    r = client.post("/api/v1/auth/login", data={"username": "t@thr.test", "password": PASSWORD})
    assert r.status_code == 429 and r.headers["content-type"].startswith(PROBLEM)
    assert 0 < int(r.headers["Retry-After"]) <= 900
    # Another account from the same address still works (per-address limit is higher).
    register(client, "Thr2", "u@thr.test")
    login(client, "u@thr.test")


def test_throttle_per_address(settings: Settings) -> None:
    settings = replace(settings, auth=replace(settings.auth, throttle_address_failures=3))
    with TestClient(create_app(settings)) as c:
        for i in range(3):
            c.post("/api/v1/auth/login", data={"username": f"n{i}@x.test", "password": "x" * 10})
        r = c.post("/api/v1/auth/login", data={"username": "other@x.test", "password": "x" * 10})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_unknown_user_costs_a_password_verification(client: TestClient) -> None:
    """An unknown account costs one real Argon2 verification, like a wrong password, and gets the
    same answer: no enumeration by timing or by message. (Counted, not timed: wall-clock ratios
    of sub-millisecond hashes are noise on a busy machine.)"""
    register(client, "Tim", "t@tim.test")
    hasher = client.app.state.password_hasher
    calls: list[str] = []
    real_verify = hasher.verify

    def counting_verify(stored: str, password: str) -> bool:
        calls.append(stored)
        return real_verify(stored, password)

    hasher.verify = counting_verify
    try:
        unknown = client.post("/api/v1/auth/login", data={"username": "ghost@tim.test", "password": "wrong-password"})
        after_unknown = len(calls)
        wrong = client.post("/api/v1/auth/login", data={"username": "t@tim.test", "password": "wrong-password"})
    finally:
        del hasher.verify
    assert after_unknown == 1 and len(calls) == 2
    assert calls[0].startswith("$argon2id$") and calls[1].startswith("$argon2id$")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]


def test_password_rehashed_when_parameters_change(settings: Settings) -> None:
    with TestClient(create_app(settings)) as c:
        register(c, "Hash", "h@hash.test")
    stronger = replace(settings, auth=fast_auth(argon2_time_cost=2, argon2_memory_cost=2048))
    app = create_app(stronger)
    with app.state.db.system_session() as s:
        old = s.scalar(select(User.password_hash).where(User.email == "h@hash.test"))
    assert "t=1" in old and "m=1024" in old
    with TestClient(app) as c:
        login(c, "h@hash.test")
    with app.state.db.system_session() as s:
        new = s.scalar(select(User.password_hash).where(User.email == "h@hash.test"))
    assert "t=2" in new and "m=2048" in new and new.startswith("$argon2id$")
    assert PasswordHasher(stronger.auth).verify(new, PASSWORD)


def test_register_refuses_bad_input(client: TestClient) -> None:
    r = client.post("/api/v1/auth/register", json={"organization": "A", "email": "not-an-email", "password": PASSWORD})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "email"
    r = client.post("/api/v1/auth/register", json={"organization": "A", "email": "a@a.test", "password": "short"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "password"
    r = client.post("/api/v1/auth/register", json={"organization": " ", "email": "a@a.test", "password": PASSWORD})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "organization"
    register(client, "A", "a@a.test")
    r = client.post("/api/v1/auth/register", json={"organization": "B", "email": "a@a.test", "password": "other-password"})
    assert r.status_code == 409
