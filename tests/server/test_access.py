"""Tokens, CSRF, API keys, roles and invitations."""

from __future__ import annotations

import time

import jwt
import pytest
from litestar.testing import TestClient

from autonomos.server.settings import Settings
from tests.server.helpers import PASSWORD, Tenant, add_member, login, new_tenant


def _token(settings: Settings, tenant: Tenant, **changes: object) -> str:
    claims = jwt.decode(tenant.token, options={"verify_signature": False})
    claims.update(changes)
    key = changes.pop("_key", settings.auth.jwt_secret)  # type: ignore[arg-type]
    alg = changes.pop("_alg", "HS256")
    claims.pop("_key", None), claims.pop("_alg", None)
    return jwt.encode(claims, key, algorithm=alg)  # type: ignore[arg-type]


def test_jwt_claims_are_checked(client: TestClient, settings: Settings, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    now = int(time.time())
    ok = _token(settings, a)
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {ok}"}).status_code == 200
    bad = {
        "expired": _token(settings, a, exp=now - 60, iat=now - 1000),
        "audience": _token(settings, a, aud="someone-else"),
        "issuer": _token(settings, a, iss="evil"),
        "signature": _token(settings, a, _key="x" * 48),
        "algorithm": _token(settings, a, _alg="HS512"),
        "unsigned": jwt.encode(jwt.decode(a.token, options={"verify_signature": False}), None, algorithm="none"),
        "garbage": "not.a.jwt",
    }
    claims = jwt.decode(a.token, options={"verify_signature": False})
    del claims["tid"]
    bad["missing tid"] = jwt.encode(claims, settings.auth.jwt_secret, algorithm="HS256")
    for what, token in bad.items():
        r = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, what
        assert r.headers["content-type"].startswith("application/problem+json") and "Bearer" in r.headers["www-authenticate"]


def test_cookie_auth_needs_csrf_but_bearer_does_not(client: TestClient) -> None:
    new_tenant(client, "Cookie", "c@cookie.test")
    token = login(client, "c@cookie.test", keep_cookies=True)
    assert client.get("/api/v1/auth/me").json()["auth_method"] == "cookie"  # safe method: no CSRF needed
    body = {"name": "ci", "scopes": ["read"]}
    r = client.post("/api/v1/api-keys", json=body)
    assert r.status_code == 403 and r.json()["type"] == "urn:autonomos:problem:csrf"
    r = client.post("/api/v1/api-keys", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = client.post("/api/v1/api-keys", json=body, headers={"X-CSRF-Token": client.cookies["csrftoken"]})
    assert r.status_code == 201
    client.cookies.clear()
    r = client.post("/api/v1/api-keys", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201


def test_a_planted_csrf_cookie_does_not_pass(client: TestClient) -> None:
    """Issue 8, item 8: a genuine access cookie plus ``csrftoken=attacker`` planted (a sibling
    subdomain can set cookies) and ``X-CSRF-Token: attacker`` used to answer 201."""
    new_tenant(client, "Planted", "p@planted.test")
    login(client, "p@planted.test", keep_cookies=True)
    genuine = client.cookies["csrftoken"]
    body = {"name": "ci", "scopes": ["read"]}
    client.cookies.set("csrftoken", "attacker")
    r = client.post("/api/v1/api-keys", json=body, headers={"X-CSRF-Token": "attacker"})
    assert r.status_code == 403 and r.json()["type"] == "urn:autonomos:problem:csrf", r.text
    # another session's genuine token (the attacker's own login) does not pass either
    other = TestClient(client.app)
    with other:
        new_tenant(other, "Attacker", "x@attacker.test")
        login(other, "x@attacker.test", keep_cookies=True)
        theirs = other.cookies["csrftoken"]
    assert theirs != genuine
    client.cookies.set("csrftoken", theirs)
    assert client.post("/api/v1/api-keys", json=body, headers={"X-CSRF-Token": theirs}).status_code == 403
    client.cookies.set("csrftoken", genuine)
    assert client.post("/api/v1/api-keys", json=body, headers={"X-CSRF-Token": genuine}).status_code == 201


def test_api_keys_scopes_and_revocation(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    read = client.post("/api/v1/api-keys", json={"name": "reader", "scopes": ["read"]}, headers=a.headers).json()
    admin = client.post("/api/v1/api-keys", json={"name": "ops", "scopes": ["read", "write", "admin"]},
                        headers=a.headers).json()
    assert read["key"].startswith(f"ak_{read['prefix']}_")
    listed = client.get("/api/v1/api-keys", headers=a.headers).json()["items"]
    assert {k["name"] for k in listed} == {"reader", "ops"} and all("key" not in k for k in listed)
    me = client.get("/api/v1/auth/me", headers={"X-API-Key": read["key"]}).json()
    assert me["auth_method"] == "api_key" and me["user"] is None and me["role"] == "viewer"
    assert me["organization"]["id"] == str(a.org_id)
    # read-only key: no writes; admin key via the Authorization header: may create keys
    r = client.post("/api/v1/api-keys", json={"name": "x"}, headers={"X-API-Key": read["key"]})
    assert r.status_code == 403
    r = client.post("/api/v1/api-keys", json={"name": "x"}, headers={"Authorization": f"Bearer {admin['key']}"})
    assert r.status_code == 201
    assert client.delete(f"/api/v1/api-keys/{read['id']}", headers=a.headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": read["key"]}).status_code == 401
    tampered = admin["key"][:-2] + ("AA" if not admin["key"].endswith("AA") else "BB")
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": tampered}).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": "ak_short"}).status_code == 401


def test_roles(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    viewer = add_member(client, a, "v@alpha.test", "viewer")
    member = add_member(client, a, "m@alpha.test", "member")
    assert client.get("/api/v1/members", headers=viewer.headers).status_code == 200
    r = client.post("/api/v1/invitations", json={"email": "z@alpha.test"}, headers=viewer.headers)
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert client.post("/api/v1/invitations", json={"email": "z@alpha.test"}, headers=member.headers).status_code == 403
    assert client.get("/api/v1/api-keys", headers=member.headers).status_code == 403
    # an admin cannot mint an owner; owners can promote
    admin = add_member(client, a, "adm@alpha.test", "admin")
    assert client.post("/api/v1/invitations", json={"email": "o@alpha.test", "role": "owner"},
                       headers=admin.headers).status_code == 403
    members = {m["email"]: m for m in client.get("/api/v1/members", headers=a.headers).json()["items"]}
    r = client.patch(f"/api/v1/members/{members['v@alpha.test']['id']}", json={"role": "member"}, headers=a.headers)
    assert r.status_code == 200 and r.json()["role"] == "member"
    # demotion takes effect at once (role read per request)
    r = client.patch(f"/api/v1/members/{members['m@alpha.test']['id']}", json={"role": "viewer"}, headers=a.headers)
    assert client.post("/api/v1/api-keys", json={"name": "x"}, headers=member.headers).status_code == 403
    # the last owner stays
    r = client.patch(f"/api/v1/members/{members['owner@alpha.test']['id']}", json={"role": "admin"}, headers=a.headers)
    assert r.status_code == 409
    assert client.delete(f"/api/v1/members/{members['m@alpha.test']['id']}", headers=a.headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=member.headers).status_code == 401


def test_invitations(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    r = client.post("/api/v1/invitations", json={"email": "New@Alpha.test", "role": "member"}, headers=a.headers)
    assert r.status_code == 201
    inv = r.json()
    assert inv["email"] == "new@alpha.test" and len(inv["token"]) > 30
    pending = client.get("/api/v1/invitations", headers=a.headers).json()["items"]
    assert [p["id"] for p in pending] == [inv["id"]] and "token" not in pending[0]
    assert client.get("/api/v1/invitations", headers=b.headers).json()["items"] == []
    # the invitee looks before accepting, with the token alone (no sign-in)
    preview = client.get(f"/api/v1/invitations/{inv['token']}").json()
    assert preview == {"organization": "Alpha Corp", "email": "new@alpha.test", "role": "member",
                       "expires_at": inv["expires_at"], "account_exists": None}, preview
    assert client.get("/api/v1/invitations/nonsense").status_code == 404
    r = client.post(f"/api/v1/invitations/{inv['token']}/accept", json={"password": PASSWORD})
    assert r.status_code == 201 and r.json()["role"] == "member" and r.json()["organization"]["id"] == str(a.org_id)
    # used once only
    assert client.post(f"/api/v1/invitations/{inv['token']}/accept", json={"password": PASSWORD}).status_code == 404
    assert client.post("/api/v1/invitations/nonsense/accept", json={"password": PASSWORD}).status_code == 404
    # an existing account (B's owner) joins A with its own password, and can log into either
    inv2 = client.post("/api/v1/invitations", json={"email": b.email, "role": "viewer"}, headers=a.headers).json()
    # whoever holds the token (the inviter too) is not told whether the email has an account;
    # the invitee, signed in as that email, is
    assert client.get(f"/api/v1/invitations/{inv2['token']}").json()["account_exists"] is None
    assert client.get(f"/api/v1/invitations/{inv2['token']}", headers=a.headers).json()["account_exists"] is None
    assert client.get(f"/api/v1/invitations/{inv2['token']}", headers=b.headers).json()["account_exists"] is True
    r = client.post(f"/api/v1/invitations/{inv2['token']}/accept", json={"password": "wrong password!"})
    assert r.status_code == 401
    r = client.post(f"/api/v1/invitations/{inv2['token']}/accept", json={"password": PASSWORD})
    assert r.status_code == 201
    tok = login(client, b.email, organization="alpha-corp")
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {tok}"}).json()
    assert me["organization"]["id"] == str(a.org_id) and me["role"] == "viewer"
    # a withdrawn invitation stops working
    inv3 = client.post("/api/v1/invitations", json={"email": "w@alpha.test"}, headers=a.headers).json()
    assert client.delete(f"/api/v1/invitations/{inv3['id']}", headers=a.headers).status_code == 204
    assert client.post(f"/api/v1/invitations/{inv3['token']}/accept", json={"password": PASSWORD}).status_code == 404
    assert client.get(f"/api/v1/invitations/{inv3['token']}").status_code == 404
    assert client.get(f"/api/v1/invitations/{inv['token']}").status_code == 404  # used
    r = client.post("/api/v1/invitations", json={"email": "new@alpha.test"}, headers=a.headers)
    assert r.status_code == 409  # already a member


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Token abc"])
def test_malformed_authorization(client: TestClient, header: str) -> None:
    r = client.get("/api/v1/auth/me", headers={"Authorization": header})
    assert r.status_code == 401 and r.json()["status"] == 401


def test_unauthenticated(client: TestClient) -> None:
    r = client.get("/api/v1/organization")
    assert r.status_code == 401 and r.json()["type"] == "urn:autonomos:problem:unauthorized"


def test_accepting_an_invitation_shares_the_login_throttle(client: TestClient, two_tenants: tuple[Tenant, Tenant],
                                                           settings: Settings) -> None:
    """Issue 8, item 3: B invited A's owner into B's organization and guessed A's password through
    accept, 25 times in 3 s, all 401, never 429, A's failure count untouched."""
    a, b = two_tenants
    inv = client.post("/api/v1/invitations", json={"email": a.email, "role": "viewer"}, headers=b.headers).json()
    limit = settings.auth.throttle_account_failures
    codes = [client.post(f"/api/v1/invitations/{inv['token']}/accept", json={"password": f"guess number {i}"}).status_code
             for i in range(limit + 3)]
    assert codes[:limit] == [401] * limit and set(codes[limit:]) == {429}, codes
    r = client.post(f"/api/v1/invitations/{inv['token']}/accept", json={"password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1  # even the right password, as login
    # the guesses count against the account for login too
    r = client.post("/api/v1/auth/login", data={"username": a.email, "password": PASSWORD})
    assert r.status_code == 429 and "retry-after" in r.headers


def test_names_people_read_refuse_bidi_and_invisible_characters(client: TestClient,
                                                                two_tenants: tuple[Tenant, Tenant]) -> None:
    """Issue 8, item 9 (organization and API key names; files and pipelines have their own tests)."""
    a, _ = two_tenants
    r = client.post("/api/v1/auth/register", json={"organization": "Evil\u202eCorp", "email": "e@evil.test",
                                                   "password": PASSWORD})
    assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "organization", r.text
    r = client.post("/api/v1/api-keys", json={"name": "ci\u2066key", "scopes": ["read"]}, headers=a.headers)
    assert r.status_code in (400, 422) and r.json()["errors"][0]["field"] == "name", r.text
    assert client.post("/api/v1/api-keys", json={"name": "CI clé", "scopes": ["read"]}, headers=a.headers).status_code == 201
