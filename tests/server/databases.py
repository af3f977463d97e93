"""Fresh, empty metadata databases for tests that need a second installation (restore targets,
upgrades from an old revision): a SQLite path, or a PostgreSQL database of its own owned by an
ordinary role (NOSUPERUSER NOBYPASSRLS, as production runs), dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text

from tests.conftest import require_service

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a database nothing was ever written to (never migrated)."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / f'fresh-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    with owned_pg_database("autonomos_fresh") as url:
        yield url


@contextlib.contextmanager
def owned_pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named ``<prefix>_<random>``, owned by an ordinary role
    of the same name that logs in without a password (NOSUPERUSER NOBYPASSRLS: row-level
    security applies to it, as in production); both dropped afterwards."""
    require_service("PostgreSQL", 5432)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOBYPASSRLS'))
        con.execute(text(f'CREATE DATABASE "{name}" OWNER "{name}"'))
    try:
        yield f"postgresql+psycopg://{name}@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as con:
            con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            con.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgres"
