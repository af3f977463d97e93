"""Forged, stale and revoked access tokens against the real app: every one answers 401 (a problem
with ``WWW-Authenticate: Bearer``), on the API and on the event socket's handshake.

The server signs with HS256 only (no public key exists, so "HS256 signed with the public key"
has nothing to confuse): tokens with ``alg: none``, another HMAC size, an RS/ES header or
another secret are refused, as are expired, not-yet-valid, wrongly addressed and tampered ones.
A logout or a reused refresh token ends the session: its access tokens stop working at once
(:func:`autonomos.server.auth.middleware.check_jwt` checks the refresh-token family).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from litestar.testing import TestClient

from autonomos.server.settings import Settings
from tests.server.helpers import Tenant, login, register

ME = "/api/v1/auth/me"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _signed(settings: Settings, claims: dict[str, Any], key: str | None = None, alg: str = "HS256") -> str:
    return jwt.encode(claims, key or settings.auth.jwt_secret, algorithm=alg)


def _raw(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A token assembled by hand (libraries refuse to make some of these)."""
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}.{_b64(signature)}"


def _refused(client: TestClient, token: str, what: str) -> None:
    r = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, f"{what}: {r.status_code} {r.text}"
    assert r.headers["content-type"].startswith("application/problem+json"), what
    assert r.headers["www-authenticate"].startswith("Bearer"), what
    client.cookies.clear()
    client.cookies.set("autonomos_access", token)
    try:
        assert client.get(ME).status_code == 401, f"{what} (as the session cookie)"
    finally:
        client.cookies.clear()


def _accepted(client: TestClient, token: str) -> None:
    r = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text


def test_the_genuine_token_and_a_re_signed_copy_pass(client: TestClient, settings: Settings,
                                                     two_tenants: tuple[Tenant, Tenant]) -> None:
    """The control: re-signing the same claims with the server's key is accepted, so each refusal
    below is about the one thing it changes."""
    a, _ = two_tenants
    _accepted(client, a.token)
    _accepted(client, _signed(settings, _claims(a.token)))


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused(client: TestClient, two_tenants: tuple[Tenant, Tenant], alg: str) -> None:
    a, _ = two_tenants
    claims = _claims(a.token)
    _refused(client, _raw({"alg": alg, "typ": "JWT"}, claims), f"alg {alg}, no signature")
    original_signature = base64.urlsafe_b64decode(a.token.rsplit(".", 1)[1] + "==")
    _refused(client, _raw({"alg": alg, "typ": "JWT"}, claims, original_signature), f"alg {alg}, a real signature")


def test_algorithm_confusion_is_refused(client: TestClient, settings: Settings,
                                        two_tenants: tuple[Tenant, Tenant]) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    a, _ = two_tenants
    claims = _claims(a.token)
    for alg in ("HS384", "HS512"):  # the right secret, another algorithm than the pinned one
        _refused(client, _signed(settings, claims, alg=alg), alg)
    _refused(client, _signed(settings, claims, key="another secret that is long enough!!"), "another secret")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _refused(client, jwt.encode(claims, rsa_key, algorithm="RS256"), "RS256 with an attacker's key")
    _refused(client, jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256"), "ES256")
    # the classic confusion: an RS256 header, HMAC-signed with a public key (here the attacker's;
    # the server has none) — and the HS256 header signed with that PEM as the secret
    pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    import hashlib
    import hmac

    header = {"alg": "RS256", "typ": "JWT"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}".encode()
    _refused(client, _raw(header, claims, hmac.new(pem, signing_input, hashlib.sha256).digest()), "RS256 header, HMAC")
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}".encode()
    _refused(client, _raw(header, claims, hmac.new(pem, signing_input, hashlib.sha256).digest()), "HS256 keyed with a PEM")
    # a header that points the verifier elsewhere does not change the key it uses
    forged = jwt.encode(claims, "attacker's secret that is long enough", algorithm="HS256",
                        headers={"kid": "../../dev/null", "jku": "https://evil.example/jwks.json"})
    _refused(client, forged, "kid / jku headers")


def test_expired_and_not_yet_valid_tokens_are_refused(client: TestClient, settings: Settings,
                                                      two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    now = int(time.time())
    claims = _claims(a.token)
    _refused(client, _signed(settings, {**claims, "iat": now - 3600, "exp": now - 60}), "expired a minute ago")
    _refused(client, _signed(settings, {**claims, "iat": now - 3600, "exp": now - 6}), "expired past the 5 s leeway")
    _refused(client, _signed(settings, {**claims, "nbf": now + 600}), "not valid before ten minutes from now")
    _refused(client, _signed(settings, {**claims, "iat": now + 600, "exp": now + 1500}), "issued in the future")
    _refused(client, _signed(settings, {**claims, "exp": "tomorrow"}), "exp not a number")
    for claim in ("exp", "iat", "sid", "jti"):
        _refused(client, _signed(settings, {k: v for k, v in claims.items() if k != claim}), f"without {claim}")


def test_wrong_audience_or_issuer_is_refused(client: TestClient, settings: Settings,
                                             two_tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = two_tenants
    claims = _claims(a.token)
    _refused(client, _signed(settings, {**claims, "aud": "another-api"}), "another audience")
    _refused(client, _signed(settings, {**claims, "aud": ["another-api"]}), "an audience list without ours")
    _refused(client, _signed(settings, {**claims, "iss": "https://evil.example"}), "another issuer")
    _refused(client, _signed(settings, {k: v for k, v in claims.items() if k != "aud"}), "no audience")
    _refused(client, _signed(settings, {k: v for k, v in claims.items() if k != "iss"}), "no issuer")


def test_tampered_tokens_are_refused(client: TestClient, settings: Settings,
                                     two_tenants: tuple[Tenant, Tenant]) -> None:
    a, b = two_tenants
    head, payload, signature = a.token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    _refused(client, f"{head}.{payload}.{flipped}", "a changed signature")
    _refused(client, f"{head}.{payload}.", "no signature")
    _refused(client, f"{head}.{payload}", "two parts")
    # the payload rewritten to B's organization (or B's user), the original signature kept
    for change in ({"tid": str(b.org_id)}, {"sub": _claims(b.token)["sub"]}, {"exp": _claims(a.token)["exp"] + 86400}):
        claims = {**_claims(a.token), **change}
        _refused(client, f"{head}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}.{signature}",
                 f"payload changed: {sorted(change)}")
    # signed correctly but naming a tenant the user is not a member of
    _refused(client, _signed(settings, {**_claims(a.token), "tid": str(b.org_id)}), "A's user in B's organization")


def test_logout_ends_the_access_token_too(client: TestClient) -> None:
    register(client, "Out", "o@out.test")
    access = login(client, "o@out.test", keep_cookies=True)
    csrf = {"X-CSRF-Token": client.cookies["csrftoken"]}
    _accepted(client, access)
    cookies = dict(client.cookies)
    assert client.post("/api/v1/auth/logout", headers=csrf).status_code == 204
    _refused(client, access, "the access token of a session that logged out")
    # the event socket's handshake checks the same way
    from litestar.exceptions import WebSocketDisconnect

    from tests.server.events.conftest import ORIGIN

    client.cookies.clear()
    client.cookies.set("autonomos_access", access)
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws/events", headers={"origin": ORIGIN}) as ws:
        ws.receive_json()
    client.cookies.clear()
    # a second login is a new session: it works, and the old one stays ended
    fresh = login(client, "o@out.test")
    _accepted(client, fresh)
    _refused(client, access, "the old session after a new login")
    assert cookies  # the logout above really carried the session's cookies


def test_refresh_token_reuse_ends_the_whole_family(client: TestClient) -> None:
    register(client, "Reuse", "r@reuse.test")
    first_access = login(client, "r@reuse.test", keep_cookies=True)
    spent = client.cookies["autonomos_refresh"]
    csrf = {"X-CSRF-Token": client.cookies["csrftoken"]}
    r = client.post("/api/v1/auth/refresh", headers=csrf)
    assert r.status_code == 200, r.text
    second_access, current = r.json()["access_token"], client.cookies["autonomos_refresh"]
    _accepted(client, first_access)
    _accepted(client, second_access)
    client.cookies.set("autonomos_refresh", spent, path="/api/v1/auth")  # a thief replays the spent token
    client.cookies.set("csrftoken", csrf["X-CSRF-Token"])
    r = client.post("/api/v1/auth/refresh", headers=csrf)
    assert r.status_code == 401 and r.json()["type"] == "urn:autonomos:problem:token-reuse", r.text
    client.cookies.set("autonomos_refresh", current, path="/api/v1/auth")  # the rightful holder's newest token
    assert client.post("/api/v1/auth/refresh", headers=csrf).status_code == 401
    _refused(client, first_access, "an access token of the revoked family")
    _refused(client, second_access, "the newest access token of the revoked family")
    # another login of the same user (another family) is untouched
    other = login(client, "r@reuse.test")
    _accepted(client, other)
