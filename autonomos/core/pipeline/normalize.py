"""Normalize: raw table → typed, flattened, deduplicated table in its own immutable DuckDB file.

Runs entirely inside DuckDB (one ``CREATE TABLE … AS SELECT`` over the raw table), so a
multi-million-row table never passes through Python. Text columns are typed by
:mod:`coerce`; rows whose values fail typing are quarantined (``rejected`` table beside
``data``) or fail the run, by policy; rows sharing a primary key keep the latest.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from typing import Any

import attrs
import duckdb

from autonomos.core import guard
from autonomos.core.errors import BadRowsError
from autonomos.core.sqltext import qi, ql
from autonomos.core.models import Field
from autonomos.core.pipeline.coerce import (
    VARCHAR,
    Parser,
    infer_parser,
    is_null_token,
    not_null_token_sql,
    parser_for_native,
)

SAMPLE_ROWS = 10_000
# Bump when the typed table normalize writes for the same input changes: a re-run then rebuilds
# tables it would otherwise reuse as unchanged (runner.py, ``loaded_from``).
OUTPUT_VERSION = 2
LINEAGE = ("_loaded_at", "_batch_id")
EXTRA = "_extra"  # a ragged row's cells beyond the header (files connector): kept, as a list, by this name
# A connector's tombstone marker (salesforce: IsDeleted): kept by this name, a BOOLEAN; the row
# (the latest per key) stays in the typed table and unify leaves it out of the views.
DELETED = "_deleted"
UPDATED_WORDS = ("updated", "modified", "last_modified", "modstamp", "changed")


def snake_case(name: str) -> str:
    """``BillingCity`` → ``billing_city``; ``lineItem/UnblendedCost`` → ``line_item__unblended_cost``."""
    parts = re.split(r"[/.:]+", name.strip())
    out = []
    for part in parts:
        s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", part)
        s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
        s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
        if s:
            out.append(s)
    result = "__".join(out) or "column"
    return f"c_{result}" if result[0].isdigit() else result


@attrs.define
class Column:
    """One output column: the raw expression it reads and how it is typed."""

    name: str
    expr: str  # SQL over the raw table (struct paths already resolved)
    raw_type: str
    parser: Parser = VARCHAR


@attrs.define
class NormalizeResult:
    fields: list[Field]
    row_count: int
    rejected_count: int
    fingerprint: str
    primary_key: list[str]
    columns: dict[str, str]  # normalized name → original raw name/path
    deduplicated: int = 0
    lineage: dict[str, str] | None = None  # constant _loaded_at/_batch_id of a scanned table
    notes: list[str] = attrs.field(factory=list)  # what the run should tell its user (e.g. a key not used)
    bad_cells: int = 0  # rows kept with unreadable cells set to null (bad_rows: keep), listed in rejected


def _flatten(name_path: list[str], expr: str, duck_type: Any) -> list[tuple[list[str], str, str]]:
    """Expand STRUCT columns recursively into (path, expr, type) leaves."""
    if getattr(duck_type, "id", None) == "struct":
        leaves = []
        for child_name, child_type in duck_type.children:
            leaves += _flatten(name_path + [child_name], f"struct_extract({expr}, {ql(child_name)})", child_type)
        return leaves
    return [(name_path, expr, str(duck_type))]


def plan_columns(con: duckdb.DuckDBPyConnection, raw: str) -> list[Column]:
    rel = con.sql(f"SELECT * FROM {raw} LIMIT 0")
    columns: list[Column] = []
    seen: set[str] = set()
    for name, duck_type in zip(rel.columns, rel.types):
        if name in LINEAGE:
            continue
        if name == EXTRA and str(duck_type).endswith("[]"):
            seen.add(EXTRA)
            columns.append(Column(name=EXTRA, expr=qi(name), raw_type=str(duck_type), parser=Parser(str(duck_type), "native")))
            continue
        if name == DELETED and str(duck_type) == "BOOLEAN":
            seen.add(DELETED)
            columns.append(Column(name=DELETED, expr=qi(name), raw_type="BOOLEAN", parser=Parser("BOOLEAN", "native")))
            continue
        for path, expr, type_name in _flatten([name], qi(name), duck_type):
            base = "__".join(snake_case(p) for p in path)
            out, i = base, 2
            while out in seen or out.startswith("_"):
                out, i = f"{base}_{i}", i + 1
                if out.startswith("_"):
                    out = "f" + out
            seen.add(out)
            columns.append(Column(name=out, expr=expr, raw_type=type_name))
    return columns


def _choose_parsers(rows: list[tuple[Any, ...]], columns: list[Column]) -> None:
    for i, col in enumerate(columns):
        if i % 100 == 0:
            guard.check()
        values = [r[i] for r in rows]
        t = col.raw_type.upper()
        if col.name in (EXTRA, DELETED) and col.parser.kind == "native":
            continue  # kept as it is
        if t == "VARCHAR":
            col.parser = infer_parser(col.name, values)
        elif t == "JSON":
            col.parser = VARCHAR
        elif t.endswith("[]") or t.startswith("MAP") or t.startswith("UNION"):
            col.parser = Parser("VARCHAR", "native")  # lists stay as JSON text
            col.expr = f"CAST(to_json({col.expr}) AS VARCHAR)"
        else:
            col.parser = parser_for_native(col.name, col.raw_type, values)


def _sample(con: duckdb.DuckDBPyConnection, raw: str, columns: list[Column], is_table: bool) -> list[tuple[Any, ...]]:
    """Rows to infer types from: a reservoir sample of a stored table, or the head of a scan
    (a scan is read once more in full by the CREATE TABLE, so sampling it must stay cheap).
    Runs on a cursor: a scan's reject tables stay private to it."""
    if not columns:
        return []
    select = ", ".join(f"{c.expr} AS {qi(c.name)}" for c in columns)
    sample = f"USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (7)" if is_table else f"LIMIT {SAMPLE_ROWS}"
    cur = con.cursor()
    try:
        guard.watch(cur)  # a cursor is interrupted on its own
        cur.execute("SET TimeZone='UTC'")
        return cur.execute(f"SELECT {select} FROM {raw} {sample}").fetchall()
    finally:
        cur.close()


# A typed column with more unreadable values than this share of its non-empty ones stays text;
# below it, the unreadable cells are set to null (bad_rows: keep) or their rows quarantined.
MAX_BAD_SHARE = 0.05
MIN_BAD_TO_DEMOTE = 3  # …and more than this many (one odd value in a small table is not a pattern)
KEPT_PREFIX = "kept, value set to null: "


def infer_primary_key(table: str, names: list[str]) -> list[str]:
    """A column named ``id`` / ``<table>_id`` / ``<table>id`` when the source declared none."""
    singular = re.sub(r"(ies)$", "y", table.lower())
    singular = re.sub(r"s$", "", singular)
    for cand in ("id", f"{singular}_id", f"{singular}id", f"{table.lower()}_id", "uuid", "guid"):
        if cand in names:
            return [cand]
    return []


def _updated_column(columns: list[Column]) -> str | None:
    for c in columns:
        if c.parser.type in ("TIMESTAMP", "DATE") and any(w in c.name for w in UPDATED_WORDS):
            return c.name
    return None


def fingerprint(fields: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(sorted(fields)).encode()).hexdigest()[:16]


def normalize_table(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    out_db: str,
    source: str,
    table: str,
    primary_key: list[str],
    bad_rows: str = "keep",
    location: str | None = None,
    is_table: bool = True,
    batch_id: str | None = None,
    unique_key: bool = False,
    stream: Any = None,
) -> NormalizeResult:
    """Type, flatten and dedup ``raw`` into ``<out_db>.data`` (rejects into ``<out_db>.rejected``).

    ``raw`` is a stored raw table (``is_table``) or a DuckDB table expression that scans the
    source directly (a file connector's fast path); the expression is read once in full.
    ``unique_key``: the source guarantees the declared key unique (a database PRIMARY KEY read
    in full), so no dedup pass runs while the key columns keep their values exactly.
    ``stream`` (:class:`~autonomos.core.pipeline.connect.Stream`): the rows have not been stored;
    its head is sampled, and it is typed straight into ``data`` or else stored first.
    """
    loaded_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    if stream is not None:  # a real table (not a registration) so the sampling cursor sees it
        con.register("_autonomos_head", stream.head)
        try:
            con.execute(f"CREATE TABLE {out_db}._head AS SELECT * FROM _autonomos_head")
        finally:
            con.unregister("_autonomos_head")
        raw, is_table = f"{out_db}._head", False
    columns, declared, pk = _plan(con, raw, source, table, primary_key, location, is_table)
    originals = {c.name: c.expr for c in columns}
    where = location or f"{source}.{table}"
    if _nothing_to_type(columns, pk, declared, unique_key):
        # Nothing can fail to parse and there is nothing to dedup (a typed source such as a SQL
        # table): the typed rows go straight into ``data``, one write instead of stage + data.
        if stream is None:
            return _write_direct(con, raw, out_db, columns, originals, pk, is_table, loaded_at, batch_id, source)
        con.execute(f"DROP TABLE {out_db}._head")
        con.register("_autonomos_stream", stream.full)
        try:
            return _write_direct(con, "_autonomos_stream", out_db, columns, originals, pk, False, loaded_at,
                                 batch_id, source)
        finally:
            con.unregister("_autonomos_stream")
    if stream is not None:  # the stage below reads the rows more than once: store them first
        con.execute(f"DROP TABLE {out_db}._head")
        raw, is_table = stream.materialize(), True
    stage = f"{out_db}.data_stage"
    stage_rows, bad = _build_stage(con, raw, stage, columns, is_table)
    notes: list[str] = []
    if bad and bad_rows != "fail":
        demoted = _mostly_unreadable(con, stage, columns)
        if demoted:  # a column most of whose values are not of its type stays text
            for c, failed, total in demoted:
                notes.append(f"{where}: column {c.name} kept as text: {failed} of {total} values cannot be "
                             f"read as {c.parser.type}")
                c.parser = VARCHAR
            con.execute(f"DROP TABLE {stage}")
            stage_rows, bad = _build_stage(con, raw, stage, columns, is_table)
    if bad and bad_rows == "fail":
        row_sql, order_sql = ("_row", " ORDER BY _row") if is_table else ("NULL", "")
        first = con.execute(f"SELECT {row_sql}, _reject_reason FROM {stage} WHERE _reject_reason IS NOT NULL"
                            f"{order_sql} LIMIT 1").fetchall()[0]
        at = f"row {first[0]}: " if first[0] is not None else ""
        raise BadRowsError(f"{where}: {at}{first[1]} ({bad} bad row(s); bad_rows: fail)")
    keep_rows = bad_rows == "keep"  # a bad cell becomes null; the row stays
    reason_sql = f"{ql(KEPT_PREFIX)} || _reject_reason" if keep_rows else "_reject_reason"
    con.execute(f"CREATE TABLE {out_db}.rejected AS SELECT {'_row' if is_table else 'NULL::BIGINT AS _row'}, "
                f"{reason_sql} AS reason, _reject_raw AS raw "
                f"FROM {stage} WHERE _reject_reason IS NOT NULL")
    typed_cols = [qi(c.name) for c in columns]
    lineage_cols = ["_loaded_at", "_batch_id"] if is_table else []
    keep = ", ".join(typed_cols + lineage_cols)
    readable = "TRUE" if keep_rows else "_reject_reason IS NULL"
    if pk and not declared:
        pk, key_notes = _check_implicit_key(con, stage, pk, is_table, where, readable)
        notes += key_notes
    if pk:
        order = ["_loaded_at DESC"] if is_table else []
        updated = _updated_column(columns)
        if updated:
            order.append(f"{qi(updated)} DESC NULLS LAST")
        if is_table:
            order.append("_row DESC")
        part = ", ".join(qi(k) for k in pk)
        con.execute(
            f"CREATE TABLE {out_db}.data AS SELECT {keep} FROM {stage} WHERE {readable} "
            f"QUALIFY {' AND '.join(qi(k) + ' IS NULL' for k in pk)} OR "
            f"row_number() OVER (PARTITION BY {part}{' ORDER BY ' + ', '.join(order) if order else ''}) = 1")
        con.execute(f"DROP TABLE {stage}")
    elif bad and not keep_rows:
        con.execute(f"CREATE TABLE {out_db}.data AS SELECT {keep} FROM {stage} WHERE {readable}")
        con.execute(f"DROP TABLE {stage}")
    else:
        for col in ("_reject_reason", "_reject_raw") + (("_row",) if is_table else ()):
            con.execute(f"ALTER TABLE {stage} DROP COLUMN {col}")
        con.execute(f"ALTER TABLE {stage} RENAME TO data")
    row_count = con.execute(f"SELECT count(*) FROM {out_db}.data").fetchall()[0][0]
    fields = _fields_with_samples(con, f"{out_db}.data", columns)
    return NormalizeResult(
        fields=fields,
        row_count=row_count,
        rejected_count=0 if keep_rows else int(bad),
        bad_cells=int(bad) if keep_rows else 0,
        fingerprint=fingerprint([(f.name, f.type) for f in fields]),
        primary_key=pk,
        columns={c.name: originals[c.name] for c in columns},
        deduplicated=max(0, stage_rows - row_count - (0 if keep_rows else int(bad))),
        lineage=None if is_table else _scan_lineage(loaded_at, batch_id, source),
        notes=notes,
    )


def _plan(con: duckdb.DuckDBPyConnection, raw: str, source: str, table: str, primary_key: list[str],
          location: str | None, is_table: bool) -> tuple[list[Column], list[str], list[str]]:
    """The output columns with their parsers (from a sample), the declared key, the key used."""
    columns = plan_columns(con, raw)
    guard.check_columns(len(columns), location or f"{source}.{table}")  # nested fields count once flattened
    _choose_parsers(_sample(con, raw, columns, is_table), columns)
    names = [c.name for c in columns]
    declared = [snake_case(k) for k in primary_key if snake_case(k) in names]
    return columns, declared, declared or infer_primary_key(table, names)


def _nothing_to_type(columns: list[Column], pk: list[str], declared: list[str], unique_key: bool) -> bool:
    """No cell can fail to parse and there is no row to dedup (a typed source such as a SQL
    table whose declared key the database enforces)."""
    exact = {c.name for c in columns if c.parser.kind == "native" or (c.parser.kind == "varchar" and c.parser.fmt != "trim")}
    return not any(c.parser.kind not in ("varchar", "native") for c in columns) and (
        not pk or (unique_key and declared and set(pk) <= exact))


def adopt_copy(con: duckdb.DuckDBPyConnection, copy: str, out_db: str, source: str, table: str,
               primary_key: list[str], location: str | None = None, batch_id: str | None = None,
               unique_key: bool = False) -> NormalizeResult | None:
    """The connector's copy (``copy``, a table in ``out_db``) made the typed table ``data`` by
    renaming it, when typing would change no value (every column keeps its type and values,
    nothing to dedup): a SQL table read by DuckDB's scanner is then written once, not twice.
    None when it cannot be adopted; the caller normalizes the copy as any raw table."""
    loaded_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    # sampled from its head, as a stream's rows were: a reservoir sample would read it all
    columns, declared, pk = _plan(con, copy, source, table, primary_key, location, False)
    raw_names = con.sql(f"SELECT * FROM {copy} LIMIT 0").columns
    unchanged = len(raw_names) == len(columns) and all(
        c.expr == qi(n) and (c.parser.kind == "native" or (c.parser.kind == "varchar" and c.parser.fmt != "trim"
                                                           and c.raw_type == "VARCHAR"))
        for c, n in zip(columns, raw_names))
    # renamed one by one, a new name must not be another column's current name
    clash = any(c.name.lower() in {m.lower() for m in raw_names if m != n}
                for c, n in zip(columns, raw_names) if c.name != n)
    if not unchanged or clash or not _nothing_to_type(columns, pk, declared, unique_key):
        return None
    for c, name in zip(columns, raw_names):
        if c.name != name:
            con.execute(f"ALTER TABLE {copy} RENAME COLUMN {qi(name)} TO {qi(c.name)}")
    con.execute(f"ALTER TABLE {copy} RENAME TO data")
    return _clean_result(con, out_db, columns, {c.name: c.expr for c in columns}, pk,
                         _scan_lineage(loaded_at, batch_id, source))


def _scan_lineage(loaded_at: datetime.datetime, batch_id: str | None, source: str) -> dict[str, str]:
    """The constant _loaded_at/_batch_id of a table typed straight from a scan or stream."""
    return {"_loaded_at": loaded_at.isoformat(sep=" "), "_batch_id": batch_id or source + ":scan"}


def _write_direct(con: duckdb.DuckDBPyConnection, raw: str, out_db: str, columns: list[Column],
                  originals: dict[str, str], pk: list[str], is_table: bool, loaded_at: datetime.datetime,
                  batch_id: str | None, source: str) -> NormalizeResult:
    """``data`` typed from ``raw`` in one statement (no cell can fail, no row to dedup)."""
    typed = [f"{c.parser.sql(c.expr)} AS {qi(c.name)}" for c in columns]
    lineage_cols = ["_loaded_at", "_batch_id"] if is_table else []
    con.execute(f"CREATE TABLE {out_db}.data AS SELECT {', '.join(typed + lineage_cols)} FROM {raw}")
    return _clean_result(con, out_db, columns, originals, pk,
                         None if is_table else _scan_lineage(loaded_at, batch_id, source))


def _clean_result(con: duckdb.DuckDBPyConnection, out_db: str, columns: list[Column], originals: dict[str, str],
                  pk: list[str], lineage: dict[str, str] | None) -> NormalizeResult:
    """The result for a ``data`` table in which no cell was rejected (an empty ``rejected``)."""
    con.execute(f"CREATE TABLE {out_db}.rejected (_row BIGINT, reason VARCHAR, raw VARCHAR)")
    row_count = con.execute(f"SELECT count(*) FROM {out_db}.data").fetchall()[0][0]
    fields = _fields_with_samples(con, f"{out_db}.data", columns)
    return NormalizeResult(
        fields=fields, row_count=row_count, rejected_count=0,
        fingerprint=fingerprint([(f.name, f.type) for f in fields]), primary_key=pk,
        columns={c.name: originals[c.name] for c in columns}, lineage=lineage,
    )


def _build_stage(con: duckdb.DuckDBPyConnection, raw: str, stage: str, columns: list[Column],
                 is_table: bool) -> tuple[int, int]:
    """``stage``: every raw row typed, with ``_reject_reason`` (which cells could not be read, and
    why) and ``_reject_raw`` (those rows' raw values as JSON). Returns (rows, rows with a bad cell)."""
    # inner: raw values and typed values side by side, so each parse runs once per value
    inner_cols, typed_cols, checks, raw_struct = [], [], [], []
    for i, c in enumerate(columns):
        inner_cols.append(f"{c.parser.sql(c.expr)} AS {qi(c.name)}")
        typed_cols.append(qi(c.name))
        if c.parser.kind in ("varchar", "native"):
            continue
        r = f"_r{i}"
        inner_cols.append(f"CAST({c.expr} AS VARCHAR) AS {r}")
        raw_struct.append(f"{ql(c.name)}: {r}")
        bad = f"{qi(c.name)} IS NULL AND {r} IS NOT NULL AND {not_null_token_sql(r)}"
        checks.append((bad, f"{ql(c.name + ': cannot read ')} || {r} || {ql(' as ' + c.parser.type)}"))
    row = "rowid + 1" if is_table else "NULL::BIGINT"
    # Lineage: a stored raw table carries _loaded_at/_batch_id per row (incremental loads differ);
    # a scan is one load, so its lineage is two constants the views add (NormalizeResult.lineage).
    # _source/_source_table are constants of every table file: the views add them too.
    lineage_cols = ["_loaded_at", "_batch_id"] if is_table else []
    row_cols = [f"{row} AS _row"] if is_table else []  # a scan has no row ids to keep
    inner = f"SELECT {', '.join(inner_cols + lineage_cols + row_cols)} FROM {raw}"
    if checks:  # the cheap test runs on every row, the message is built only for bad ones
        any_bad = " OR ".join(f"({cond})" for cond, _ in checks)
        parts = ", ".join(f"CASE WHEN {cond} THEN {msg} END" for cond, msg in checks)
        reason = f"CASE WHEN {any_bad} THEN concat_ws('; ', {parts}) END"
    else:
        reason = "NULL::VARCHAR"
    bad_raw = f"CAST(to_json({{{', '.join(raw_struct)}}}) AS VARCHAR)" if raw_struct else "NULL::VARCHAR"
    stage_sql = (
        f"SELECT {', '.join(typed_cols + lineage_cols + (['_row'] if is_table else []))}, _reason AS _reject_reason, "
        f"CASE WHEN _reason IS NOT NULL THEN {bad_raw} END AS _reject_raw "
        f"FROM (SELECT *, {reason} AS _reason FROM ({inner}))"
    )
    con.execute(f"CREATE TABLE {stage} AS {stage_sql}")
    rows, bad_count = con.execute(f"SELECT count(*), count(_reject_reason) FROM {stage}").fetchall()[0]
    return int(rows), int(bad_count)


def _mostly_unreadable(con: duckdb.DuckDBPyConnection, stage: str,
                       columns: list[Column]) -> list[tuple[Column, int, int]]:
    """Typed columns more than :data:`MAX_BAD_SHARE` (and :data:`MIN_BAD_TO_DEMOTE`) of whose values could not be read, with
    (failed, non-empty values): they are better kept as text than mostly null. Counted from the
    bad rows' raw JSON only, so a clean table pays nothing and a dirty one one small pass."""
    typed = [c for c in columns if c.parser.kind not in ("varchar", "native")]
    if not typed:
        return []
    aggs = []
    for c in typed:
        raw_value = f"json_extract_string(_reject_raw, {ql('$.' + json.dumps(c.name))})"
        aggs.append(f"count({qi(c.name)})")
        aggs.append(f"count(*) FILTER (WHERE _reject_reason IS NOT NULL AND {qi(c.name)} IS NULL AND "
                    f"{raw_value} IS NOT NULL AND {not_null_token_sql(raw_value)})")
    counts = con.execute(f"SELECT {', '.join(aggs)} FROM {stage}").fetchall()[0]
    out = []
    for i, c in enumerate(typed):
        read, failed = int(counts[2 * i]), int(counts[2 * i + 1])
        if failed > max(MAX_BAD_SHARE * (read + failed), MIN_BAD_TO_DEMOTE):
            out.append((c, failed, read + failed))
    return out


def _check_implicit_key(con: duckdb.DuckDBPyConnection, stage: str, pk: list[str], is_table: bool,
                        where: str, readable: str = "_reject_reason IS NULL") -> tuple[list[str], list[str]]:
    """A key guessed from a column's name (``id``, ``<table>_id``) dedups only when it is unique
    within each load; a table with one row per id *and* sku would otherwise lose rows quietly.
    Returns the key to use (``[]`` when it is not one) and a note saying why."""
    per_load = ["_batch_id"] if is_table else []  # an append table holds every load: updates repeat ids
    group = ", ".join(qi(c) for c in pk + per_load)
    present = " AND ".join(f"{qi(k)} IS NOT NULL" for k in pk)
    values, rows = con.execute(
        f"SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {stage} "
        f"WHERE {readable} AND {present} GROUP BY {group} HAVING count(*) > 1)").fetchall()[0]
    if not values:
        return pk, []
    return [], [f"{where}: column {', '.join(pk)} looks like a key but {int(rows)} rows share {int(values)} of its "
                f"values, so the table is loaded whole, without dedup (declare primary_key to dedup on it)"]


def _fields_with_samples(con: duckdb.DuckDBPyConnection, table: str, columns: list[Column]) -> list[Field]:
    if not columns:
        return []
    aggs = ", ".join(
        f"list(DISTINCT {qi(c.name)}) FILTER (WHERE {qi(c.name)} IS NOT NULL)[1:5]" for c in columns
    )
    sample = con.execute(f"SELECT {aggs} FROM (SELECT * FROM {table} LIMIT 2000)").fetchall()[0]
    fields = []
    for c, values in zip(columns, sample):
        vals = [_jsonable(v) for v in (values or []) if not is_null_token(v)]
        fields.append(Field(name=c.name, type=c.parser.type, samples=vals))
    return fields


def _jsonable(v: Any) -> Any:
    import datetime
    import decimal

    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return str(v)
