"""Server test fixtures: a migrated database per test (SQLite; PostgreSQL too under CI=true),
the app, a TestClient, and :func:`two_tenants` — two organizations with a logged-in owner each,
for proving isolation on every route.

Later route tests reuse them::

    def test_my_route(client, two_tenants):
        a, b = two_tenants
        r = client.post("/api/v1/sources", json={...}, headers=a.headers)
        assert client.get(f"/api/v1/sources/{r.json()['id']}", headers=b.headers).status_code == 404
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, text

from autonomos.server.app import create_app
from autonomos.server.db.migrate import upgrade
from autonomos.server.db.registry import metadata
from autonomos.server.settings import DatabaseSettings, HTTPSettings, RedisSettings, Settings
from tests.conftest import IN_CI, service_available
from tests.server.databases import PG_ADMIN_URL, owned_pg_database  # noqa: F401  (PG_ADMIN_URL: re-exported)
from tests.server.helpers import Tenant, fast_auth, new_tenant



def _backends() -> list[Any]:
    pg = pytest.param("postgres", marks=pytest.mark.postgres)
    return ["sqlite", pg] if IN_CI or service_available("127.0.0.1", 5432) else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied per test (migrating each time would be slower)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A uniquely named PostgreSQL database for this session, migrated, dropped at the end.

    It belongs to an ordinary role (NOSUPERUSER NOBYPASSRLS) that runs the migrations and that
    the test servers log in as, as in production (docs/operations.md): row-level security applies
    to every query they make, and the server refuses to start as a superuser
    (:func:`autonomos.server.db.session.refuse_rls_bypass`). :func:`pg_admin_database` is the
    same database as the ``postgres`` superuser, for tests that create roles."""
    with owned_pg_database("autonomos_test") as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def pg_admin_database(pg_database: str) -> str:
    """:func:`pg_database` as the ``postgres`` superuser (creating roles, granting)."""
    return pg_database.replace(f"//{pg_database.rsplit('/', 1)[1]}@", "//postgres@", 1)


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as con:
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        con.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A clean, migrated metadata database: SQLite always, PostgreSQL when available (required in CI)."""
    if request.param == "sqlite":
        path = tmp_path / "meta.sqlite"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


@pytest.fixture
def settings(db_url: str, data_dir: Path, tmp_path: Path) -> Settings:
    return Settings(data_dir=data_dir, db=DatabaseSettings(url=db_url), redis=RedisSettings(),
                    auth=fast_auth(), http=HTTPSettings(max_body_size=64 * 1024, static_dir=tmp_path / "no-static"))


@pytest.fixture
def app(settings: Settings) -> Any:
    return create_app(settings)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def two_tenants(client: TestClient) -> tuple[Tenant, Tenant]:
    """Organizations A and B, each with a logged-in owner."""
    return new_tenant(client, "Alpha Corp", "owner@alpha.test"), new_tenant(client, "Beta Corp", "owner@beta.test")


def pytest_configure(config: pytest.Config) -> None:
    # Litestar 2.x deprecation notices about 3.0 parameter styles; the project pins litestar<3.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:litestar")
    config.addinivalue_line("filterwarnings", "ignore::litestar.utils.deprecation.LitestarDeprecationWarning")
