"""Signed webhook delivery (Standard Webhooks 1.0) with retries, SSRF checks and a delivery log.

Every request carries ``webhook-id`` (the message id, the same on retries), ``webhook-timestamp``
(unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``
keyed with the organization's secret ``whsec_<base64>`` (created on first use, rotatable by
admins, stored sealed with the organization's Fernet key). The signature is made by the
``standardwebhooks`` reference library; receivers verify with it or any Standard Webhooks library::

    from standardwebhooks.webhooks import Webhook
    payload = Webhook(secret).verify(body, headers)   # raises WebhookVerificationError

The target is checked after DNS resolution (:mod:`autonomos.core.network`, the policy sources
share) before every attempt and on every redirect
(followed by hand, at most :data:`MAX_REDIRECTS`), and the connection goes to the checked
address, so DNS rebinding cannot redirect it. Non-2xx answers and network errors are retried with
exponential backoff up to ``max_attempts``; a refused target is final.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import logging
import secrets
import time
import uuid
from urllib.parse import urljoin

import httpx
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook

from autonomos import __version__
from autonomos.core.network import Target, UnsafeURLError, address_problem, resolve_target
from autonomos.core.retry import exponential_delay
from autonomos.server.db.base import utcnow
from autonomos.server.db.session import TenantSession
from autonomos.server.pagination import paginate
from autonomos.server.resources.secrets import open_text, seal_text
from autonomos.server.tasks.config import allow_private_from_env
from autonomos.server.tasks.models import WebhookDelivery, WebhookSettings
from autonomos.server.tasks.registry import Runtime

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
SECRET_PREFIX = "whsec_"


class SecretUnreadable(Exception):
    """The sealed secret does not decrypt with this server's ``AUTONOMOS_SECRET_KEY``."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def seal_secret(secret: str, secret_key: str, tenant_id: uuid.UUID) -> str:
    """The Fernet token stored in ``webhook_settings.secret_sealed`` (per-tenant key)."""
    return seal_text(secret, secret_key, tenant_id)


def open_secret(sealed: str, secret_key: str, tenant_id: uuid.UUID) -> str:
    """The plaintext ``whsec_…`` of a sealed secret; :class:`SecretUnreadable` when the key changed."""
    plain = open_text(sealed, secret_key, tenant_id)
    if plain is None:
        raise SecretUnreadable("the webhook signing secret cannot be decrypted (was AUTONOMOS_SECRET_KEY "
                               "changed?); rotate it to get a new one")
    return plain


def get_settings_row(session: TenantSession, secret_key: str) -> WebhookSettings:
    """The organization's webhook settings, created (with a fresh sealed secret) on first use. Commits."""
    row = session.scalar(select(WebhookSettings))
    if row is None:
        tenant_id = session.tenant_id
        assert tenant_id is not None, "webhook settings need a tenant-scoped session"
        session.add(WebhookSettings(tenant_id=tenant_id, secret_sealed=seal_secret(new_secret(), secret_key, tenant_id),
                                    allow_private_webhooks=False, created_at=utcnow()))
        try:
            session.commit()
        except Exception:  # another request created it at the same moment
            session.rollback()
        row = session.scalar(select(WebhookSettings))
        assert row is not None
    return row


def rotate_secret(session: TenantSession, secret_key: str) -> WebhookSettings:
    """A fresh secret signs every delivery from now on. Commits."""
    row = get_settings_row(session, secret_key)
    row.secret_sealed = seal_secret(new_secret(), secret_key, row.tenant_id)
    row.rotated_at = utcnow()
    session.commit()
    return row


def list_deliveries(session: TenantSession, task_id: uuid.UUID | None, limit: int | None,
                    cursor: str | None) -> tuple[list[WebhookDelivery], str | None]:
    """One page of the organization's delivery attempts (optionally of one task), oldest first."""
    stmt = select(WebhookDelivery)
    if task_id is not None:
        stmt = stmt.where(WebhookDelivery.task_id == task_id)
    return paginate(session, stmt, WebhookDelivery, limit, cursor)


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``{msg_id}.{timestamp}.{body}`` (``timestamp`` in unix
    seconds), made by the Standard Webhooks reference signer."""
    return Webhook(secret).sign(msg_id, dt.datetime.fromtimestamp(timestamp, tz=dt.timezone.utc), body)


def signed_headers(secret: str, msg_id: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": sign(secret, msg_id, ts, body),
            "content-type": "application/json", "user-agent": f"AutonomOS-Webhooks/{__version__}"}


def retry_delay(base: float, attempt: int) -> dt.timedelta:
    """Wait before attempt ``attempt + 1``: base·2^(attempt-1), at most one hour."""
    return dt.timedelta(seconds=exponential_delay(attempt, base, 3600.0))


def private_targets_allowed(runtime: Runtime | None = None) -> bool:
    """Whether callbacks may reach private addresses: the operator's server setting only (the
    environment, or the settings of ``runtime``, the process's task runtime when there is one)."""
    return allow_private_from_env() or (runtime is not None and runtime.settings.webhooks_allow_private)


def allowed_targets(runtime: Runtime | None = None) -> frozenset[tuple[str, int]]:
    """The exact private ``(host, port)`` targets the operator lets through (``runtime``'s settings)."""
    return runtime.settings.webhook_allowed_targets if runtime is not None else frozenset()


def answer_for_log(response: httpx.Response) -> str:
    """``HTTP <code>`` and, only from a public address, the start of the body: a receiver on a
    private address the operator allowed may be an internal service, and the delivery log is
    shown to the organization."""
    try:
        private = address_problem(ipaddress.ip_address(response.request.url.host.strip("[]"))) is not None
    except (ValueError, RuntimeError):
        private = True
    return f"HTTP {response.status_code}" if private else f"HTTP {response.status_code}: {response.text[:200]}"


def post_checked(url: str, body: str, headers: dict[str, str], allow_private: bool, timeout: float,
                 exempt: frozenset[tuple[str, int]] = frozenset()) -> httpx.Response:
    """POST to ``url``, connecting only to checked addresses, following ≤ 3 redirects by hand
    (307/308 repeat the POST; so do 301/302/303 — a webhook is never downgraded to GET)."""
    for hop in range(MAX_REDIRECTS + 1):
        target = resolve_target(url, allow_private=allow_private, exempt=exempt)
        response = _post_to(target, body, headers, timeout)
        if response.status_code not in (301, 302, 303, 307, 308) or "location" not in response.headers:
            return response
        if hop == MAX_REDIRECTS:
            raise UnsafeURLError(f"more than {MAX_REDIRECTS} redirects")
        url = urljoin(url, response.headers["location"])
    raise AssertionError("unreachable")


def _post_to(target: Target, body: str, headers: dict[str, str], timeout: float) -> httpx.Response:
    """Connect to ``target.address`` while naming ``target.host`` (Host header, TLS SNI and cert check)."""
    split = httpx.URL(target.url)
    url = split.copy_with(host=target.address)
    host_header = target.host if split.port is None else f"{target.host}:{split.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        request = client.build_request("POST", url, content=body.encode(), headers={**headers, "host": host_header},
                                       extensions=extensions)
        return client.send(request)


def deliver(runtime: Runtime, delivery_id: uuid.UUID) -> str:
    """One attempt of one delivery (a Huey task). Returns the row's new status."""
    db = runtime.db
    with db.system_session() as s:
        tenant_id = s.scalar(select(WebhookDelivery.tenant_id).where(WebhookDelivery.id == delivery_id))
    if tenant_id is None:
        return "missing"
    with db.session(tenant_id) as s:
        now = utcnow()
        claimed = s.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                                          WebhookDelivery.status == "pending")
                            .values(status="sending", started_at=now)
                            .execution_options(synchronize_session=False)).rowcount
        s.commit()
        if claimed != 1:
            return "not-claimed"
        row = s.get(WebhookDelivery, delivery_id)
        settings_row = get_settings_row(s, runtime.server_settings.auth.secret_key)
        allow_private = private_targets_allowed(runtime)
        assert row is not None
        url, body, msg_id = row.url, row.body, row.msg_id
        secret_key, tid, sealed = runtime.server_settings.auth.secret_key, settings_row.tenant_id, settings_row.secret_sealed
    start = time.perf_counter()
    status, code, error = "failed", None, None
    try:
        secret = open_secret(sealed, secret_key, tid)
        response = post_checked(url, body, signed_headers(secret, msg_id, body), allow_private,
                                runtime.settings.webhook_timeout, exempt=allowed_targets(runtime))
        code = response.status_code
        if 200 <= code < 300:
            status = "delivered"
        else:
            error = answer_for_log(response)
    except UnsafeURLError as exc:
        status, error = "refused", str(exc)
    except SecretUnreadable as exc:  # retrying cannot help until an admin rotates the secret
        status, error = "refused", str(exc)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration = round((time.perf_counter() - start) * 1000, 1)
    with db.session(tenant_id) as s:
        row = s.get(WebhookDelivery, delivery_id)
        assert row is not None
        row.status, row.status_code, row.error, row.duration_ms, row.finished_at = status, code, error, duration, utcnow()
        next_row = None
        if status == "failed" and row.attempt < row.max_attempts:
            due = utcnow() + retry_delay(runtime.settings.webhook_backoff_base, row.attempt)
            next_row = WebhookDelivery(tenant_id=tenant_id, task_id=row.task_id, msg_id=row.msg_id,
                                       event_type=row.event_type, url=row.url, body=row.body, attempt=row.attempt + 1,
                                       max_attempts=row.max_attempts, status="pending", due_at=due, created_at=utcnow())
            s.add(next_row)
        s.commit()
        log.info("webhook %s attempt %d to %s: %s %s", msg_id, row.attempt, url, status, code or error)
        if next_row is not None:
            runtime.enqueue_delivery(next_row.id, delay=(next_row.due_at - utcnow()).total_seconds())
    return status
