"""Conformance kit: test a connector plugin exactly the way the host drives it.

``check_connector`` builds the connector from a plain config dict (through
``autonomos.core.serde.structure``, like the host), then runs ``check()``, ``discover()``,
``read()`` twice (the second time with the saved, JSON-round-tripped state) and, when the
connector offers it, the DuckDB fast path (``duckdb_scan`` + ``collect_rejects``) in a real
DuckDB connection. Every broken rule is collected in :attr:`ConformanceReport.problems`.

Example (pytest)::

    from autonomos.testing import check_connector

    def test_inventory_conforms(tmp_path):
        report = check_connector(Inventory, {"url": "https://example.test", "api_key": "k"}, tmp_path)
        report.assert_ok()
        assert report.rows["items"] == 3

The rules: ``name`` is a non-empty string and ``Config`` an attrs class; the config structures;
``check()`` passes; ``discover()`` returns ``TableSchema`` objects with unique table names and
non-empty, unique field names (primary key and cursor among them); ``read()`` yields
RecordBatch/Table/DataFrame batches whose columns are the discovered fields; state stays
JSON-serialisable; a second read with the saved state works (and an incremental table re-reads
nothing when the source did not change); ``duckdb_scan`` loads the same columns and row count.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from autonomos.core.connector import Connector, ConnectorContext
from autonomos.core.models import TableSchema
from autonomos.core.serde import structure

__all__ = ["ConformanceReport", "check_connector"]


@attrs.define
class ConformanceReport:
    """What :func:`check_connector` found. ``rows`` / ``fast_rows``: rows per table from
    ``read()`` / the DuckDB fast path; ``states``: each table's state after the first read."""

    connector: str
    tables: list[TableSchema] = attrs.field(factory=list)
    rows: dict[str, int] = attrs.field(factory=dict)
    fast_rows: dict[str, int] = attrs.field(factory=dict)
    states: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    rejected: int = 0
    problems: list[str] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def assert_ok(self) -> None:
        """Fail (AssertionError) listing every problem found."""
        if self.problems:
            raise AssertionError(f"connector '{self.connector}' does not conform:\n- "
                                 + "\n- ".join(self.problems))


def _columns_and_rows(batch: Any) -> tuple[list[str], int]:
    import pyarrow as pa

    if isinstance(batch, (pa.RecordBatch, pa.Table)):
        return list(batch.schema.names), batch.num_rows
    if isinstance(batch, pa.RecordBatchReader):
        return list(batch.schema.names), batch.read_all().num_rows
    try:
        import pandas as pd

        if isinstance(batch, pd.DataFrame):
            return [str(c) for c in batch.columns], len(batch)
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"read() yielded {type(batch).__name__}, expected pyarrow RecordBatch/Table/RecordBatchReader or pandas DataFrame")


def _read(conn: Connector, table: TableSchema, state: dict[str, Any], report: ConformanceReport,
          label: str) -> int | None:
    expected = table.field_names()
    rows = 0
    try:
        for batch in conn.read(table, state):
            cols, n = _columns_and_rows(batch)
            if cols != expected:
                report.problems.append(f"{label} read('{table.name}') yielded columns {cols}, "
                                       f"discover() said {expected}")
                return None
            rows += n
    except Exception as exc:
        report.problems.append(f"{label} read('{table.name}') raised {type(exc).__name__}: {exc}")
        return None
    try:
        json.dumps(state)
    except (TypeError, ValueError) as exc:
        report.problems.append(f"{label} read('{table.name}') left state that is not JSON: {exc}")
    return rows


def _check_schema(tables: Any, report: ConformanceReport) -> list[TableSchema]:
    if not isinstance(tables, list) or not all(isinstance(t, TableSchema) for t in tables):
        report.problems.append(f"discover() must return list[TableSchema], got {type(tables).__name__}")
        return []
    names = [t.name for t in tables]
    if len(set(names)) != len(names) or not all(names):
        report.problems.append(f"discover() table names must be non-empty and unique: {names}")
    for t in tables:
        fields = t.field_names()
        if not fields:
            report.problems.append(f"table '{t.name}' has no fields")
        if not all(isinstance(f, str) and f for f in fields):
            report.problems.append(f"table '{t.name}' has an empty field name: {fields}")
        if len({f.lower() for f in fields if isinstance(f, str)}) != len(fields):
            report.problems.append(f"table '{t.name}' has duplicate field names: {fields}")
        for pk in t.primary_key:
            if pk not in fields:
                report.problems.append(f"table '{t.name}' primary key '{pk}' is not a field")
        if t.cursor is not None and t.cursor not in fields:
            report.problems.append(f"table '{t.name}' cursor '{t.cursor}' is not a field")
        if t.write_disposition not in ("replace", "append"):
            report.problems.append(f"table '{t.name}' write_disposition '{t.write_disposition}' "
                                   "is not 'replace' or 'append'")
    return tables


def _fast_path(conn: Connector, table: TableSchema, report: ConformanceReport) -> None:
    import duckdb

    state: dict[str, Any] = {}
    try:
        expr = conn.duckdb_scan(table, state)
    except Exception as exc:
        report.problems.append(f"duckdb_scan('{table.name}') raised {type(exc).__name__}: {exc}")
        return
    if expr is None:
        return
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE raw AS SELECT * FROM {expr}")
        conn.collect_rejects(con, table)
        cols = [r[0] for r in con.execute("DESCRIBE raw").fetchall()]
        if cols != table.field_names():
            report.problems.append(f"duckdb_scan('{table.name}') loaded columns {cols}, "
                                   f"discover() said {table.field_names()}")
        report.fast_rows[table.name] = int(con.execute("SELECT count(*) FROM raw").fetchone()[0])
        json.dumps(state)
    except Exception as exc:
        report.problems.append(f"duckdb_scan('{table.name}') load failed: {type(exc).__name__}: {exc}")
    finally:
        con.close()


def check_connector(connector_cls: type, config: dict[str, Any], tmp_path: Path,
                    base_dir: Path | None = None, bad_rows: str = "keep") -> ConformanceReport:
    """Run the connector contract checks; returns a report (call ``assert_ok()`` in tests)."""
    report = ConformanceReport(connector=str(getattr(connector_cls, "name", connector_cls)))
    name = getattr(connector_cls, "name", None)
    if not isinstance(name, str) or not name:
        report.problems.append("connector class has no non-empty 'name'")
    cfg_cls = getattr(connector_cls, "Config", None)
    if cfg_cls is None or not attrs.has(cfg_cls):
        report.problems.append("connector class has no attrs 'Config' class")
        return report
    try:
        cfg = structure(config, cfg_cls, path="config")
    except Exception as exc:
        report.problems.append(f"config does not structure: {exc}")
        return report
    context = ConnectorContext(source_name="conformance", work_dir=Path(tmp_path) / "work",
                               base_dir=Path(base_dir or tmp_path), bad_rows=bad_rows)
    try:
        conn = connector_cls(cfg, context)
    except Exception as exc:
        report.problems.append(f"constructing the connector raised {type(exc).__name__}: {exc}")
        return report
    try:
        try:
            conn.check()
        except Exception as exc:
            report.problems.append(f"check() raised {type(exc).__name__}: {exc}")
            return report
        try:
            tables = conn.discover()
        except Exception as exc:
            report.problems.append(f"discover() raised {type(exc).__name__}: {exc}")
            return report
        report.tables = _check_schema(tables, report)
        for table in report.tables:
            state: dict[str, Any] = {}
            rows = _read(conn, table, state, report, "first")
            if rows is None:
                continue
            report.rows[table.name] = rows
            saved = json.loads(json.dumps(state, default=str))
            report.states[table.name] = saved
            again = _read(conn, table, saved, report, "second")
            if again and table.write_disposition == "append" and table.cursor:
                report.problems.append(f"table '{table.name}' is incremental but the second read with "
                                       f"the saved state re-read {again} row(s) from an unchanged source")
            _fast_path(conn, table, report)
            if table.name in report.fast_rows and report.fast_rows[table.name] != rows:
                report.problems.append(f"table '{table.name}': read() gave {rows} rows, duckdb_scan "
                                       f"{report.fast_rows[table.name]}")
        report.rejected = len(context.rejected)
    finally:
        try:
            conn.close()
        except Exception as exc:
            report.problems.append(f"close() raised {type(exc).__name__}: {exc}")
    return report
