"""``POST /dcl/query``: read-only SQL over one tenant's published views, with limits.

Defences, in order:

1. exactly one statement, and DuckDB's parser must call it a ``SELECT`` (which includes
   ``WITH … SELECT``, ``FROM x``, ``VALUES``, ``DESCRIBE``/``SUMMARIZE``); ``COPY``, ``ATTACH``,
   ``INSTALL``/``LOAD``, ``SET``, ``PRAGMA``, ``CALL``, DDL and DML are refused before running;
2. no function or view that reads files or shows the server's settings, databases or paths
   (``glob``, ``read_*``, ``query()``, ``duckdb_settings()``, ``current_setting()``, …): the
   statement's syntax tree, from DuckDB's own ``json_serialize_sql``, is searched for them;
3. the connection is the tenant's own in-memory reader: it attaches only the files of the
   tenant's current manifest, read-only, then sets ``enable_external_access=false`` (no files,
   no URLs, no extensions), a memory limit, and ``lock_configuration=true`` (no ``SET`` undoes it);
   its spill files go to a folder of its own (see ``TenantCatalog._private_spill``);
4. a wall-clock limit: the query runs in a thread and ``con.interrupt()`` stops it;
5. a row limit: at most ``limit`` rows are fetched (``truncated`` says when there were more).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import threading
import time
import uuid
from typing import Any

import duckdb

from autonomos.core.catalog import TenantCatalog
from autonomos.server.errors import FieldError, Problem

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
DEFAULT_TIMEOUT = 10.0
MAX_SQL_CHARS = 20_000
MEMORY_LIMIT = "512MB"


class QueryError(Problem):
    """A refused or failed query (422 unless said otherwise), naming the problem in ``sql``."""

    def __init__(self, message: str, status: int = 422, slug: str = "query"):
        super().__init__(status, message, slug=slug, title="Query refused" if status == 422 else "Query failed",
                         errors=[FieldError("sql", message)])


def jsonable(value: Any) -> Any:
    """A DuckDB value as JSON: decimals and big ints as numbers when exact, else strings;
    dates ISO 8601; blobs hex; NaN/inf as null; nested lists, structs and maps recursively."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        f = float(value)
        return f if decimal.Decimal(repr(f)) == value else str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)


def error_text(exc: BaseException) -> str:
    """A DuckDB error's first line and, when it has one, its ``LINE n: …`` excerpt with the caret
    under the error's position (the console shows both in a monospace block); hints are left out."""
    lines = str(exc).strip().splitlines()
    if not lines:
        return type(exc).__name__
    for i, line in enumerate(lines[1:-1], start=1):
        if line.startswith("LINE ") and lines[i + 1].strip() == "^":
            return "\n".join([lines[0], line, lines[i + 1]])
    return lines[0]


def open_reader(catalog: TenantCatalog) -> duckdb.DuckDBPyConnection:
    """The tenant's reader with external access off, a memory limit, configuration locked."""
    con = catalog.reader(allow_files=True)  # we lock it ourselves, with more settings
    try:
        con.execute(f"SET memory_limit='{MEMORY_LIMIT}'")
        con.execute("SET threads=2")
        con.execute("SET enable_external_access=false")
        con.execute("SET lock_configuration=true")
    except Exception:
        con.close()
        raise
    return con


# Names (functions, table functions and views) a tenant's query may not use: they read files, run
# SQL given as a string, or show the server's settings, attached files and folders. Anything
# starting with one of PREFIXES is refused too. tests/server/dcl/test_query_paths.py calls every
# built-in view and argument-less function and checks that none of the rest shows a server path.
REFUSED_NAMES = frozenset({
    "current_setting", "getenv", "glob", "query", "query_table", "sniff_csv", "which_secret",
    "pg_settings", "duckdb_settings", "duckdb_databases", "duckdb_temporary_files", "duckdb_secrets",
    "duckdb_extensions", "duckdb_external_file_cache", "duckdb_memory", "duckdb_logs", "duckdb_log_contexts",
    "checkpoint", "force_checkpoint",
})
REFUSED_PREFIXES = ("read_", "pragma_", "parquet_", "iceberg_", "delta_", "sqlite_", "postgres_", "mysql_",
                    "duckdb_log")


def _names_in(tree: Any) -> set[str]:
    """Every function and table name in a ``json_serialize_sql`` tree, lower-cased."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("function_name"), str):
                found.add(node["function_name"].lower())
            if node.get("type") == "BASE_TABLE" and isinstance(node.get("table_name"), str):
                found.add(node["table_name"].lower())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def refused_names(con: duckdb.DuckDBPyConnection, statement: str) -> list[str]:
    """The refused names ``statement`` uses (see :data:`REFUSED_NAMES`)."""
    row = con.execute("SELECT json_serialize_sql(?)", [statement]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True}
    if tree.get("error"):
        raise QueryError(f"the query could not be checked: {tree.get('error_message') or 'unsupported syntax'}")
    return sorted(n for n in _names_in(tree) if n in REFUSED_NAMES or n.startswith(REFUSED_PREFIXES))


def check_sql(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The one SELECT statement in ``sql``, or a :class:`QueryError` saying what is wrong."""
    if not sql.strip():
        raise QueryError("empty query")
    if len(sql) > MAX_SQL_CHARS:
        raise QueryError(f"query is longer than {MAX_SQL_CHARS} characters")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"syntax error: {error_text(exc)}") from None
    if len(statements) != 1:
        raise QueryError(f"exactly one statement is allowed; found {len(statements)}")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        name = str(kind).rsplit(".", 1)[-1].removesuffix("_STATEMENT")
        raise QueryError(f"only SELECT queries are allowed (read-only); this is a {name} statement")
    statement = statements[0].query.strip().rstrip(";")
    refused = refused_names(con, statement)
    if refused:
        raise QueryError(f"not allowed: {', '.join(refused)} (queries read the organization's views only; "
                         "files, settings and server paths are out of reach)")
    return statement


def run_query(catalog: TenantCatalog, sql: str, limit: int = DEFAULT_LIMIT,
              timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Run one read-only query; ``{columns, types, rows, row_count, truncated, seconds}``."""
    con = open_reader(catalog)
    try:
        statement = check_sql(con, sql)
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                cur = con.execute(statement)
                outcome["columns"] = [d[0] for d in cur.description or []]
                outcome["types"] = [str(d[1]) for d in cur.description or []]
                outcome["rows"] = cur.fetchmany(limit + 1)
            except BaseException as exc:  # reported by the caller
                outcome["error"] = exc

        started = time.monotonic()
        thread = threading.Thread(target=work, name="dcl-query", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            con.interrupt()
            thread.join(5)
            raise QueryError(f"the query ran longer than {timeout:g} s and was stopped", status=408, slug="timeout")
        error = outcome.get("error")
        if error is not None:
            message = error_text(error)
            if isinstance(error, duckdb.PermissionException):
                raise QueryError(f"not allowed: {message} (queries read the organization's views only)")
            if isinstance(error, duckdb.OutOfMemoryException):
                raise QueryError(f"the query needs more than {MEMORY_LIMIT} of memory: {message}")
            raise QueryError(message)
        rows = outcome["rows"]
        return {"columns": outcome["columns"], "types": outcome["types"],
                "rows": [[jsonable(v) for v in r] for r in rows[:limit]],
                "row_count": min(len(rows), limit), "truncated": len(rows) > limit,
                "seconds": round(time.monotonic() - started, 3)}
    finally:
        con.close()
