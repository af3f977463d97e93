"""The files connector: formats, dialect sniffing, encodings, rejects, errors, conformance."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from autonomos.connectors.files import FilesConnector
from autonomos.core.connector import ConnectorContext
from autonomos.core.errors import BadRowsError, ConfigError, ConnectorError
from autonomos.core.plugins import PluginHost
from autonomos.core.serde import structure
from autonomos.testing import check_connector

DATA = Path(__file__).resolve().parents[1] / "data" / "files"


def make(tmp_path: Path, bad_rows: str = "quarantine", **config: object) -> FilesConnector:
    ctx = ConnectorContext(source_name="s", work_dir=tmp_path / "work", base_dir=tmp_path, bad_rows=bad_rows)
    return FilesConnector(structure(config, FilesConnector.Config), ctx)


def load(conn: FilesConnector, name: str | None = None) -> tuple[list[tuple], list[str]]:
    """Load a table through the fast path like the host; returns (rows, columns)."""
    table = next(t for t in conn.discover() if name is None or t.name == name)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE raw AS SELECT * FROM {conn.duckdb_scan(table, {})}")
    conn.collect_rejects(con, table)
    cols = [r[0] for r in con.execute("DESCRIBE raw").fetchall()]
    return con.execute("SELECT * FROM raw").fetchall(), cols


def test_registered_as_builtin() -> None:
    host = PluginHost(load_entrypoints=False)
    assert host.connector("files") is FilesConnector


def test_csv_conforms_and_discovers_samples(tmp_path: Path) -> None:
    report = check_connector(FilesConnector, {"path": str(DATA / "customers.csv"),
                                              "primary_key": ["id"]}, tmp_path)
    report.assert_ok()
    (table,) = report.tables
    assert table.name == "customers" and table.primary_key == ["id"] and table.row_count == 3
    assert [f.type for f in table.fields] == ["VARCHAR"] * 3  # raw layer: exactly what arrived
    assert table.fields[1].samples == ["Acme", "Globex", "Initech"]
    assert report.rows == {"customers": 3} and report.fast_rows == {"customers": 3}
    assert report.states["customers"]["files"][str(DATA / "customers.csv")]["size"] > 0


def test_relative_path_folder_and_glob(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a-1.csv").write_text("x\n1\n")
    (tmp_path / "in" / "B file.csv").write_text("y\n2\n3\n")
    (tmp_path / "in" / "notes.md").write_text("ignored")
    names = {t.name: t.row_count for t in make(tmp_path, path="in").discover()}
    assert names == {"a_1": 1, "b_file": 2}
    one = make(tmp_path, path="in/*.csv", table="all_rows").discover()
    assert [t.name for t in one] == ["all_rows"]
    rows, cols = load(make(tmp_path, path="in/*.csv", table="all_rows"))
    assert sorted(cols) == ["x", "y"]
    got = {(r[cols.index("x")], r[cols.index("y")]) for r in rows}
    assert len(rows) == 3 and got == {("1", None), (None, "2"), (None, "3")}


def test_missing_path_and_empty_glob(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="nope.csv"):
        make(tmp_path, path="nope.csv").check()
    with pytest.raises(ConnectorError, match=r"no file matches 'x/\*\.csv'"):
        make(tmp_path, path="x/*.csv").discover()


def test_sniffs_dialect_and_keeps_values_verbatim(tmp_path: Path) -> None:
    (tmp_path / "semi.csv").write_text("code;label;note\n007;'a';\"x; y\"\n010;b;\n")
    rows, cols = load(make(tmp_path, path="semi.csv"))
    assert cols == ["code", "label", "note"]
    assert rows[0] == ("007", "'a'", "x; y")  # leading zeros kept: typing is Normalize's job


def test_tsv_header_override_and_skip_rows(tmp_path: Path) -> None:
    (tmp_path / "d.tsv").write_text("junk line\n1\tone\n2\ttwo\n")
    rows, cols = load(make(tmp_path, path="d.tsv", header=False, skip_rows=1))
    assert cols == ["column0", "column1"] and rows == [("1", "one"), ("2", "two")]


def test_duplicate_and_empty_header_names_made_unique(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("a,a,,b\n1,2,3,4\n")
    (table,) = make(tmp_path, path="h.csv").discover()
    names = table.field_names()
    assert len(set(names)) == 4 and all(names) and names[0] == "a" and names[3] == "b"


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-be", "cp1252", "latin-1"])
def test_encodings(tmp_path: Path, codec: str) -> None:
    text = "name,city\nJosé,Zürich\nFrançois,Besançon\n"
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    (tmp_path / "e.csv").write_bytes(data)
    rows, cols = load(make(tmp_path, path="e.csv"))
    assert cols == ["name", "city"] and rows == [("José", "Zürich"), ("François", "Besançon")]


def test_configured_encoding(tmp_path: Path) -> None:
    (tmp_path / "sj.csv").write_bytes("名前,年齢\n山田,30\n".encode("shift_jis"))
    rows, _ = load(make(tmp_path, path="sj.csv", encoding="shift_jis"))
    assert rows == [("山田", "30")]
    with pytest.raises(ConnectorError, match="unknown encoding 'klingon'"):
        make(tmp_path, path="sj.csv", encoding="klingon").discover()


def test_corrupt_utf8_and_binary_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_bytes("a,b\nné,1\n".encode() + b"x\xe2\x82(,2\n")
    with pytest.raises(ConnectorError, match="bad.csv: invalid UTF-8"):
        make(tmp_path, path="bad.csv").discover()
    (tmp_path / "blob.csv").write_bytes(bytes(range(0, 32)) * 100)
    with pytest.raises(ConnectorError, match="binary"):
        make(tmp_path, path="blob.csv").discover()
    (tmp_path / "fake.parquet").write_text("not parquet")
    with pytest.raises(ConnectorError, match="fake.parquet"):
        make(tmp_path, path="fake.parquet").discover()


def test_ragged_rows_quarantined_with_line_numbers(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n")
    conn = make(tmp_path, path="r.csv")
    rows, _ = load(conn)
    assert rows == [("1", "2", "3"), ("8", "9", "10")]
    (rej,) = conn.context.rejected
    assert rej.table == "r" and rej.line == 3 and rej.raw == "4,5,6,7" and "r.csv" in rej.reason


def test_ragged_rows_fail_policy_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("a,b,c\n1,2,3\n4,5,6,7\n")
    with pytest.raises(BadRowsError, match=r"r, line 3: r.csv"):
        load(make(tmp_path, bad_rows="fail", path="r.csv"))


def test_ragged_rows_kept_under_keep_short_padded_long_in_extra(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text('a,b,c\n1,2,3\n4,5,6,7,"x,y"\n8\n9,10,11,,\n12,13,14,,15\n')
    conn = make(tmp_path, bad_rows="keep", path="r.csv")
    rows, cols = load(conn)
    assert cols == ["a", "b", "c", "_extra"]
    assert rows == [("1", "2", "3", None), ("4", "5", "6", ["7", "x,y"]), ("8", None, None, None),
                    ("9", "10", "11", None), ("12", "13", "14", [None, "15"])]
    assert not conn.context.rejected
    (note,) = conn.context.notes
    # "9,10,11,," holds only empty cells beyond the header: DuckDB reads it as a full row
    assert "r.csv: 3 row(s)" in note and "1 short" in note and "2 long" in note and "_extra" in note


def test_ragged_rows_beside_quoted_newlines_kept(tmp_path: Path) -> None:
    # DuckDB's parallel reader refuses null_padding once a quoted value spans lines
    (tmp_path / "q.csv").write_text('a,b,c\n1,2\n"multi\nline",2,3,4\n' + "5,6,7\n" * 50)
    rows, _ = load(make(tmp_path, bad_rows="keep", path="q.csv"))
    assert rows[:2] == [("1", "2", None, None), ("multi\nline", "2", "3", ["4"])] and len(rows) == 52


def test_large_file_ragged_early_is_kept_and_ragged_late_is_listed(tmp_path: Path) -> None:
    body = "".join(f"{i},name {i},{i * 3}\n" for i in range(400_000))  # about 8.5 MB: past the full check
    (tmp_path / "early.csv").write_text("a,b,c\n1,2,3,4\n" + body)
    rows, cols = load(make(tmp_path, bad_rows="keep", path="early.csv"))
    assert len(rows) == 400_001 and cols[-1] == "_extra" and rows[0][-1] == ["4"]
    # clean in its first 2 MB: no counting pass; the late long row is listed with its line
    (tmp_path / "late.csv").write_text("a,b,c\n" + body + "1,2,3,4\n")
    conn = make(tmp_path, bad_rows="keep", path="late.csv")
    rows, cols = load(conn)
    assert len(rows) == 400_000 and cols == ["a", "b", "c"]
    (rej,) = conn.context.rejected
    assert rej.line == 400_002 and rej.raw == "1,2,3,4"


def test_read_streams_batches_and_reports_rejects(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("a,b\n1,2\n3\n" + "".join(f"{i},{i}\n" for i in range(5, 105)))
    conn = make(tmp_path, path="r.csv")
    (table,) = conn.discover()
    state: dict = {}
    batches = list(conn.read(table, state))
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert sum(b.num_rows for b in batches) == 101
    assert [r.line for r in conn.context.rejected] == [3]
    json.dumps(state)


def test_unterminated_quote_refused(tmp_path: Path) -> None:
    (tmp_path / "q.csv").write_text('a,b\n1,"open\n2,3\n')
    with pytest.raises(ConnectorError, match="unterminated quoted field starting at line 2"):
        make(tmp_path, path="q.csv").discover()


def test_json_and_ndjson_keep_nesting(tmp_path: Path) -> None:
    recs = [{"id": 1, "owner": {"name": "Ann", "tags": ["a"]}}, {"id": 2, "owner": {"name": "Bo", "tags": []}}]
    (tmp_path / "a.json").write_text(json.dumps(recs))
    (tmp_path / "b.ndjson").write_text("\n".join(json.dumps(r) for r in recs))
    for name in ("a.json", "b.ndjson"):
        report = check_connector(FilesConnector, {"path": name}, tmp_path)
        report.assert_ok()
        (table,) = report.tables
        owner = table.fields[1]
        assert owner.name == "owner" and owner.type.startswith("STRUCT")
        assert report.rows[table.name] == 2
    conn = make(tmp_path, path="b.ndjson")
    (table,) = conn.discover()
    batch = next(iter(conn.read(table, {})))
    assert pa.types.is_struct(batch.schema.field("owner").type)
    (tmp_path / "broken.json").write_text('[{"id": 1},')
    with pytest.raises(ConnectorError, match="broken.json"):
        make(tmp_path, path="broken.json").discover()


def test_parquet(tmp_path: Path) -> None:
    pq.write_table(pa.table({"id": [1, 2, 3], "amount": [1.5, None, 3.0]}), tmp_path / "p.parquet")
    report = check_connector(FilesConnector, {"path": "p.parquet"}, tmp_path)
    report.assert_ok()
    (table,) = report.tables
    assert table.row_count == 3 and [f.type for f in table.fields] == ["BIGINT", "DOUBLE"]


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="format 'xls'"):
        make(tmp_path, path="x", format="xls")
    with pytest.raises(ConfigError, match="primary_key column"):
        make(tmp_path, path=str(DATA / "customers.csv"), primary_key={"customers": ["nope"]}).discover()


def test_big_csv_fast_path_is_one_read_csv(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT i AS id, 'name ' || i AS name FROM range(200000) t(i)) TO '{path}'")
    conn = make(tmp_path, path="big.csv")
    (table,) = conn.discover()
    expr = conn.duckdb_scan(table, {})
    assert expr.startswith("read_csv(") and "auto_detect=false" in expr
    rows, _ = load(make(tmp_path, path="big.csv"))
    assert len(rows) == 200000


def test_big_files_are_utf8_checked_on_head_and_tail(tmp_path, monkeypatch) -> None:
    """Over the full-check size only the head and tail are decoded here (DuckDB validates the
    rest while reading); errors in either are still found, a clean file passes."""
    from autonomos.connectors.files import encoding

    monkeypatch.setattr(encoding, "FULL_CHECK_BYTES", 1 << 12)
    monkeypatch.setattr(encoding, "HEAD_BYTES", 1 << 11)
    monkeypatch.setattr(encoding, "TAIL_BYTES", 1 << 10)
    body = ("id,name\n" + "".join(f"{i},café {i}\n" for i in range(2000))).encode()
    clean = tmp_path / "clean.csv"
    clean.write_bytes(body)
    assert encoding._first_utf8_error(clean) is None
    bad_tail = tmp_path / "bad_tail.csv"
    bad_tail.write_bytes(body + b"9999,caf\xe9 latin\n")
    assert encoding._first_utf8_error(bad_tail) is not None
    bad_head = tmp_path / "bad_head.csv"
    bad_head.write_bytes(b"id,name\n1,caf\xe9\n" + body[8:])
    assert encoding._first_utf8_error(bad_head)[0] == 13
