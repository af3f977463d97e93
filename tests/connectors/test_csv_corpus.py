"""Every file of the shared messy-CSV corpus loads with the expected row count or is refused
with a clear AutonomosError, through the same path the host uses (check → discover →
duckdb_scan → CREATE TABLE … AS SELECT → collect_rejects)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from autonomos.connectors.files import FilesConnector
from autonomos.core.connector import ConnectorContext
from autonomos.core.errors import AutonomosError

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "csv-corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"

# Files whose manifest answer we disagree with, on purpose, with the reason (none now: the
# manifest took our reading of shift_jis.csv, invalid_utf8.csv and human_eval.tsv).
AMBIGUOUS: dict[str, str] = {}


def _rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


ROWS = _rows()


def _load(path: Path, tmp_path: Path) -> tuple[int, int]:
    """Load one file like the host: returns (rows loaded, rows rejected)."""
    ctx = ConnectorContext(source_name="corpus", work_dir=tmp_path / "work", base_dir=tmp_path)
    conn = FilesConnector(FilesConnector.Config(path=str(path)), ctx)
    conn.check()
    tables = conn.discover()
    assert len(tables) == 1
    table = tables[0]
    assert table.write_disposition == "replace"
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE raw AS SELECT * FROM {conn.duckdb_scan(table, {})}")
        loaded = con.execute("SELECT count(*) FROM raw").fetchone()[0]
        cols = [r[0] for r in con.execute("DESCRIBE raw").fetchall()]
        conn.collect_rejects(con, table)
    finally:
        con.close()
    assert cols == table.field_names()
    assert all(r.line is not None and r.reason for r in ctx.rejected)
    return loaded, len(ctx.rejected)


def _param(row: dict[str, str]):  # noqa: ANN202 - pytest param
    marks = []
    if row["file"] in AMBIGUOUS:
        marks.append(pytest.mark.xfail(reason=AMBIGUOUS[row["file"]], strict=True))
    return pytest.param(row, id=row["file"].removeprefix("files/"), marks=marks)


@pytest.mark.skipif(not ROWS, reason=f"csv corpus not found at {CORPUS} (expected ../shared/csv-corpus)")
@pytest.mark.parametrize("row", [_param(r) for r in ROWS] or [None])
def test_corpus_file(row: dict[str, str], tmp_path: Path) -> None:
    path = CORPUS / row["file"]
    expected = row["expected"]
    if expected == "error":
        with pytest.raises(AutonomosError) as info:
            _load(path, tmp_path)
        assert path.name in str(info.value) or str(path) in str(info.value)
        return
    try:
        loaded, rejected = _load(path, tmp_path)
    except AutonomosError as exc:
        if expected == "any":  # ambiguous file: a clear refusal is acceptable, a crash is not
            assert str(exc)
            return
        raise
    if expected == "any":
        assert loaded >= 0
        return
    # Rows DuckDB cannot parse (ragged rows…) are quarantined, each reported with its line;
    # the manifest counts data rows, so a row is accounted for whether loaded or rejected.
    assert loaded == int(expected) or loaded + rejected == int(expected), (loaded, rejected)
