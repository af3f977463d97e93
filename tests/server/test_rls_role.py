"""A server or worker logging into PostgreSQL as a superuser or a BYPASSRLS role would silently
lose row-level security (seen: the default ``postgres`` user). Both refuse to start unless the
operator sets ``AUTONOMOS_ALLOW_RLS_BYPASS``; an ordinary role starts (every other PostgreSQL
test server runs as one: tests/server/conftest.py ``pg_database``)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, text

from autonomos.core.errors import ConfigError
from autonomos.server.app import create_app
from autonomos.server.settings import DatabaseSettings, HTTPSettings, RedisSettings, Settings
from tests.server.helpers import fast_auth

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def _settings(url: str, data_dir: Path, tmp_path: Path, allow: bool = False) -> Settings:
    return Settings(data_dir=data_dir, db=DatabaseSettings(url=url, allow_rls_bypass=allow), redis=RedisSettings(),
                    auth=fast_auth(), http=HTTPSettings(static_dir=tmp_path / "no-static"))


@pytest.fixture
def bypass_role_url(pg_admin_database: str) -> Iterator[str]:
    """The session database as a NOSUPERUSER role that has BYPASSRLS."""
    role = f"autonomos_bypass_{uuid.uuid4().hex[:8]}"
    dbname = pg_admin_database.rsplit("/", 1)[1]
    admin = create_engine(pg_admin_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER BYPASSRLS'))
        con.execute(text(f'GRANT CONNECT ON DATABASE "{dbname}" TO "{role}"'))
    try:
        yield pg_admin_database.replace("//postgres@", f"//{role}@", 1)
    finally:
        with admin.connect() as con:
            con.execute(text(f'REVOKE ALL ON DATABASE "{dbname}" FROM "{role}"'))
            con.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()


def test_superuser_role_is_refused(pg_admin_database: str, data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        create_app(_settings(pg_admin_database, data_dir, tmp_path))
    message = str(refused.value)
    assert "'postgres' is a superuser" in message and "row-level security" in message, message
    assert "AUTONOMOS_ALLOW_RLS_BYPASS=true" in message and "docs/operations.md" in message, message


def test_bypassrls_role_is_refused(bypass_role_url: str, data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a BYPASSRLS role"):
        create_app(_settings(bypass_role_url, data_dir, tmp_path))


def test_the_operator_may_allow_it(pg_admin_database: str, data_dir: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_ALLOW_RLS_BYPASS", "true")
    assert DatabaseSettings.from_env(data_dir).allow_rls_bypass is True
    monkeypatch.setenv("AUTONOMOS_ALLOW_RLS_BYPASS", "maybe")
    with pytest.raises(ConfigError, match="AUTONOMOS_ALLOW_RLS_BYPASS must be true or false"):
        DatabaseSettings.from_env(data_dir)
    with TestClient(create_app(_settings(pg_admin_database, data_dir, tmp_path, allow=True))) as c:
        assert c.get("/health").status_code == 200


def test_an_ordinary_role_starts(pg_database: str, data_dir: Path, tmp_path: Path) -> None:
    with TestClient(create_app(_settings(pg_database, data_dir, tmp_path))) as c:
        assert c.get("/health").status_code == 200


def test_worker_refuses_a_superuser_with_a_clear_message(pg_admin_database: str, data_dir: Path) -> None:
    env = {**os.environ, "AUTONOMOS_DATABASE_URL": pg_admin_database, "AUTONOMOS_JWT_SECRET": "j" * 48,
           "AUTONOMOS_SECRET_KEY": "k" * 48, "AUTONOMOS_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("AUTONOMOS_ALLOW_RLS_BYPASS", None)
    done = subprocess.run([sys.executable, "-m", "autonomos.cli", "worker", "--workers", "1"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Error: the metadata database role 'postgres' is a superuser" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
