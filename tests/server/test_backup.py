"""``autonomos backup`` / ``restore`` round-trip an organization exactly, on SQLite and PostgreSQL.

Organization A gets sources (an uploaded file, the demo), a stored pipeline with a schedule,
runs (tasks, run logs), a review decision, LLM settings with a sealed key and a webhook signing
secret; B gets its own data. A backup of A restored into a fresh data dir and a fresh database
answers every listing of the API, the review queue and ``autonomos query`` byte for byte as the
original does, holds nothing of B, and opens A's sealed secrets. Damaged, newer, conflicting
and wrong-key archives are refused before anything is written.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, func, select, text

from autonomos.core.catalog import TenantCatalog
from autonomos.server.app import create_app
from autonomos.server.backup import key_fingerprint
from autonomos.server.db.models import Organization
from autonomos.server.settings import DatabaseSettings, Settings
from tests.server.dcl.catalogs import wait_task
from tests.server.databases import backend_of, fresh_database
from tests.server.helpers import Tenant, login, new_tenant

CSV = b"customer_id,customer_name,email\n1,Acme,ops@acme.test\n2,Globex,it@globex.test\n3,Initech,hi@initech.test\n"
PIPELINE = ("sources:\n  - name: stripe\n    connector: demo\n    config: {system: stripe}\n"
            "  - name: erp\n    connector: demo\n    config: {system: erp}\n")
LLM_KEY = "sk-backup-test-0123456789abcdef"
QUERIES = ("SELECT * FROM unified.account ORDER BY ALL",
           "SELECT * FROM src_crm.customers ORDER BY ALL",
           "SELECT table_schema, table_name FROM information_schema.tables ORDER BY ALL")


def _cli(data_dir: Path, db_url: str, *args: str, secret_key: str = "k" * 48) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUTONOMOS_DATA_DIR": str(data_dir), "AUTONOMOS_DATABASE_URL": db_url,
           "AUTONOMOS_SECRET_KEY": secret_key, "AUTONOMOS_JWT_SECRET": "j" * 48, "COLUMNS": "200"}
    env.pop("AUTONOMOS_REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "autonomos.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc.stdout


def _populate(client: TestClient, a: Tenant, b: Tenant) -> None:
    """Everything an organization has, made through the API as a user would."""
    assert client.post("/api/v1/files", files={"file": ("customers.csv", CSV, "text/csv")},
                       headers=a.headers).status_code == 201
    r = client.post("/api/v1/sources", json={"name": "crm", "connector": "files", "config": {"path": "customers.csv"}},
                    headers=a.headers)
    assert r.status_code == 201, r.text
    r = client.post("/dcl/connect", json={"sources": ["crm"]}, headers=a.headers)
    assert r.status_code == 202, r.text
    assert wait_task(client, a.headers, r.json()["id"])["status"] == "success"
    r = client.post("/api/v1/pipelines", params={"name": "billing"}, content=PIPELINE.encode(),
                    headers={**a.headers, "Content-Type": "application/yaml"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert client.put(f"/api/v1/pipelines/{pid}/schedule", json={"cron": "0 0 1 1 *", "timezone": "Europe/Berlin"},
                      headers=a.headers).status_code == 200
    r = client.post(f"/api/v1/pipelines/{pid}/run", headers=a.headers)
    assert wait_task(client, a.headers, r.json()["id"])["status"] == "success"
    queue = client.get("/dcl/review", headers=a.headers).json()
    assert queue, "the demo leaves mappings to review"
    r = client.post(f"/dcl/review/{queue[0]['id']}", json={"decision": "reject"}, headers=a.headers)
    assert r.status_code == 200, r.text
    assert client.put("/api/v1/settings/llm", json={"provider": "openai", "model": "gpt-test-mini", "api_key": LLM_KEY},
                      headers=a.headers).status_code == 200
    assert client.get("/api/v1/webhooks/secret", headers=a.headers).status_code == 200
    # B: data of its own, which A's backup must not carry
    assert client.post("/api/v1/files", files={"file": ("beta-only.csv", b"id\n7\n", "text/csv")},
                       headers=b.headers).status_code == 201
    assert client.post("/api/v1/pipelines", json={"name": "beta-pipeline", "yaml": PIPELINE},
                       headers=b.headers).status_code == 201


def _items(client: TestClient, t: Tenant, path: str) -> Any:
    r = client.get(path, headers=t.headers, params={"limit": 200} if path.startswith("/api/v1/") else None)
    assert r.status_code == 200, (path, r.text)
    return r.json()


def _snapshot(client: TestClient, t: Tenant) -> dict[str, Any]:
    """Every answer of the API about the organization's state (listings, details, rows, queries)."""
    out: dict[str, Any] = {}
    for path in ("/api/v1/organization", "/api/v1/members", "/api/v1/sources", "/api/v1/pipelines",
                 "/api/v1/schedules", "/api/v1/runs", "/api/v1/tasks", "/api/v1/files", "/api/v1/settings/llm",
                 "/api/v1/webhooks/secret", "/api/v1/webhooks/settings", "/api/v1/webhooks/deliveries",
                 "/api/v1/api-keys", "/api/v1/invitations", "/dcl/sources", "/dcl/tables", "/dcl/mappings",
                 "/dcl/review", "/dcl/views", "/dcl/lineage?q=account", "/dcl/state", "/aoa/agents"):
        out[path] = _items(client, t, path)
    for p in out["/api/v1/pipelines"]["items"]:
        for path in (f"/api/v1/pipelines/{p['id']}", f"/api/v1/pipelines/{p['id']}/schedule"):
            out[path] = _items(client, t, path)
    for s in out["/api/v1/sources"]["items"]:
        out[f"/api/v1/sources/{s['id']}"] = _items(client, t, f"/api/v1/sources/{s['id']}")
    for run in out["/api/v1/runs"]["items"]:
        for path in (f"/api/v1/runs/{run['id']}", f"/api/v1/runs/{run['id']}/logs"):
            out[path] = _items(client, t, path)
    for view in out["/dcl/views"]:
        out[f"/dcl/views/{view['entity']}"] = _items(client, t, f"/dcl/views/{view['entity']}")
    for rel in out["/dcl/tables"]:
        out[f"rows {rel['schema']}.{rel['name']}"] = _items(client, t, f"/dcl/tables/{rel['schema']}/{rel['name']}/rows")
    for sql in QUERIES:
        r = client.post("/dcl/query", json={"sql": sql}, headers=t.headers)
        assert r.status_code == 200, r.text
        out[sql] = {k: v for k, v in r.json().items() if k != "seconds"}  # how long it took, not what it says
    return out


def _cli_queries(data_dir: Path, db_url: str, tenant: Tenant) -> list[Any]:
    return [json.loads(_ok(_cli(data_dir, db_url, "query", sql, "--tenant", str(tenant.org_id), "--json")))
            for sql in QUERIES] + [json.loads(_ok(_cli(data_dir, db_url, "review", "list", "--all", "--json",
                                                      "--tenant", str(tenant.org_id))))]


@pytest.fixture
def populated(client: TestClient, two_tenants: tuple[Tenant, Tenant]) -> tuple[Tenant, Tenant]:
    a, b = two_tenants
    _populate(client, a, b)
    return a, b


@pytest.fixture
def target(db_url: str, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A fresh data dir and a fresh, never migrated database of the same kind as the source."""
    with fresh_database(backend_of(db_url), tmp_path / "target-db") as url:
        yield tmp_path / "target-data", url


def _restored_app(settings: Settings, data_dir: Path, url: str) -> Settings:
    from dataclasses import replace

    return replace(settings, data_dir=data_dir, db=DatabaseSettings(url=url))


def test_round_trip_is_exact(client: TestClient, populated: tuple[Tenant, Tenant], settings: Settings,
                             target: tuple[Path, str], tmp_path: Path) -> None:
    a, b = populated
    before = _snapshot(client, a)
    assert before["/api/v1/settings/llm"]["api_key_set"] is True
    assert before["/dcl/review"] and before["rows src_crm.customers"]
    assert len(before["/api/v1/runs"]["items"]) == 2 and len(before["/api/v1/tasks"]["items"]) == 2
    assert before["/api/v1/schedules"]["items"] and before["/api/v1/files"]["items"]
    assert [m["status"] for m in before["/dcl/mappings"]].count("rejected") == 1
    cli_before = _cli_queries(settings.data_dir, settings.db.url, a)
    archive = tmp_path / "alpha.tar.gz"
    out = _ok(_cli(settings.data_dir, settings.db.url, "backup", str(archive), "--org", "alpha-corp"))
    assert "alpha-corp" in out and f"fingerprint {key_fingerprint('k' * 48)}" in out, out

    # nothing of B in the archive
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        blob = b"".join(tar.extractfile(m).read() for m in tar if m.isfile())  # type: ignore[union-attr]
    assert [t["slug"] for t in manifest["tenants"]] == ["alpha-corp"]
    assert manifest["schema_revision"] and manifest["created_at"] and manifest["secrets"]["sealed_values"] == 2
    for trace in (str(b.org_id), str(b.org_id).replace("-", ""), b.email, "beta-only", "beta-pipeline"):
        assert trace.encode() not in blob, trace
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    assert f"catalogs/{a.org_id}/files/customers.csv" in manifest["files"]

    data_dir, url = target
    out = _ok(_cli(data_dir, url, "restore", str(archive)))
    assert "restored alpha-corp" in out, out
    assert _cli_queries(data_dir, url, a) == cli_before
    with TestClient(create_app(_restored_app(settings, data_dir, url))) as restored:
        a2 = Tenant(a.org_id, a.email, a.password, login(restored, a.email, a.password))
        after = _snapshot(restored, a2)
        for key in before:
            assert after[key] == before[key], key
        assert after == before
        assert restored.post("/api/v1/auth/login", data={"username": b.email, "password": b.password}).status_code == 401
        # the restored organization works: its stored pipeline runs again on the restored catalog
        pid = before["/api/v1/pipelines"]["items"][0]["id"]
        r = restored.post(f"/api/v1/pipelines/{pid}/run", headers=a2.headers)
        assert r.status_code == 202, r.text
        assert wait_task(restored, a2.headers, r.json()["id"])["status"] == "success"
    engine = create_engine(url)
    with engine.connect() as con:
        assert con.scalar(select(func.count()).select_from(Organization)) == 1
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_embedded_backup_restores_into_postgresql(client: TestClient, populated: tuple[Tenant, Tenant],
                                                  settings: Settings, tmp_path: Path) -> None:
    """Moving from embedded mode to production mode: the SQLite installation's organization,
    restored into PostgreSQL, answers the same."""
    a, _ = populated
    before = _snapshot(client, a)
    archive = tmp_path / "move.tar.gz"
    _ok(_cli(settings.data_dir, settings.db.url, "backup", str(archive), "--org", str(a.org_id)))
    with fresh_database("postgres", tmp_path / "pg") as url:
        _ok(_cli(tmp_path / "pg-data", url, "restore", str(archive)))
        with TestClient(create_app(_restored_app(settings, tmp_path / "pg-data", url))) as restored:
            a2 = Tenant(a.org_id, a.email, a.password, login(restored, a.email, a.password))
            assert _snapshot(restored, a2) == before


def _repack(archive: Path, out: Path, change: Any) -> None:
    """``archive`` rewritten with ``change(name, data) -> data`` applied to each member."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for m in src:
            data = change(m.name, src.extractfile(m).read())  # type: ignore[union-attr]
            info = tarfile.TarInfo(m.name)
            info.size, info.mtime = len(data), m.mtime
            dst.addfile(info, io.BytesIO(data))


def _nothing_restored(data_dir: Path, url: str) -> None:
    assert not (data_dir / "tenants").exists() or not any(p for p in (data_dir / "tenants").iterdir()
                                                           if not p.name.startswith("."))
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            has_orgs = "organizations" in {r[0] for r in con.execute(text(
                "SELECT name FROM sqlite_master WHERE type='table'" if url.startswith("sqlite")
                else "SELECT tablename FROM pg_tables WHERE schemaname='public'"))}
            assert not has_orgs or con.scalar(text("SELECT count(*) FROM organizations")) == 0
    finally:
        engine.dispose()


def test_damaged_newer_conflicting_and_wrong_key_archives_are_refused(
        client: TestClient, populated: tuple[Tenant, Tenant], settings: Settings, target: tuple[Path, str],
        tmp_path: Path) -> None:
    a, _ = populated
    archive = tmp_path / "all.tar.gz"
    _ok(_cli(settings.data_dir, settings.db.url, "backup", str(archive)))
    data_dir, url = target
    with tarfile.open(archive) as tar:
        victim = next(m.name for m in tar if m.name.endswith(".duckdb"))

    def flip(name: str, data: bytes) -> bytes:
        if name != victim:
            return data
        return data[:100] + bytes([data[100] ^ 0x01]) + data[101:]

    flipped = tmp_path / "flipped.tar.gz"
    _repack(archive, flipped, flip)
    r = _cli(data_dir, url, "restore", str(flipped))
    assert r.returncode != 0 and victim in r.stderr and "checksum" in r.stderr, r.stderr
    _nothing_restored(data_dir, url)

    raw = bytearray(archive.read_bytes())  # a flipped byte in the compressed stream
    raw[len(raw) // 2] ^= 0x40
    (tmp_path / "raw.tar.gz").write_bytes(bytes(raw))
    r = _cli(data_dir, url, "restore", str(tmp_path / "raw.tar.gz"))
    assert r.returncode != 0 and "raw.tar.gz" in r.stderr and "nothing was restored" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    _nothing_restored(data_dir, url)

    def newer(name: str, data: bytes) -> bytes:
        return data.replace(b'"schema_revision": "', b'"schema_revision": "9') if name == "manifest.json" else data

    _repack(archive, tmp_path / "newer.tar.gz", newer)
    r = _cli(data_dir, url, "restore", str(tmp_path / "newer.tar.gz"))
    assert r.returncode != 0 and "newer than this AutonomOS" in r.stderr, r.stderr


    with tarfile.open(tmp_path / "evil.tar.gz", "w:gz") as dst, tarfile.open(archive) as src:
        for m in src:
            dst.addfile(m, src.extractfile(m))
        info = tarfile.TarInfo("catalogs/../../escape.txt")
        info.size = 1
        dst.addfile(info, io.BytesIO(b"x"))
    r = _cli(data_dir, url, "restore", str(tmp_path / "evil.tar.gz"))
    assert r.returncode != 0 and "escape.txt" in r.stderr, r.stderr
    assert not (tmp_path / "escape.txt").exists()

    r = _cli(data_dir, url, "restore", str(archive), secret_key="w" * 48)
    assert r.returncode != 0 and "AUTONOMOS_SECRET_KEY" in r.stderr and key_fingerprint("k" * 48) in r.stderr, r.stderr
    _nothing_restored(data_dir, url)

    r = _cli(data_dir, url, "restore", str(archive), "--org", "gamma")
    assert r.returncode != 0 and "alpha-corp" in r.stderr and "beta-corp" in r.stderr, r.stderr

    # the sound archive restores; a second time it is refused unless --replace
    assert "restored alpha-corp, beta-corp" in _ok(_cli(data_dir, url, "restore", str(archive)))
    r = _cli(data_dir, url, "restore", str(archive), "--org", "alpha-corp")
    assert r.returncode != 0 and "already exists" in r.stderr and "--replace" in r.stderr, r.stderr
    # --replace puts the backup's state back over later changes
    with TestClient(create_app(_restored_app(settings, data_dir, url))) as restored:
        a2 = Tenant(a.org_id, a.email, a.password, login(restored, a.email, a.password))
        pid = restored.get("/api/v1/pipelines", headers=a2.headers).json()["items"][0]["id"]
        assert restored.delete(f"/api/v1/pipelines/{pid}", headers=a2.headers).status_code == 204
        before_files = restored.get("/api/v1/files", headers=a2.headers).json()
        assert restored.delete("/api/v1/files/customers.csv", headers=a2.headers).status_code == 204
    out = _ok(_cli(data_dir, url, "restore", str(archive), "--org", "alpha-corp", "--replace"))
    assert "restored alpha-corp" in out and "users already here kept" in out, out
    with TestClient(create_app(_restored_app(settings, data_dir, url))) as restored:
        a2 = Tenant(a.org_id, a.email, a.password, login(restored, a.email, a.password))
        assert [p["id"] for p in restored.get("/api/v1/pipelines", headers=a2.headers).json()["items"]] == [pid]
        assert restored.get("/api/v1/files", headers=a2.headers).json() == before_files


def test_bad_invocations_are_clear_errors(settings: Settings, client: TestClient, tmp_path: Path) -> None:
    solo = new_tenant(client, "Solo Org", "solo@solo.test")
    lock = TenantCatalog(solo.org_id, settings.data_dir).writer_lock()  # a run writing the catalog
    lock.acquire()
    try:
        r = _cli(settings.data_dir, settings.db.url, "backup", str(tmp_path / "busy.tar.gz"), "--wait", "0.5")
    finally:
        lock.release()
    assert r.returncode != 0 and "solo-org: a run is still writing" in r.stderr and "--wait" in r.stderr, r.stderr
    assert not (tmp_path / "busy.tar.gz").exists() and not list(tmp_path.glob(".busy.tar.gz*"))
    r = _cli(settings.data_dir, settings.db.url, "backup", str(tmp_path / "x.tar.gz"), "--org", "nobody")
    assert r.returncode != 0 and "--org 'nobody'" in r.stderr and "solo-org" in r.stderr, r.stderr
    assert not (tmp_path / "x.tar.gz").exists()
    r = _cli(settings.data_dir, settings.db.url, "restore", str(tmp_path / "missing.tar.gz"))
    assert r.returncode != 0 and "no such file" in r.stderr, r.stderr
    (tmp_path / "not-a-backup.tar.gz").write_bytes(gzip.compress(b"hello"))
    r = _cli(settings.data_dir, settings.db.url, "restore", str(tmp_path / "not-a-backup.tar.gz"))
    assert r.returncode != 0 and "not-a-backup.tar.gz" in r.stderr and "Traceback" not in r.stderr, r.stderr
