"""Signed callbacks (verified with the Standard Webhooks reference library), retries, the delivery
log, the secret endpoints and SSRF refusals."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from autonomos.server.tasks.service import create_and_enqueue, create_task, enqueue
from autonomos.core.network import UnsafeURLError, resolve_target
from autonomos.server.tasks.webhooks import post_checked, sign
from tests.server.helpers import Tenant, add_member
from tests.server.tasks.conftest import Receiver, wait_for, wait_status


def _allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator's switch (the local receiver is on 127.0.0.1)."""
    monkeypatch.setenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", "true")


def _deliveries(client: TestClient, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/api/v1/webhooks/deliveries", params=params, headers=tenant.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_callback_is_signed_and_verifies_with_standardwebhooks(tclient: TestClient, tapp: Any,
                                                              tenants: tuple[Tenant, Tenant], receiver: Receiver,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tenants
    _allow_private(monkeypatch)
    secret = tclient.get("/api/v1/webhooks/secret", headers=a.headers).json()["secret"]
    assert secret.startswith("whsec_")
    with tapp.state.db.session(a.org_id) as s:
        task = create_and_enqueue(s, a.org_id, "test.echo", {"value": "cb"}, callback_url=receiver.url)
    wait_status(tclient, a, task.id)
    wait_for(lambda: receiver.requests)
    req = receiver.requests[0]
    payload = Webhook(secret).verify(req["body"], req["headers"])
    assert payload["type"] == "task.finished"
    assert payload["data"]["id"] == str(task.id) and payload["data"]["status"] == "success"
    assert payload["data"]["result"]["echo"] == "cb"
    # a tampered body or another tenant's secret does not verify
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(req["body"].replace(b"success", b"failed!"), req["headers"])
    other = tclient.get("/api/v1/webhooks/secret", headers=b.headers).json()["secret"]
    assert other != secret
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(req["body"], req["headers"])
    log = wait_for(lambda: [d for d in _deliveries(tclient, a, task_id=str(task.id)) if d["status"] == "delivered"])
    d = log[0]
    assert d["url"] == receiver.url and d["attempt"] == 1 and d["status_code"] == 200
    assert d["duration_ms"] is not None and d["finished_at"] and d["msg_id"] == req["headers"]["webhook-id"]
    assert _deliveries(tclient, b) == []


def test_failed_delivery_is_retried_with_the_same_message_id(tclient: TestClient, tapp: Any,
                                                             tenants: tuple[Tenant, Tenant], receiver: Receiver,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = tenants
    _allow_private(monkeypatch)
    receiver.responses = [(500, {}, b"boom"), (503, {}, b"busy")]
    with tapp.state.db.session(a.org_id) as s:
        task = create_and_enqueue(s, a.org_id, "test.echo", {"value": 1}, callback_url=receiver.url)
    wait_for(lambda: len(receiver.requests) == 3, timeout=15)
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert len(ids) == 1
    secret = tclient.get("/api/v1/webhooks/secret", headers=a.headers).json()["secret"]
    for r in receiver.requests:
        Webhook(secret).verify(r["body"], r["headers"])
    gaps = [receiver.requests[i + 1]["at"] - receiver.requests[i]["at"] for i in range(2)]
    assert gaps[1] > gaps[0] * 0.9  # backoff does not shrink (scheduler granularity is 1 s)
    log = wait_for(lambda: (d := _deliveries(tclient, a, task_id=str(task.id))) and d[-1]["status"] == "delivered" and d)
    assert [(d["attempt"], d["status"], d["status_code"]) for d in log] == [
        (1, "failed", 500), (2, "failed", 503), (3, "delivered", 200)]
    assert "HTTP 500" in log[0]["error"]


def test_secret_is_admin_only_and_rotates(tclient: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    member = add_member(tclient, a, "member@alpha.test", "member")
    assert tclient.get("/api/v1/webhooks/secret", headers=member.headers).status_code == 403
    assert tclient.get("/api/v1/webhooks/settings", headers=member.headers).status_code == 403
    first = tclient.get("/api/v1/webhooks/secret", headers=a.headers).json()
    assert tclient.get("/api/v1/webhooks/secret", headers=a.headers).json()["secret"] == first["secret"]
    rotated = tclient.post("/api/v1/webhooks/secret/rotate", headers=a.headers).json()
    assert rotated["secret"] != first["secret"] and rotated["rotated_at"]


def test_signature_matches_the_reference_signer() -> None:
    import base64
    from datetime import datetime, timezone

    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    ts = 1_700_000_000
    ours = sign(secret, "msg_1", ts, '{"a":1}')
    assert ours == Webhook(secret).sign("msg_1", datetime.fromtimestamp(ts, tz=timezone.utc), '{"a":1}')


@pytest.mark.parametrize("url, reason", [
    ("http://127.0.0.1:9/hook", "loopback"),
    ("http://10.1.2.3/hook", "private"),
    ("http://192.168.0.10/hook", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://[::1]:8080/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://100.64.0.1/hook", "shared"),
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://localhost:8080/hook", "resolves to"),
    ("ftp://example.com/x", "http or https"),
    ("http://user:pw@example.com/", "credentials"),
    ("not a url", "http or https"),
])
def test_ssrf_refusals(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURLError, match=reason):
        resolve_target(url)


def test_ssrf_refused_at_task_creation_unless_allowed(tclient: TestClient, tapp: Any,
                                                     tenants: tuple[Tenant, Tenant], monkeypatch: pytest.MonkeyPatch) -> None:
    from autonomos.server.errors import Problem

    a, b = tenants
    monkeypatch.delenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", raising=False)
    for url in ("http://127.0.0.1/x", "http://localhost/x", "http://169.254.169.254/", "http://[::1]/"):
        with tapp.state.db.session(a.org_id) as s, pytest.raises(Problem) as info:
            create_and_enqueue(s, a.org_id, "test.echo", {}, callback_url=url)
        assert info.value.status_code == 422 and info.value.errors[0].field == "callback_url"
    monkeypatch.setenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", "1")  # the server-level override
    with tapp.state.db.session(b.org_id) as s:
        create_and_enqueue(s, b.org_id, "test.echo", {}, callback_url="http://127.0.0.1:9/x")


def test_redirects_are_checked_on_every_hop(receiver: Receiver) -> None:
    exempt = frozenset({("127.0.0.1", receiver.port)})  # the first hop only
    for location in (f"http://localhost:{receiver.port}/next", "http://169.254.169.254/latest/",
                     f"http://[::1]:{receiver.port}/", "http://10.0.0.7/"):
        receiver.responses = [(302, {"location": location}, b"")]
        with pytest.raises(UnsafeURLError):
            post_checked(receiver.url, "{}", {}, allow_private=False, timeout=3, exempt=exempt)
    # relative redirects to the exempt host are followed, at most 3 times
    receiver.responses = [(307, {"location": "/a"}, b""), (308, {"location": "/b"}, b""), (200, {}, b"ok")]
    assert post_checked(receiver.url, "{}", {}, allow_private=False, timeout=3, exempt=exempt).status_code == 200
    assert [r["path"] for r in receiver.requests[-3:]] == ["/hook", "/a", "/b"]
    receiver.responses = [(302, {"location": "/x"}, b"")] * 4
    with pytest.raises(UnsafeURLError, match="redirects"):
        post_checked(receiver.url, "{}", {}, allow_private=False, timeout=3, exempt=exempt)


def test_delivery_to_a_refused_target_is_logged_and_not_retried(tclient: TestClient, tapp: Any,
                                                                tenants: tuple[Tenant, Tenant], receiver: Receiver,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The target is checked again at delivery: an operator who revokes private targets stops
    callbacks already queued for them."""
    a, _ = tenants
    _allow_private(monkeypatch)
    with tapp.state.db.session(a.org_id) as s:
        task = create_task(s, a.org_id, "test.echo", {}, callback_url=receiver.url)
        s.commit()
    monkeypatch.delenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE")
    enqueue(task)
    log = wait_for(lambda: (d := _deliveries(tclient, a, task_id=str(task.id))) and d[0]["status"] not in
                   ("pending", "sending") and d)
    assert len(log) == 1 and log[0]["status"] == "refused" and "loopback" in log[0]["error"]
    assert receiver.requests == []


def test_private_targets_are_the_operators_decision_not_a_tenants(tclient: TestClient, tapp: Any,
                                                                  tenants: tuple[Tenant, Tenant],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 8, item 2: any self-registered owner sent ``PUT /api/v1/webhooks/settings
    {"allow_private_webhooks": true}`` and the server then called 127.0.0.1 (Redis, PostgreSQL,
    the API itself answered) and echoed the answers in the delivery log."""
    from autonomos.server.errors import Problem

    a, _ = tenants
    monkeypatch.delenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", raising=False)
    r = tclient.put("/api/v1/webhooks/settings", json={"allow_private_webhooks": True}, headers=a.headers)
    assert r.status_code == 405, r.text
    assert tclient.get("/api/v1/webhooks/settings", headers=a.headers).json() == {"allow_private_webhooks": False}
    with tapp.state.db.session(a.org_id) as s, pytest.raises(Problem) as info:
        create_and_enqueue(s, a.org_id, "test.echo", {}, callback_url="http://127.0.0.1:6379/")
    assert "operator" in str(info.value.errors[0].message)
    monkeypatch.setenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", "true")
    assert tclient.get("/api/v1/webhooks/settings", headers=a.headers).json() == {"allow_private_webhooks": True}


def test_the_delivery_log_does_not_echo_a_private_receivers_answer(tclient: TestClient, tapp: Any,
                                                                   tenants: tuple[Tenant, Tenant], receiver: Receiver,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Even where the operator allows private targets, an internal service's answer (here a fake
    Redis error) is not copied into the organization's delivery log: the status code only."""
    a, _ = tenants
    _allow_private(monkeypatch)
    receiver.responses = [(500, {}, b"-ERR internal secret answer")] * 3
    with tapp.state.db.session(a.org_id) as s:
        task = create_and_enqueue(s, a.org_id, "test.echo", {}, callback_url=receiver.url)
    log = wait_for(lambda: (d := _deliveries(tclient, a, task_id=str(task.id))) and d[0]["status"] == "failed" and d)
    assert log[0]["error"] == "HTTP 500" and "secret" not in str(log)
