"""Stream and column selection (``select:``): unselected tables are not read, left-out columns
never reach any stored byte (work.duckdb, typed tables, metastore, events, logs)."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import uuid
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from autonomos.core import runlog
from autonomos.core.catalog import TenantCatalog
from autonomos.core.errors import BadRowsError
from autonomos.core.models import Field, RejectedRow, Selection, TableSchema
from autonomos.core.pipeline.runner import Runner, _load_digest
from autonomos.core.pipeline.select import SelectionError, apply_selection, scrub_reason, scrub_rejects
from autonomos.core.spec import PipelineError, load_pipeline, parse_pipeline

SECRET = "S3NT1NEL-d41d8cd98f"   # the value that must never be stored
SECRET2 = "K3YSENT-0cc175b9c0"
AUDIT = "AUD1TSENT-92eb5ffee6"
IN_CI = os.environ.get("CI") == "true"


def _find(root: Path, needles: list[str]) -> list[str]:
    """Every place under ``root`` a needle appears: raw bytes of every file (DuckDB files,
    sqlite metastore, WAL/journal files, scratch) and, since DuckDB may compress strings, every
    text cell of every table of every DuckDB file, and every cell of the sqlite metastore."""
    hits = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        hits += [f"{path}: bytes {n}" for n in needles if n.encode() in data]
        if data[8:12] == b"DUCK":
            con = duckdb.connect(str(path), read_only=True)
            try:
                tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
                for schema, table in tables:
                    rows = con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
                    text = repr(rows)
                    hits += [f"{path}: {schema}.{table} {n}" for n in needles if n in text]
            finally:
                con.close()
        elif data.startswith(b"SQLite format 3"):
            con = sqlite3.connect(str(path))
            try:
                for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
                    text = repr(con.execute(f'SELECT * FROM "{table}"').fetchall())
                    hits += [f"{path}: {table} {n}" for n in needles if n in text]
            finally:
                con.close()
    return hits


def _csv_source(tmp_path: Path) -> Path:
    d = tmp_path / "exports"
    d.mkdir()
    (d / "contacts.csv").write_text(
        "id,email,SSN,password_hash,api_key\n"
        f"1,a@x.io,{SECRET},{SECRET},{SECRET2}\n"
        f"2,b@x.io,{SECRET}-2,h2,{SECRET2}\n")
    (d / "accounts.csv").write_text(f"id,name,api_key\nA1,Acme,{SECRET2}\nA2,Globex,{SECRET2}\n")
    (d / "audit_2024.csv").write_text(f"id,entry\n1,{AUDIT}\n")
    return d


def _run(path: Path):
    return Runner(TenantCatalog("default")).run(load_pipeline(path), base_dir=path.parent, pipeline_name=path.name)


def _query(sql: str) -> list[tuple]:
    con = TenantCatalog("default").reader()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


FILES_PIPELINE = """sources:
  - name: crm
    connector: files
    config: {{path: '{d}/*.csv'}}
    select:
{select}
bad_rows: {bad_rows}
"""


@pytest.mark.parametrize("bad_rows", ["keep", "quarantine"])
def test_files_left_out_columns_and_tables_never_stored(tmp_path: Path, data_dir: Path, bad_rows: str,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    d = _csv_source(tmp_path)
    select = ("      exclude_tables: [audit_*]\n"
              "      exclude_columns: {contacts: [ssn, password_hash], '*': [api_key]}")
    p = tmp_path / "pipeline.yaml"
    p.write_text(FILES_PIPELINE.format(d=d, select=select, bad_rows=bad_rows))
    caplog.set_level(logging.DEBUG)
    result = _run(p)
    assert result.status == "success"
    assert sorted(t[0] for t in _query("SELECT table_name FROM information_schema.tables "
                                       "WHERE table_schema = 'src_crm' AND table_name NOT LIKE '\_%' ESCAPE '\\'")) == ["accounts", "contacts"]
    cols = [r[0] for r in _query("SELECT column_name FROM information_schema.columns WHERE "
                                 "table_schema = 'src_crm' AND table_name = 'contacts'")]
    assert "email" in cols and not {"ssn", "password_hash", "api_key"} & set(cols)
    assert any("left out: SSN, password_hash, api_key" in n for n in result.stats["notes"])
    assert _find(data_dir, [SECRET, SECRET2, AUDIT]) == []
    assert not [r for r in caplog.records if SECRET in r.getMessage() or SECRET2 in r.getMessage()]
    log = runlog.lines(TenantCatalog("default").meta, result.run_id)  # the run's log (issue 13, item 4)
    assert any("left out: SSN, password_hash, api_key" in line["message"] for line in log)
    assert not [line for line in log if SECRET in repr(line) or SECRET2 in repr(line) or AUDIT in repr(line)]


def test_a_log_record_quoting_a_left_out_value_never_reaches_the_log(tmp_path: Path, data_dir: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A warning logged during the run that quotes a cell (as a conversion error does) is cut
    before it is stored in the run's log; the log keeps the line, not the value."""
    from autonomos.core.pipeline import runner as runner_mod

    original = runner_mod.normalize_table

    def quoting(*args, **kwargs):
        logging.getLogger("autonomos.core.pipeline.normalize").warning("cannot read '%s' as a number", SECRET)
        logging.getLogger("autonomos.connectors.files").warning("column ssn holds %s", SECRET2)
        return original(*args, **kwargs)

    monkeypatch.setattr(runner_mod, "normalize_table", quoting)
    d = _csv_source(tmp_path)
    p = tmp_path / "pipeline.yaml"
    p.write_text(FILES_PIPELINE.format(d=d, select="      exclude_columns: {contacts: [ssn, password_hash], "
                                                   "'*': [api_key]}", bad_rows="keep"))
    result = _run(p)
    log = runlog.lines(TenantCatalog("default").meta, result.run_id)
    assert any(line["message"].startswith("cannot read (details withheld") for line in log), log
    assert any("a value of a left-out column could not be read" in line["message"] for line in log), log
    assert not [line for line in log if SECRET in repr(line) or SECRET2 in repr(line)]
    assert _find(data_dir, [SECRET, SECRET2]) == []


def test_control_the_finder_sees_an_unexcluded_value(tmp_path: Path, data_dir: Path) -> None:
    d = _csv_source(tmp_path)
    p = tmp_path / "pipeline.yaml"
    p.write_text(FILES_PIPELINE.format(d=d, select="      tables: [contacts]", bad_rows="keep"))
    assert _run(p).status == "success"
    assert _find(data_dir, [SECRET]) and not _find(data_dir, [AUDIT])


def test_changing_the_selection_reloads(tmp_path: Path, data_dir: Path) -> None:
    d = _csv_source(tmp_path)
    p = tmp_path / "pipeline.yaml"
    p.write_text(FILES_PIPELINE.format(d=d, select="      tables: [contacts, accounts]", bad_rows="keep"))
    assert _run(p).status == "success"
    assert _run(p).stats["unchanged"] == 2  # same selection: reused
    p.write_text(FILES_PIPELINE.format(d=d, select="      tables: [contacts, accounts]\n"
                                       "      exclude_columns: {'*': [ssn, api_key, password_hash]}",
                                       bad_rows="keep"))
    again = _run(p)
    assert again.stats["unchanged"] == 0
    # what this run published has no such column (earlier runs' files are kept a few publications)
    for schema in ("src_crm", "unified"):
        cols = {r[0].lower() for r in _query(f"SELECT column_name FROM information_schema.columns "
                                             f"WHERE table_schema = '{schema}'")}
        assert cols and not {"ssn", "api_key", "password_hash"} & cols
    assert SECRET not in repr(_query("SELECT * FROM src_crm.contacts"))
    p.write_text(FILES_PIPELINE.format(d=d, select="      tables: [contacts]", bad_rows="keep"))
    assert _run(p).status == "success"
    assert _query("SELECT count(*) FROM information_schema.tables WHERE table_schema='src_crm' "
                  "AND table_name='accounts'") == [(0,)]


def test_unknown_names_name_file_line_and_known_ones(tmp_path: Path) -> None:
    d = _csv_source(tmp_path)
    p = tmp_path / "pipeline.yaml"
    p.write_text(FILES_PIPELINE.format(d=d, select="      tables: [contacts, acounts]", bad_rows="keep"))
    with pytest.raises(PipelineError) as exc:
        _run(p)
    assert str(exc.value) == (f"{p}:6: sources[0].select.tables[1]: unknown table 'acounts' "
                              "(known: accounts, audit_2024, contacts)")
    p.write_text(FILES_PIPELINE.format(d=d, select="      exclude_columns: {contacts: [sssn]}", bad_rows="keep"))
    with pytest.raises(PipelineError, match=r":6: sources\[0\].select.exclude_columns.contacts\[0\]: unknown column "
                                            r"'sssn' in table 'contacts' \(columns: SSN, api_key, email, id, "
                                            r"password_hash\)"):
        _run(p)
    p.write_text(FILES_PIPELINE.format(d=d, select="      exclude_columns: {accounts: [id]}", bad_rows="keep"))
    (d / "accounts.csv").write_text("id,name\nA1,x\n")
    p.write_text(p.read_text().replace("config: {path", "config: {primary_key: {accounts: [id]}, path"))
    with pytest.raises(PipelineError, match="column 'id' is its primary key and cannot be left out"):
        _run(p)


@pytest.mark.parametrize("select, message", [
    ("select: [a]", "sources[0].select: expected a mapping with tables, exclude_tables, exclude_columns; got a list"),
    ("select: {tabels: [a]}", "sources[0].select.tabels: unknown key; did you mean 'tables'?"),
    ("select: {tables: a}", "sources[0].select.tables: expected a list of table names or patterns, got a string"),
    ("select: {tables: []}", "sources[0].select.tables: list at least one table"),
    ("select: {tables: [a, A]}", "sources[0].select.tables[1]: 'A' is listed twice"),
    ("select: {exclude_tables: [1]}", "sources[0].select.exclude_tables[0]: expected a name or glob pattern, got a number"),
    ("select: {exclude_columns: [a]}", "sources[0].select.exclude_columns: expected a mapping"),
    ("select: {exclude_columns: {t: ssn}}", "sources[0].select.exclude_columns.t: expected a list of column names"),
    ("select: {exclude_columns: {'*': ['']}}", "sources[0].select.exclude_columns['*'][0]: expected a name or glob "
                                               "pattern, got an empty string"),
])
def test_shape_errors_at_load(select: str, message: str) -> None:
    text = f"sources:\n  - name: crm\n    connector: demo\n    config: {{system: salesforce}}\n    {select}\n"
    with pytest.raises(PipelineError) as exc:
        parse_pipeline(text, "p.yaml")
    assert f"p.yaml:5: {message}" in str(exc.value)


def test_parsed_selection_and_digest() -> None:
    text = ("sources:\n  - name: crm\n    connector: demo\n    config: {system: salesforce}\n"
            "    select: {tables: [accounts], exclude_columns: {'*': [api_key]}}\n"
            "  - {name: b, connector: demo, config: {system: billing}}\n")
    spec = parse_pipeline(text, "p.yaml")
    assert spec.sources[0].select == Selection(tables=["accounts"], exclude_columns={"*": ["api_key"]})
    assert spec.sources[1].select == Selection()
    assert _load_digest("demo", {}, "keep", Selection()) == _load_digest("demo", {}, "keep")
    assert _load_digest("demo", {}, "keep", spec.sources[0].select) != _load_digest("demo", {}, "keep")


def _t(name: str, *cols: str, pk: list[str] | None = None, cursor: str | None = None) -> TableSchema:
    return TableSchema(name=name, fields=[Field(c, samples=["x"]) for c in cols], primary_key=pk or [], cursor=cursor)


def test_apply_selection_rules() -> None:
    tables = [_t("Accounts", "Id", "ApiKey", "Name"), _t("audit_1", "id"), _t("audit_2", "id"),
              _t("orders", "id", "updated", cursor="updated")]
    got = apply_selection(Selection(exclude_tables=["audit_*"], exclude_columns={"*": ["api_key"]}), tables)
    assert [(s.schema.name, s.schema.field_names(), s.excluded) for s in got] == [
        ("Accounts", ["Id", "Name"], ["ApiKey"]), ("orders", ["id", "updated"], [])]
    assert tables[0].field_names() == ["Id", "ApiKey", "Name"]  # the discovered schema is not changed
    got = apply_selection(Selection(tables=["accounts", "ord*"], exclude_columns={"ord*": ["*"]}), tables[:1])
    assert [s.schema.name for s in got] == ["Accounts"]
    with pytest.raises(SelectionError, match="column 'updated' is its cursor"):
        apply_selection(Selection(exclude_columns={"orders": ["updated"]}), tables)
    with pytest.raises(SelectionError, match="every column is left out"):
        apply_selection(Selection(exclude_columns={"audit_1": ["*"]}), tables)
    with pytest.raises(SelectionError, match=r"select.exclude_columns\['\*'\]\[0\]: unknown column 'pasword' "
                                             "in any table matching"):
        apply_selection(Selection(exclude_columns={"*": ["pasword"]}), tables)
    with pytest.raises(SelectionError, match=r"select.exclude_tables\[0\]: unknown table 'audit'"):
        apply_selection(Selection(exclude_tables=["audit"]), tables)


def test_rejects_and_fail_messages_are_scrubbed() -> None:
    rows = [RejectedRow("t", f'c.csv: Could not convert string "{SECRET}" to INTEGER in column "ssn"', 3, f"1,{SECRET}"),
            RejectedRow("t", f"c.csv: Expected 3 columns, found 4: '{SECRET}'", 4, SECRET)]
    scrub_rejects(rows, ["SSN"], "t")
    assert all(r.raw is None and SECRET not in r.reason for r in rows)
    assert rows[0].reason == "t: a value of a left-out column could not be read (details withheld)"
    assert rows[1].reason.startswith("c.csv: Expected 3 columns, found 4 (details withheld")
    assert scrub_reason("plain", [], "t") == "plain"
    assert BadRowsError  # the runner re-raises a scrubbed BadRowsError under bad_rows: fail


# -- SQL ---------------------------------------------------------------------------------------

SERVERS = {"postgres": ("postgresql+psycopg://postgres@127.0.0.1:5432/test", 5432)}


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'src.sqlite'}"
    url, port = SERVERS[request.param]
    if not IN_CI and not _reachable(port):
        pytest.skip(f"{request.param} not reachable (runs under CI=true)")
    return url


def test_sql_left_out_columns_never_stored(tmp_path: Path, data_dir: Path, sql_url: str) -> None:
    tag = uuid.uuid4().hex[:8]
    users, secrets, orders = f"users_{tag}", f"secrets_{tag}", f"orders_{tag}"
    engine = sa.create_engine(sql_url)
    meta = sa.MetaData()
    sa.Table(users, meta, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("email", sa.String(50)), sa.Column("password_hash", sa.String(50)),
             sa.Column("api_key", sa.String(50)))
    sa.Table(secrets, meta, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("value", sa.String(50)))
    sa.Table(orders, meta, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("updated", sa.Integer), sa.Column("card", sa.String(50)))
    meta.create_all(engine)
    try:
        with engine.begin() as c:
            c.execute(meta.tables[users].insert(), [{"id": i, "email": f"u{i}@x", "password_hash": SECRET,
                                                     "api_key": SECRET2} for i in range(3)])
            c.execute(meta.tables[secrets].insert(), [{"id": 1, "value": AUDIT}])
            c.execute(meta.tables[orders].insert(), [{"id": i, "updated": i, "card": f"{SECRET}{i}"} for i in range(3)])
        p = tmp_path / "pipeline.yaml"
        p.write_text(f"""sources:
  - name: db
    connector: sql
    config: {{url: '{sql_url}', tables: [{users}, {secrets}, {orders}], cursor: {{{orders}: updated}}}}
    select:
      tables: [{users}, {orders}]
      exclude_columns: {{{users}: [password_hash], '*': [api_key, card]}}
""")
        assert _run(p).status == "success"
        with engine.begin() as c:  # an incremental read appends: still without the column
            c.execute(meta.tables[orders].insert(), [{"id": 9, "updated": 9, "card": f"{SECRET}9"}])
        assert _run(p).status == "success"
        assert _query(f'SELECT count(*) FROM src_db."{orders}"') == [(4,)]
        assert _find(data_dir, [SECRET, SECRET2, AUDIT]) == []
        cols = {r[0] for r in _query(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{users}'")}
        assert cols and not {"password_hash", "api_key"} & cols
    finally:
        meta.drop_all(engine)
        engine.dispose()
