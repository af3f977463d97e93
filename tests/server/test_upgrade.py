"""An upgrade from the previous release's schema keeps every row, and the app works on the result.

A fresh database is migrated to ``PREVIOUS`` (the schema of the release before schedules) and
filled with raw SQL for that revision, as that release wrote it: two organizations, a user,
a source with a sealed password and a table selection, a stored pipeline, a finished task, an API
key, LLM settings and a webhook secret, both sealed. ``autonomos migrate`` brings it to head;
every row reads back equal, the user logs in, the API key authenticates, the sealed secrets
open, the old pipeline takes a schedule (the new feature) and runs, and organization B's rows
stay invisible to A. A backup taken before the upgrade (the documented order) restores into a
fresh database at head through the migrations, with the same rows as the upgraded original.

``test_migrations.py`` checks the schema (models == migrations, a clean downgrade/upgrade);
this checks the data. ``PREVIOUS`` is pinned because the SQL below is that revision's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, select, text

from autonomos.server.app import create_app
from autonomos.server.auth.passwords import PasswordHasher
from autonomos.server.db.migrate import current_revision, upgrade
from autonomos.server.db.registry import metadata
from autonomos.server.resources.secrets import seal, seal_text, tenant_key
from autonomos.server.settings import DatabaseSettings, HTTPSettings, RedisSettings, Settings
from tests.server.conftest import _backends
from tests.server.databases import fresh_database
from tests.server.dcl.catalogs import wait_task
from tests.server.helpers import PASSWORD, fast_auth, login, system_connection
from tests.server.test_backup import _cli, _ok

PREVIOUS = "0006"
SECRET_KEY = "k" * 48  # fast_auth()'s
ORG_A, ORG_B = uuid.UUID("0a000000-0000-4000-8000-00000000000a"), uuid.UUID("0b000000-0000-4000-8000-00000000000b")
USER = uuid.UUID("0c000000-0000-4000-8000-00000000000c")
SOURCE, PIPELINE_A, PIPELINE_B = (uuid.UUID(f"0d00000{i}-0000-4000-8000-000000000000") for i in range(3))
TASK, KEY_ID = uuid.UUID("0e000000-0000-4000-8000-00000000000e"), uuid.UUID("0f000000-0000-4000-8000-00000000000f")
WHEN = dt.datetime(2026, 11, 30, 8, 15, 30, 123456, tzinfo=dt.timezone.utc)
YAML = "sources:\n  - name: stripe\n    connector: demo\n    config: {system: stripe}\n"
API_KEY = "ak_0123456789ab_" + "s" * 43
WEBHOOK_SECRET = "whsec_" + "QUJD" * 11


def _uuid(url: str, value: uuid.UUID) -> str:
    """A UUID as the previous release stored it: 32 hex digits in SQLite, native in PostgreSQL."""
    return value.hex if url.startswith("sqlite") else str(value)


def _when(url: str, value: dt.datetime) -> str:
    if url.startswith("sqlite"):
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(" ")
    return value.isoformat()


def _previous_release_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Rows at ``PREVIOUS``, written with raw SQL; returns what each should read back as."""
    hasher = PasswordHasher(fast_auth())
    config = seal({"url": "postgresql://reader:s3cret-pw@db.example.com:5432/crm", "schema": "public"},
                  tenant_key(SECRET_KEY, ORG_A))
    expected: dict[str, list[dict[str, Any]]] = {
        "organizations": [{"id": ORG_A, "name": "Alpha Corp", "slug": "alpha-corp", "created_at": WHEN},
                          {"id": ORG_B, "name": "Beta Corp", "slug": "beta-corp", "created_at": WHEN}],
        "users": [{"id": USER, "email": "owner@alpha.test", "password_hash": hasher.hash(PASSWORD),
                   "is_active": True, "created_at": WHEN}],
        "memberships": [{"id": uuid.uuid4(), "tenant_id": ORG_A, "user_id": USER, "role": "owner", "created_at": WHEN}],
        "sources": [{"id": SOURCE, "tenant_id": ORG_A, "name": "crm", "connector": "postgres", "config": config,
                     "selection": {"tables": ["accounts"], "exclude_columns": {"accounts": ["ssn"]}},
                     "created_at": WHEN, "updated_at": WHEN}],
        "pipelines": [{"id": PIPELINE_A, "tenant_id": ORG_A, "name": "billing", "yaml": YAML, "created_at": WHEN,
                       "updated_at": WHEN},
                      {"id": PIPELINE_B, "tenant_id": ORG_B, "name": "beta-only", "yaml": YAML, "created_at": WHEN,
                       "updated_at": WHEN}],
        "tasks": [{"id": TASK, "tenant_id": ORG_A, "kind": "pipeline.run", "status": "success",
                   "payload": {"pipeline_id": str(PIPELINE_A)}, "attempts": 1, "max_attempts": 3, "lease_owner": None,
                   "lease_until": None, "heartbeat_at": WHEN, "not_before": None, "enqueued_at": WHEN,
                   "progress": 1.0, "progress_message": "done", "result": {"rows": 42, "tables": ["charges"]},
                   "error": None, "callback_url": None, "cancel_requested": False, "started_at": WHEN,
                   "finished_at": WHEN + dt.timedelta(seconds=3), "retry_of": None, "created_at": WHEN}],
        "api_keys": [{"id": KEY_ID, "tenant_id": ORG_A, "name": "ci", "prefix": "0123456789ab",
                      "key_hash": hashlib.sha256(API_KEY.encode()).hexdigest(), "scopes": ["read"],
                      "created_by": USER, "last_used_at": None, "revoked_at": None, "created_at": WHEN}],
        "llm_settings": [{"tenant_id": ORG_A, "provider": "openai", "model": "gpt-test-mini",
                          "api_key": seal_text("sk-old-release-key", SECRET_KEY, ORG_A), "updated_at": WHEN}],
        "webhook_settings": [{"id": uuid.uuid4(), "tenant_id": ORG_A, "allow_private_webhooks": False,
                              "secret_sealed": seal_text(WEBHOOK_SECRET, SECRET_KEY, ORG_A), "rotated_at": None,
                              "created_at": WHEN}],
    }
    engine = create_engine(url)
    with system_connection(engine) as con:
        for table, rows in expected.items():
            for row in rows:
                values = {k: (_uuid(url, v) if isinstance(v, uuid.UUID) else _when(url, v) if isinstance(v, dt.datetime)
                              else json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in row.items()}
                cols = ", ".join(values)
                con.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + c for c in values)})"), values)
    engine.dispose()
    return expected


def _rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the models know, read with the models' types, in a stable order."""
    engine = create_engine(url)
    out = {}
    with system_connection(engine) as con:
        for table in metadata.sorted_tables:
            if table.name in ("login_attempts", "worker_heartbeats"):
                continue
            out[table.name] = sorted((dict(r._mapping) for r in con.execute(select(table))),
                                     key=lambda r: json.dumps(r, sort_keys=True, default=str))
    engine.dispose()
    return out


@pytest.mark.parametrize("backend", _backends())
def test_upgrade_from_the_previous_release_keeps_the_data(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path / "db") as url, fresh_database(backend, tmp_path / "db2") as url2:
        upgrade(url, PREVIOUS)
        expected = _previous_release_rows(url)
        data_dir = tmp_path / "data"
        backup = tmp_path / "before-upgrade.tar.gz"
        out = _ok(_cli(data_dir, url, "backup", str(backup)))  # the documented order: back up, then migrate
        assert f"schema revision {PREVIOUS}" in out, out

        _ok(_cli(data_dir, url, "migrate"))
        head = current_revision(url)
        assert head != PREVIOUS
        upgraded = _rows(url)
        for table, rows in expected.items():
            key = "tenant_id" if table == "llm_settings" else "id"
            got = {r[key]: r for r in upgraded[table]}
            for row in rows:
                assert {k: got[row[key]][k] for k in row} == row, table
            assert len(upgraded[table]) == len(rows), table
        assert upgraded["schedules"] == []

        settings = Settings(data_dir=data_dir, db=DatabaseSettings(url=url), redis=RedisSettings(), auth=fast_auth(),
                            http=HTTPSettings(static_dir=tmp_path / "no-static"))
        with TestClient(create_app(settings)) as client:
            headers = {"Authorization": f"Bearer {login(client, 'owner@alpha.test')}"}
            source = client.get(f"/api/v1/sources/{SOURCE}", headers=headers).json()
            assert source["config"] == {"url": "***", "schema": "public"}, source  # sealed at rest, masked here
            assert "s3cret" not in json.dumps(source) and source["select"]["tables"] == ["accounts"]
            assert client.get("/api/v1/settings/llm", headers=headers).json()["api_key_set"] is True
            assert client.get("/api/v1/webhooks/secret", headers=headers).json()["secret"] == WEBHOOK_SECRET
            assert client.get(f"/api/v1/tasks/{TASK}", headers=headers).json()["result"] == {"rows": 42,
                                                                                              "tables": ["charges"]}
            me = client.get("/api/v1/auth/me", headers={"X-API-Key": API_KEY})
            assert me.status_code == 200 and me.json()["organization"]["slug"] == "alpha-corp", me.text
            assert client.get(f"/api/v1/pipelines/{PIPELINE_B}", headers=headers).status_code == 404
            assert [p["name"] for p in client.get("/api/v1/pipelines", headers=headers).json()["items"]] == ["billing"]
            r = client.put(f"/api/v1/pipelines/{PIPELINE_A}/schedule", json={"cron": "0 0 1 1 *"}, headers=headers)
            assert r.status_code == 200, r.text
            r = client.post(f"/api/v1/pipelines/{PIPELINE_A}/run", headers=headers)
            assert r.status_code == 202, r.text
            assert wait_task(client, headers, r.json()["id"])["status"] == "success"

        # the pre-upgrade backup restores into a fresh installation at head, through the migrations
        out = _ok(_cli(tmp_path / "data2", url2, "restore", str(backup)))
        assert f"migrated from schema revision {PREVIOUS}" in out, out
        assert current_revision(url2) == head
        assert _rows(url2) == upgraded
