"""The webhook signing secret is sealed at rest (per-tenant Fernet key, like source secrets):
not in the database in plain text, still shown to admins, still signing verifiable callbacks,
converted by migration 0004 both ways."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from litestar.testing import TestClient
from sqlalchemy import create_engine, select, text
from standardwebhooks.webhooks import Webhook

from autonomos.server.app import create_app
from autonomos.server.db.base import utcnow
from autonomos.server.db.session import Database
from autonomos.server.db.migrate import alembic_config
from autonomos.server.resources.secrets import tenant_key
from autonomos.server.settings import Settings
from autonomos.server.tasks import webhooks
from autonomos.server.tasks.huey_app import TaskRuntime
from autonomos.server.tasks.models import WebhookDelivery
from autonomos.server.tasks.plugin import TasksPlugin
from autonomos.server.tasks.service import create_and_enqueue
from tests.server.databases import owned_pg_database
from tests.server.helpers import Tenant, fast_auth
from tests.server.tasks.conftest import FAST, Receiver, wait_for, wait_status


def _system(con: Any) -> None:
    """Let a role under FORCE ROW LEVEL SECURITY see every organization's rows (this transaction)."""
    if con.dialect.name == "postgresql":
        con.execute(text("select set_config('autonomos.system', 'on', true)"))


def _raw_rows(url: str) -> list[dict[str, Any]]:
    """webhook_settings as the database holds it."""
    engine = create_engine(url)
    try:
        with engine.begin() as con:
            _system(con)
            return [dict(r._mapping) for r in con.execute(text("select * from webhook_settings"))]
    finally:
        engine.dispose()


def test_secret_is_sealed_in_the_database(tclient: TestClient, tapp: Any, settings: Settings,
                                          tenants: tuple[Tenant, Tenant], receiver: Receiver,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tenants
    secret = tclient.get("/api/v1/webhooks/secret", headers=a.headers).json()["secret"]
    other = tclient.get("/api/v1/webhooks/secret", headers=b.headers).json()["secret"]
    raw_key = secret.removeprefix("whsec_")
    rows = {str(r["tenant_id"]).replace("-", ""): r for r in _raw_rows(settings.db.url)}
    row = rows[a.org_id.hex]
    assert "secret" not in row  # the plaintext column is gone
    dump = repr(list(rows.values()))
    assert secret not in dump and raw_key not in dump and other.removeprefix("whsec_") not in dump
    assert base64.b64decode(raw_key).hex() not in dump.lower()
    # the row opens with A's key only
    sealed = row["secret_sealed"]
    assert tenant_key(settings.auth.secret_key, a.org_id).decrypt(sealed.encode()).decode() == secret
    with pytest.raises(webhooks.SecretUnreadable):
        webhooks.open_secret(sealed, settings.auth.secret_key, b.org_id)

    # callbacks are signed with it and verify with the standardwebhooks library
    monkeypatch.setenv("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", "true")  # the operator's switch
    with tapp.state.db.session(a.org_id) as s:
        task = create_and_enqueue(s, a.org_id, "test.echo", {"value": 7}, callback_url=receiver.url)
    wait_status(tclient, a, task.id)
    req = wait_for(lambda: receiver.requests and receiver.requests[0])
    assert Webhook(secret).verify(req["body"], req["headers"])["data"]["result"]["echo"] == 7

    # rotation stores the new one sealed too
    rotated = tclient.post("/api/v1/webhooks/secret/rotate", headers=a.headers).json()["secret"]
    assert rotated != secret and tclient.get("/api/v1/webhooks/secret", headers=a.headers).json()["secret"] == rotated
    dump = repr(_raw_rows(settings.db.url))
    assert rotated not in dump and rotated.removeprefix("whsec_") not in dump


def test_a_changed_server_key_answers_409_until_rotated(tclient: TestClient, settings: Settings,
                                                        tenants: tuple[Tenant, Tenant]) -> None:
    """A secret sealed under another AUTONOMOS_SECRET_KEY is reported (409 naming the cause), not a
    500; rotating makes a new one that works."""
    a, _ = tenants
    before = tclient.get("/api/v1/webhooks/secret", headers=a.headers).json()["secret"]
    moved = replace(settings, auth=fast_auth(secret_key="z" * 48))
    with TestClient(create_app(moved, plugins=[TasksPlugin(FAST)])) as other:
        r = other.get("/api/v1/webhooks/secret", headers=a.headers)
        assert r.status_code == 409 and "AUTONOMOS_SECRET_KEY" in r.json()["detail"], r.text
        assert other.get("/api/v1/webhooks/settings", headers=a.headers).status_code == 200  # the rest still works
        rotated = other.post("/api/v1/webhooks/secret/rotate", headers=a.headers).json()["secret"]
        assert rotated != before and other.get("/api/v1/webhooks/secret", headers=a.headers).json()["secret"] == rotated


def test_delivery_with_an_unreadable_secret_is_refused(tclient: TestClient, tapp: Any, settings: Settings,
                                                       tenants: tuple[Tenant, Tenant], receiver: Receiver) -> None:
    """A worker whose AUTONOMOS_SECRET_KEY differs cannot sign: the attempt ends refused with the
    reason, nothing is sent unsigned, and no retry is queued."""
    a, _ = tenants
    tclient.get("/api/v1/webhooks/secret", headers=a.headers)  # sealed under the app's key
    rt = TaskRuntime(replace(settings, auth=fast_auth(secret_key="z" * 48)), FAST, db=Database(settings.db))
    try:
        with tapp.state.db.session(a.org_id) as s:
            row = WebhookDelivery(msg_id="msg_unreadable", event_type="task.finished", url=receiver.url, body="{}",
                                  attempt=1, max_attempts=3, status="pending", created_at=utcnow())
            s.add(row)
            s.commit()
            delivery_id = row.id
        assert webhooks.deliver(rt, delivery_id) == "refused"
        with tapp.state.db.session(a.org_id) as s:
            rows = s.scalars(select(WebhookDelivery).where(WebhookDelivery.msg_id == "msg_unreadable")).all()
        assert len(rows) == 1 and rows[0].status == "refused" and "AUTONOMOS_SECRET_KEY" in rows[0].error
        assert receiver.requests == []
    finally:
        rt.stop()
        rt.db.dispose()


# -- migration 0004 ------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody migrated yet (the shared fixtures are already at head). On PostgreSQL it
    belongs to an ordinary role (no superuser, no BYPASSRLS) that runs the migrations, as in
    production: FORCE ROW LEVEL SECURITY applies to it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.sqlite'}"
        return
    with owned_pg_database("autonomos_m4") as url:
        yield url


def _migrate(url: str, revision: str, secret_key: str, down: bool = False) -> None:
    cfg = alembic_config(url)
    cfg.attributes["secret_key"] = secret_key
    (command.downgrade if down else command.upgrade)(cfg, revision)


def test_migration_0004_seals_existing_secrets_and_downgrade_opens_them(empty_db: str) -> None:
    key = "m" * 48
    _migrate(empty_db, "0003", key)
    orgs = {uuid.uuid4(): "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode() for _ in range(2)}
    engine = create_engine(empty_db)
    now = dt.datetime.now(dt.timezone.utc)
    organizations = sa.table("organizations", sa.column("id", sa.Uuid()), sa.column("name"), sa.column("slug"),
                             sa.column("created_at", sa.DateTime(timezone=True)))
    settings_0003 = sa.table("webhook_settings", sa.column("id", sa.Uuid()), sa.column("tenant_id", sa.Uuid()),
                             sa.column("secret"), sa.column("allow_private_webhooks", sa.Boolean()),
                             sa.column("created_at", sa.DateTime(timezone=True)))
    with engine.begin() as con:
        _system(con)
        for i, (org, secret) in enumerate(orgs.items()):
            con.execute(organizations.insert().values(id=org, name=f"Org {i}", slug=f"org-{i}", created_at=now))
            con.execute(settings_0003.insert().values(id=uuid.uuid4(), tenant_id=org, secret=secret,
                                                      allow_private_webhooks=False, created_at=now))
    engine.dispose()

    _migrate(empty_db, "0004", key)
    rows = _raw_rows(empty_db)
    assert len(rows) == 2 and all("secret" not in r for r in rows)
    for r in rows:
        org = uuid.UUID(str(r["tenant_id"]))
        assert orgs[org] not in r["secret_sealed"]
        assert webhooks.open_secret(r["secret_sealed"], key, org) == orgs[org]  # what the server will sign with

    _migrate(empty_db, "0003", key, down=True)
    assert {uuid.UUID(str(r["tenant_id"])): r["secret"] for r in _raw_rows(empty_db)} == orgs
    assert all("secret_sealed" not in r for r in _raw_rows(empty_db))
