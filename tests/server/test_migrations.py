"""The migrations build exactly the models' schema, upgrade and downgrade cleanly, run from any cwd."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from alembic.script import ScriptDirectory

from autonomos.server.db.migrate import alembic_config, current_revision, downgrade, upgrade
from autonomos.server.db.registry import metadata


def test_models_match_migrations(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def _head(url: str) -> str:
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return heads[0]


def test_upgrade_downgrade_roundtrip(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    upgrade(url)
    assert current_revision(url) == _head(url)
    downgrade(url, "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(url)
    assert current_revision(url) == _head(url)


def test_cli_migrate_and_users_create_from_any_directory(tmp_path: Path) -> None:
    env = {**os.environ, "AUTONOMOS_DATA_DIR": str(tmp_path / "data")}
    exe = [sys.executable, "-m", "autonomos.cli"]
    r = subprocess.run([*exe, "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    head = _head(f"sqlite:///{tmp_path / 'data' / 'autonomos.sqlite'}")
    assert r.returncode == 0 and f"revision {head}" in r.stdout, r.stderr
    secrets = tmp_path / "data" / "secrets"
    assert (secrets / "jwt_secret").stat().st_mode & 0o777 == 0o600
    r = subprocess.run([*exe, "users", "create", "--org", "Ops Org", "--email", "ops@ops.test",
                        "--password", "long-enough-pw", "--role", "admin"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "ops@ops.test is admin of Ops Org" in r.stdout, r.stderr
    r = subprocess.run([*exe, "users", "create", "--org", "Ops Org", "--email", "x@ops.test", "--password", "short"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "--password must be at least 8" in r.stderr
