"""Normalize: raw table → typed, flattened, deduplicated table in its own immutable DuckDB file.

Runs entirely inside DuckDB (one ``CREATE TABLE … AS SELECT`` over the raw table), so a
multi-million-row table never passes through Python. Text columns are typed by
:mod:`coerce`; rows whose values fail typing are quarantined (``rejected`` table beside
``data``) or fail the run, by policy; rows sharing a primary key keep the latest.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import attrs
import duckdb

from autonomos.core.errors import BadRowsError
from autonomos.core.models import Field
from autonomos.core.pipeline.coerce import (
    NULL_TOKENS,
    VARCHAR,
    Parser,
    infer_parser,
    is_null_token,
    parser_for_native,
)

SAMPLE_ROWS = 10_000
LINEAGE = ("_loaded_at", "_batch_id")
UPDATED_WORDS = ("updated", "modified", "last_modified", "modstamp", "changed")


def qi(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def ql(value: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + value.replace("'", "''") + "'"


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


def _choose_parsers(con: duckdb.DuckDBPyConnection, raw: str, columns: list[Column]) -> None:
    if not columns:
        return
    select = ", ".join(f"{c.expr} AS {qi(c.name)}" for c in columns)
    sample = con.sql(f"SELECT {select} FROM {raw} USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (7)")
    rows = sample.fetchall()
    for i, col in enumerate(columns):
        values = [r[i] for r in rows]
        t = col.raw_type.upper()
        if t == "VARCHAR" or t == "JSON":
            col.parser = infer_parser(col.name, values) if t == "VARCHAR" else VARCHAR
        elif t.endswith("[]") or t.startswith("MAP") or t.startswith("UNION"):
            col.parser = Parser("VARCHAR", "native")  # lists stay as JSON text
            col.expr = f"CAST(to_json({col.expr}) AS VARCHAR)"
        else:
            col.parser = parser_for_native(col.name, col.raw_type, values)


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
    bad_rows: str = "quarantine",
    location: str | None = None,
) -> NormalizeResult:
    """Type, flatten and dedup ``raw`` into ``<out_db>.data`` (rejects into ``<out_db>.rejected``)."""
    columns = plan_columns(con, raw)
    _choose_parsers(con, raw, columns)
    names = [c.name for c in columns]
    originals = {c.name: c.expr for c in columns}
    pk = [snake_case(k) for k in primary_key if snake_case(k) in names] or infer_primary_key(table, names)

    typed = [f"{c.parser.sql(c.expr)} AS {qi(c.name)}" for c in columns]
    checks = []
    for c in columns:
        if c.parser.kind in ("varchar", "native"):
            continue
        raw_text = f"CAST({c.expr} AS VARCHAR)"
        nulls = ", ".join(ql(t) for t in NULL_TOKENS)
        checks.append(
            f"CASE WHEN {c.parser.sql(c.expr)} IS NULL AND {c.expr} IS NOT NULL"
            f" AND lower(trim({raw_text})) NOT IN ({nulls})"
            f" THEN {ql(c.name + ': cannot read ')} || {raw_text} || {ql(' as ' + c.parser.type)} END"
        )
    reason = f"concat_ws('; ', {', '.join(checks)})" if checks else "NULL"
    select = ", ".join(typed + [
        f"{ql(source)} AS _source", f"{ql(table)} AS _source_table", "_loaded_at", "_batch_id",
        f"nullif({reason}, '') AS _reject_reason", "_row",
    ])
    inner = f"SELECT {select} FROM (SELECT *, rowid + 1 AS _row FROM {raw})"
    order = ["(_reject_reason IS NULL) DESC", "_loaded_at DESC"]
    updated = _updated_column(columns)
    if updated:
        order.append(f"{qi(updated)} DESC NULLS LAST")
    order.append("_row DESC")
    if pk:
        part = ", ".join(qi(k) for k in pk)
        dedup = (f" QUALIFY {' AND '.join(qi(k) + ' IS NULL' for k in pk)} OR "
                 f"row_number() OVER (PARTITION BY {part} ORDER BY {', '.join(order)}) = 1")
    else:
        dedup = ""
    raw_count = con.execute(f"SELECT count(*) FROM {raw}").fetchall()[0][0]  # type: ignore[index]
    con.execute(f"CREATE TABLE {out_db}.data_stage AS {inner}{dedup}")
    bad = con.execute(f"SELECT count(*) FROM {out_db}.data_stage WHERE _reject_reason IS NOT NULL").fetchall()[0][0]  # type: ignore[index]
    where = location or f"{source}.{table}"
    if bad and bad_rows == "fail":
        first = con.sql(f"SELECT _row, _reject_reason FROM {out_db}.data_stage WHERE _reject_reason IS NOT NULL"
                        " ORDER BY _row LIMIT 1").fetchall()[0]
        raise BadRowsError(f"{where}: row {first[0]}: {first[1]} ({bad} bad row(s); bad_rows: fail)")  # type: ignore[index]
    keep = ", ".join([qi(n) for n in names] + ["_source", "_source_table", "_loaded_at", "_batch_id"])
    con.execute(f"CREATE TABLE {out_db}.rejected (_row BIGINT, reason VARCHAR, raw VARCHAR)")
    if bad:
        con.execute(
            f"INSERT INTO {out_db}.rejected SELECT s._row, s._reject_reason, CAST(to_json(r) AS VARCHAR) "
            f"FROM {out_db}.data_stage s JOIN (SELECT *, rowid + 1 AS _row FROM {raw}) r USING (_row)"
            f" WHERE s._reject_reason IS NOT NULL"
        )
        con.execute(f"CREATE TABLE {out_db}.data AS SELECT {keep} FROM {out_db}.data_stage WHERE _reject_reason IS NULL")
        con.execute(f"DROP TABLE {out_db}.data_stage")
    else:
        con.execute(f"ALTER TABLE {out_db}.data_stage DROP COLUMN _reject_reason")
        con.execute(f"ALTER TABLE {out_db}.data_stage DROP COLUMN _row")
        con.execute(f"ALTER TABLE {out_db}.data_stage RENAME TO data")
    row_count = con.execute(f"SELECT count(*) FROM {out_db}.data").fetchall()[0][0]  # type: ignore[index]
    fields = _fields_with_samples(con, f"{out_db}.data", columns)
    return NormalizeResult(
        fields=fields,
        row_count=row_count,
        rejected_count=int(bad),
        fingerprint=fingerprint([(f.name, f.type) for f in fields]),
        primary_key=pk,
        columns={c.name: originals[c.name] for c in columns},
        deduplicated=max(0, raw_count - row_count - int(bad)),
    )


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
