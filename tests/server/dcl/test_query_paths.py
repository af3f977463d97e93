"""Issue 8, item 1: one tenant read another's rows out of DuckDB's shared spill folder.

Seen: while A ran a large sorting query, B listed ``glob('<cwd>/.tmp/*')`` and pulled A's emails out
of a spill file with ``read_blob``; ``duckdb_settings()`` showed the folder. Now every reader spills
to a folder of its own, removed when it closes, and no query can name a file, a setting or a
server path.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest
from litestar.testing import TestClient

from autonomos.core.catalog import TenantCatalog
from autonomos.server.dcl import query
from tests.server.dcl.catalogs import install
from tests.server.helpers import Tenant


@pytest.fixture
def both(client: TestClient, two_tenants: tuple[Tenant, Tenant], settings: Any, demo_template: Path,
         stripe_template: Path) -> tuple[Tenant, Tenant]:
    a, b = two_tenants
    install(demo_template, settings.data_dir, a.org_id)
    install(stripe_template, settings.data_dir, b.org_id)
    return a, b


def q(client: TestClient, t: Tenant, sql: str) -> Any:
    return client.post("/dcl/query", json={"sql": sql}, headers=t.headers)


def _spilling_reader(catalog: TenantCatalog) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A's reader in the middle of a sort too big for its memory, with its spill files on disk."""
    con = catalog.reader(allow_files=True)
    con.execute("SET memory_limit='64MB'")
    con.execute("SET threads=1")
    con.execute("SET preserve_insertion_order=true")
    # asked first: another statement on the connection would end the sort (DuckDB 1.5)
    spill = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
    cur = con.execute("SELECT c.email || '-' || r.i AS leak, md5(r.i::varchar) AS k "
                      "FROM unified.contact c, range(60000) r(i) ORDER BY k")
    cur.fetchmany(10)
    return con, spill


def test_a_spilling_query_is_out_of_reach_of_another_tenant(client: TestClient, both: tuple[Tenant, Tenant],
                                                             settings: Any) -> None:
    a, b = both
    catalog_a = TenantCatalog(a.org_id, settings.data_dir)
    con, spill = _spilling_reader(catalog_a)
    try:
        files = [p for p in spill.rglob("*") if p.is_file()] if spill.exists() else []
        assert files, "the sort should have spilled (the attack needs spill files to exist)"
        assert spill.is_relative_to(catalog_a.root), spill  # inside A's own folder, not the shared .tmp
        # B, through the API, names A's folder, A's file and the process-wide default folder
        for target in (f"{spill}/*", str(files[0]), f"{os.getcwd()}/.tmp/*", f"{spill.parent}/*/*"):
            for sql in (f"SELECT file FROM glob('{target}')", f"SELECT content FROM read_blob('{target}')"):
                r = q(client, b, sql)
                assert r.status_code == 422, (sql, r.text)
                assert "not allowed" in r.json()["detail"]
        # and even below the API, B's own reader (external access off) may not open A's folder
        con_b = TenantCatalog(b.org_id, settings.data_dir).reader()
        try:
            with pytest.raises(duckdb.PermissionException):
                con_b.execute(f"SELECT * FROM glob('{spill}/*')").fetchall()
            with pytest.raises(duckdb.PermissionException):
                con_b.execute(f"SELECT * FROM read_blob('{files[0]}')").fetchall()
        finally:
            con_b.close()
    finally:
        con.close()
    del con
    gc.collect()
    assert not spill.exists(), "a reader's spill folder is removed when it closes"


PATH_QUERIES = [
    "SELECT value FROM duckdb_settings() WHERE name = 'allowed_directories'",
    "SELECT * FROM duckdb_settings()",
    "FROM duckdb_settings",
    "SELECT path FROM duckdb_databases()",
    "FROM duckdb_databases",
    "SELECT current_setting('temp_directory')",
    "SELECT current_setting('home_directory')",
    "FROM pg_catalog.pg_settings",
    "FROM pragma_database_list",
    "SELECT * FROM duckdb_temporary_files()",
    "SELECT * FROM query('SELECT * FROM duckdb_settings()')",
    "SUMMARIZE SELECT * FROM duckdb_settings()",
    "WITH s AS (SELECT * FROM main.duckdb_databases()) SELECT * FROM s",
    "SELECT (SELECT max(path) FROM system.main.duckdb_databases()) AS p",
]


def test_no_query_shows_a_server_path(client: TestClient, both: tuple[Tenant, Tenant], settings: Any) -> None:
    a, _ = both
    data_dir = str(Path(settings.data_dir).resolve())
    for sql in PATH_QUERIES:
        r = q(client, a, sql)
        assert r.status_code == 422, (sql, r.text)
        assert data_dir not in r.text and "/root" not in r.text and os.getcwd() not in r.text, (sql, r.text)
    assert q(client, a, "SELECT count(*) FROM unified.account").status_code == 200
    assert q(client, a, "DESCRIBE SELECT * FROM unified.account").status_code == 200
    assert q(client, a, "SELECT database_name FROM duckdb_tables() LIMIT 1").status_code == 200


def test_no_builtin_view_or_function_left_open_shows_a_path(both: tuple[Tenant, Tenant], settings: Any) -> None:
    """Every built-in view and every argument-less function the filter lets through, called on a
    real reader: none shows the data folder, the tenant folder, the spill folder or a home folder."""
    a, _ = both
    catalog = TenantCatalog(a.org_id, settings.data_dir)
    con = query.open_reader(catalog)
    secrets = [str(Path(settings.data_dir).resolve()), str(catalog.root), os.getcwd(), str(Path.home())]
    tried = 0
    try:
        views = con.execute("SELECT schema_name, view_name FROM duckdb_views() WHERE internal").fetchall()
        calls = [f'SELECT * FROM "{s}"."{v}"' for s, v in views]
        functions = con.execute("SELECT DISTINCT function_name, function_type FROM duckdb_functions() "
                                "WHERE function_type IN ('table', 'scalar', 'table_macro', 'macro')").fetchall()
        calls += [f"SELECT * FROM {f}()" if t.startswith("table") else f"SELECT {f}()" for f, t in functions
                  if f.isidentifier()]
        for sql in calls:
            try:
                statement = query.check_sql(con, sql)
            except query.QueryError:
                continue  # refused before it runs
            try:
                rows = con.execute(statement).fetchmany(10_000)
            except duckdb.Error:
                continue
            tried += 1
            shown = repr(rows)
            assert not any(s in shown for s in secrets), (sql, shown[:500])
    finally:
        con.close()
    assert tried > 100  # the scan really ran
