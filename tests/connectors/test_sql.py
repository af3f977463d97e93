"""The sql connector against SQLite (always), PostgreSQL and MariaDB (CI, or when reachable)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import socket
import uuid
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
import pytest
import sqlalchemy as sa

from autonomos.connectors.sql import SqlConnector
from autonomos.core.connector import ConnectorContext
from autonomos.core.errors import ConnectorError
from autonomos.core.plugins import PluginHost
from autonomos.core.serde import structure
from autonomos.testing import check_connector

IN_CI = os.environ.get("CI") == "true"
SERVERS = {
    "postgres": ("postgresql+psycopg://postgres@127.0.0.1:5432/test", 5432),
    "mariadb": ("mysql+pymysql://root@127.0.0.1:3306/test", 3306),
}


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, sa.Engine]]:
    """(backend, url, engine); each test creates uniquely named tables and drops them."""
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'src.sqlite'}"
    else:
        url, port = SERVERS[backend]
        if not IN_CI and not _reachable(port):
            pytest.skip(f"{backend} not reachable on 127.0.0.1:{port} (runs under CI=true)")
    engine = sa.create_engine(url)
    yield backend, url, engine
    engine.dispose()


def _name() -> str:
    return "t_" + uuid.uuid4().hex[:10]


def _make_table(engine: sa.Engine, name: str) -> sa.Table:
    meta = sa.MetaData()
    table = sa.Table(
        name, meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(50)),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("ratio", sa.Float),
        sa.Column("active", sa.Boolean),
        sa.Column("born", sa.Date),
        sa.Column("updated", sa.DateTime),
        sa.Column("data", sa.JSON),
        sa.Column("blob", sa.LargeBinary),
    )
    meta.create_all(engine)
    return table


def _rows(start: int, n: int) -> list[dict]:
    return [{"id": i, "name": f"n{i}", "amount": decimal.Decimal(f"{i}.25"), "ratio": i / 4, "active": i % 2 == 0,
             "born": dt.date(2000, 1, i), "updated": dt.datetime(2024, 1, 1, 12, i, 30),
             "data": {"k": i, "nested": [i]}, "blob": bytes([i])} for i in range(start, start + n)]


def _connector(url: str, tmp_path: Path, **config: object) -> SqlConnector:
    ctx = ConnectorContext(source_name="s", work_dir=tmp_path / "w", base_dir=tmp_path)
    return SqlConnector(structure({"url": url, **config}, SqlConnector.Config), ctx)


def _table(parts: Iterator[object]) -> pa.Table:
    """What read() yielded (batches, or one RecordBatchReader on the scanner path) as one table."""
    batches: list[pa.RecordBatch] = []
    for part in parts:
        batches.extend(part.read_all().to_batches() if isinstance(part, pa.RecordBatchReader) else [part])
    return pa.Table.from_batches(batches)


def test_registered_as_builtin() -> None:
    assert PluginHost(load_entrypoints=False).connector("sql") is SqlConnector


def test_all_types(db: tuple[str, str, sa.Engine], tmp_path: Path) -> None:
    backend, url, engine = db
    name = _name()
    table = _make_table(engine, name)
    try:
        with engine.begin() as conn:
            conn.execute(table.insert(), _rows(1, 3))
        report = check_connector(SqlConnector, {"url": url, "tables": [name], "batch_size": 2}, tmp_path)
        report.assert_ok()
        (schema,) = report.tables
        types = {f.name: f.type for f in schema.fields}
        assert schema.primary_key == ["id"] and schema.row_count == 3 and report.rows[name] == 3
        assert schema.write_disposition == "replace"
        assert types["amount"] == "DECIMAL(10,2)" and types["born"] == "DATE"
        assert types["updated"].startswith("TIMESTAMP") and types["ratio"] == "DOUBLE"
        assert types["blob"] == "BLOB" and types["name"] == "VARCHAR"
        assert schema.fields[1].samples == ["n1", "n2", "n3"]
        conn = _connector(url, tmp_path, tables=[name])
        (schema,) = conn.discover()
        batch = _table(conn.read(schema, {}))
        assert batch.schema.field("amount").type == pa.decimal128(10, 2)
        assert batch.schema.field("born").type == pa.date32()
        assert pa.types.is_timestamp(batch.schema.field("updated").type)
        assert batch.column("amount").to_pylist()[0] == decimal.Decimal("1.25")
        assert batch.column("born").to_pylist()[2] == dt.date(2000, 1, 3)
        assert json.loads(batch.column("data").to_pylist()[0]) == {"k": 1, "nested": [1]}
        # MariaDB stores BOOLEAN as TINYINT(1): read back as a boolean too (issue 9, item 5)
        assert types["active"] == "BOOLEAN" and batch.column("active").to_pylist() == [False, True, False]
        conn.close()
    finally:
        table.drop(engine)


def test_incremental_cursor(db: tuple[str, str, sa.Engine], tmp_path: Path) -> None:
    backend, url, engine = db
    name = _name()
    table = _make_table(engine, name)
    try:
        with engine.begin() as conn:
            conn.execute(table.insert(), _rows(1, 3))
        conn = _connector(url, tmp_path, tables=[name], cursor="updated")
        (schema,) = conn.discover()
        assert schema.cursor == "updated" and schema.write_disposition == "append"
        state: dict = {}
        first = _table(conn.read(schema, state)).num_rows
        assert first == 3 and state["cursor"] == "2024-01-01T12:03:30"
        saved = json.loads(json.dumps(state))
        with engine.begin() as c:
            c.execute(table.insert(), _rows(4, 2))
        again = _table(conn.read(schema, saved))
        assert sorted(again.column("id").to_pylist()) == [3, 4, 5]  # >=: the boundary row again (dedup by key)
        assert saved["cursor"] == "2024-01-01T12:05:30"
        if backend == "sqlite":  # read in batches: the boundary row again, the host drops the copy
            assert _table(conn.read(schema, saved)).column("id").to_pylist() == [5]
        else:  # DuckDB's scanner counts on the server first: nothing past the cursor, as many at it
            assert list(conn.read(schema, saved)) == []
            with engine.begin() as c:  # a late row at the stored maximum is not missed
                c.execute(table.insert(), [{**_rows(9, 1)[0], "updated": dt.datetime(2024, 1, 1, 12, 5, 30)}])
            assert sorted(_table(conn.read(schema, saved)).column("id").to_pylist()) == [5, 9]
            assert saved["at_cursor"] == 2 and list(conn.read(schema, saved)) == []
        conn.close()
    finally:
        table.drop(engine)


def test_a_full_refresh_stream_is_typed_without_a_raw_copy(db: tuple[str, str, sa.Engine], tmp_path: Path) -> None:
    """Issue 9, item 4: a typed table with its own PRIMARY KEY, copied by DuckDB's scanner
    straight into its table file, is written once (the copy becomes the typed table; no raw table
    in work.duckdb); a table with a text column that Normalize types (dates held as text) is
    typed from its copy into a file of its own, and the copy's file is removed. SQLite (no
    scanner) stores both raw first."""
    from autonomos.core.catalog import TenantCatalog
    from autonomos.core.pipeline.runner import Runner
    from autonomos.core.spec import parse_pipeline

    backend, url, engine = db
    typed, texty = _name(), _name()
    t1 = _make_table(engine, typed)
    meta = sa.MetaData()
    t2 = sa.Table(texty, meta, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                  sa.Column("signed_on", sa.String(20)))
    meta.create_all(engine)
    catalog = TenantCatalog("streams", data_dir=tmp_path / "data")
    spec = parse_pipeline(f"sources:\n  - name: shop\n    connector: sql\n    config:\n      url: '{url}'\n"
                          f"      tables: [{typed}, {texty}]\n")
    try:
        with engine.begin() as conn:
            conn.execute(t1.insert(), _rows(1, 20))
            conn.execute(t2.insert(), [{"id": i, "signed_on": f"2024-02-{i:02d}" if i != 7 else "soon"}
                                       for i in range(1, 28)])
        result = Runner(catalog).run(spec, base_dir=tmp_path)
        assert result.stats["rows"] == 47 and result.stats["bad_cells"] == 1
        con = catalog.reader()
        try:
            assert con.execute(f'SELECT count(*), sum(amount), min(born) FROM src_shop."{typed}"').fetchone() == (
                20, decimal.Decimal("215.00"), dt.date(2000, 1, 1))
            assert con.execute(f'SELECT count(*), count(signed_on), min(signed_on) FROM src_shop."{texty}"').fetchone() == (
                27, 26, dt.date(2024, 2, 1))
        finally:
            con.close()
        work = duckdb.connect(str(catalog.work_path), read_only=True)
        try:
            stored = {r[0] for r in work.execute("SELECT table_name FROM information_schema.tables "
                                                 "WHERE table_schema = 'src_shop'").fetchall()}
        finally:
            work.close()
        scanned = backend in ("postgres", "mariadb")  # the scanner's copy; SQLite reads in batches
        assert stored == (set() if scanned else {typed, texty})
        files = {p.name for p in (catalog.root / "tables").iterdir()}
        assert files == {t["file"] for t in catalog.current_manifest()["tables"].values()}  # no copy left
    finally:
        t1.drop(engine)
        t2.drop(engine)


def test_a_late_row_with_the_boundary_cursor_value_arrives_once(db: tuple[str, str, sa.Engine],
                                                                 tmp_path: Path) -> None:
    """Issue 9, item 5: ``WHERE cursor > :last`` never read a row committed after a run with the
    same timestamp as the stored maximum. Runs through the engine, rows committed between runs."""
    from autonomos.core.catalog import TenantCatalog
    from autonomos.core.pipeline.runner import Runner
    from autonomos.core.spec import parse_pipeline

    _, url, engine = db
    name = _name()
    table = _make_table(engine, name)
    catalog = TenantCatalog("late-rows", data_dir=tmp_path / "data")
    spec = parse_pipeline(f"sources:\n  - name: billing\n    connector: sql\n    config:\n      url: '{url}'\n"
                          f"      tables: [{name}]\n      cursor: updated\n")

    def ids() -> list[int]:
        con = catalog.reader()
        try:
            return [r[0] for r in con.execute(f'SELECT id FROM src_billing."{name}" ORDER BY id').fetchall()]
        finally:
            con.close()

    try:
        with engine.begin() as conn:
            conn.execute(table.insert(), _rows(1, 3))
        Runner(catalog).run(spec, base_dir=tmp_path)
        assert ids() == [1, 2, 3]
        late = {**_rows(9, 1)[0], "updated": dt.datetime(2024, 1, 1, 12, 3, 30)}  # = the stored maximum
        with engine.begin() as conn:
            conn.execute(table.insert(), [late])
        result = Runner(catalog).run(spec, base_dir=tmp_path)
        # row 3, read again by ``>=``, is an exact copy of the stored row: dropped, not deduplicated
        assert ids() == [1, 2, 3, 9] and result.stats["deduplicated"] == 0
        result = Runner(catalog).run(spec, base_dir=tmp_path)  # nothing new: nothing duplicated
        assert ids() == [1, 2, 3, 9] and result.stats["unchanged"] == 1
    finally:
        table.drop(engine)


@pytest.mark.parametrize("url", ["postgresql+psycopg://app:s3cret@127.0.0.1:1/test",
                                 "mysql+pymysql://app:s3cret@127.0.0.1:1/test"])
def test_refused_connection_masks_password(url: str, tmp_path: Path) -> None:
    conn = _connector(url, tmp_path)
    with pytest.raises(ConnectorError) as info:
        conn.check()
    msg = str(info.value)
    assert "connection refused" in msg and "s3cret" not in msg and "***" in msg and ":1/test" in msg


def test_an_unknown_role_and_an_unknown_database_are_told_apart(tmp_path: Path) -> None:
    """Issue 9, item 5: a PostgreSQL role that does not exist was reported as "database not found"."""
    url, port = SERVERS["postgres"]
    if not IN_CI and not _reachable(port):
        pytest.skip("postgres not reachable (runs under CI=true)")
    base = sa.engine.make_url(url)
    with pytest.raises(ConnectorError) as info:
        _connector(base.set(username="no_such_role_x").render_as_string(hide_password=False), tmp_path).check()
    assert "unknown user (role)" in str(info.value) and "database not found" not in str(info.value)
    with pytest.raises(ConnectorError) as info:
        _connector(base.set(database="no_such_db_x").render_as_string(hide_password=False), tmp_path).check()
    assert "database not found" in str(info.value)


def test_unknown_table_lists_available(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sa.create_engine(url)
    _make_table(engine, "accounts")
    with engine.begin() as c:
        c.execute(sa.text("CREATE VIEW v_accounts AS SELECT id, name FROM accounts"))
    with pytest.raises(ConnectorError, match=r"unknown table\(s\) nope .*available: accounts, v_accounts"):
        _connector(url, tmp_path, tables=["nope"]).discover()
    names = [t.name for t in _connector(url, tmp_path).discover()]
    assert names == ["accounts", "v_accounts"]


def test_missing_sqlite_file(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="SQLite database file not found"):
        _connector("sqlite:///missing.sqlite", tmp_path).check()
    assert not (tmp_path / "missing.sqlite").exists()


@pytest.mark.parametrize("backend", ["postgres", "mariadb"])
def test_the_scanner_reads_what_sqlalchemy_reads(backend: str, tmp_path: Path) -> None:
    """Issue 9, item 4: PostgreSQL and MariaDB go through DuckDB's scanner (reader: auto); the
    rows, Arrow types and cursor state equal the SQLAlchemy path's, including decimals the
    scanner alone would read as DOUBLE (numeric without precision, wider than 38 digits)."""
    url, port = SERVERS[backend]
    if not IN_CI and not _reachable(port):
        pytest.skip(f"{backend} not reachable (runs under CI=true)")
    engine = sa.create_engine(url)
    name = _name()
    if backend == "postgres":
        ddl = (f"CREATE TABLE {name} (id int PRIMARY KEY, exact numeric, wide numeric(50,10), amount numeric(10,2), "
               f"flag boolean, at timestamptz, seen timestamp, doc jsonb, uid uuid, tags int[], note text, big bigint)")
        row = (f"INSERT INTO {name} VALUES (1, 123456789012345678901234567890.123456789, 1.5, 12.34, true, "
               f"'2024-03-01 10:00:00+02', '2024-03-01 10:00:00', '{{\"a\": [1, 2]}}', "
               f"'6f1c1c8e-3c39-4a57-9b35-1f2f5f2b9c01', '{{1,2}}', 'it''s', 9007199254740993), "
               f"(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
    else:
        ddl = (f"CREATE TABLE {name} (id int PRIMARY KEY, wide decimal(50,10), amount decimal(10,2), flag tinyint(1), "
               f"seen datetime, doc json, note varchar(20), big bigint, day date)")
        row = (f"INSERT INTO {name} VALUES (1, 12345678901234567890123456789.1234567891, 12.34, 1, "
               f"'2024-03-01 10:00:00', '{{\"a\": [1, 2]}}', 'it''s', 9007199254740993, '2024-02-29'), "
               f"(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
    with engine.begin() as c:
        c.exec_driver_sql(ddl)
        c.exec_driver_sql(row)
    try:
        out = {}
        for reader in ("auto", "sqlalchemy"):
            conn = _connector(url, tmp_path, tables=[name], reader=reader, cursor="id")
            (schema,) = conn.discover()
            state: dict = {}
            got = _table(conn.read(schema, state)).sort_by("id")
            out[reader] = (got, state)
            if reader == "auto":
                assert conn._scanner is not None, "PostgreSQL/MariaDB did not use DuckDB's scanner"
            conn.close()
        (scanned, s1), (reflected, s2) = out["auto"], out["sqlalchemy"]
        assert scanned.schema == reflected.schema
        assert scanned.to_pylist() == reflected.to_pylist()
        assert s1 == {"cursor": 2, "at_cursor": 1} and s2 == {"cursor": 2}  # the scanner counts rows at it too
        exact = scanned.column("exact" if backend == "postgres" else "wide").to_pylist()[0]
        assert exact.startswith("123456789012345678901234567890.123456789" if backend == "postgres"
                                else "12345678901234567890123456789.1234567891"), exact  # every digit kept
        assert json.loads(scanned.column("doc").to_pylist()[0]) == {"a": [1, 2]}
    finally:
        with engine.begin() as c:
            c.exec_driver_sql(f"DROP TABLE {name}")
        engine.dispose()


def test_the_scanner_connection_reaches_no_file_and_no_setting(tmp_path: Path) -> None:
    """The DuckDB connection that attaches a tenant's database can open no file or URL, install
    nothing, and change no setting (issue 9, item 4)."""
    import duckdb

    from autonomos.connectors.sql_scanner import ScannerSession

    url, port = SERVERS["postgres"]
    if not IN_CI and not _reachable(port):
        pytest.skip("postgres not reachable (runs under CI=true)")
    session = ScannerSession(sa.engine.make_url(url), "postgres", url)
    try:
        (tmp_path / "secret.csv").write_text("a\n1\n")
        for sql in (f"SELECT * FROM read_csv('{tmp_path / 'secret.csv'}')", "INSTALL httpfs",
                    "SET enable_external_access=true", f"ATTACH '{tmp_path / 'x.duckdb'}' AS x",
                    "SELECT * FROM read_text('/etc/hostname')"):
            with pytest.raises(duckdb.Error):
                session.con.execute(sql)
        assert session.con.execute("SELECT count(*) FROM src.information_schema.tables").fetchone()[0] > 0
    finally:
        session.close()
