"""``/dcl/tables``: every relation a tenant's reader can query, a preview of one, and what one
table quarantined (which rows, which cells, and why).

Names in a path are looked up in the listing of the tenant's own reader before any SQL is built:
a schema or table that is not listed (another tenant's, a DuckDB catalog view, an injection
attempt) is a 404, exactly like a missing one. The SQL then quotes the listed name.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from autonomos.core.catalog import TenantCatalog
from autonomos.core.pipeline.normalize import KEPT_PREFIX
from autonomos.core.sqltext import qi
from autonomos.server.dcl.query import jsonable, open_reader
from autonomos.server.errors import not_found

QUARANTINE = "_rejected"
RELATIONS_SQL = """
    SELECT table_schema, table_name FROM information_schema.tables
    WHERE table_catalog = current_database() AND (table_schema = 'unified' OR table_schema LIKE 'src\\_%' ESCAPE '\\')
    ORDER BY table_schema <> 'unified', table_schema, table_name"""
COLUMNS_SQL = """
    SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
    WHERE table_catalog = current_database() AND (table_schema = 'unified' OR table_schema LIKE 'src\\_%' ESCAPE '\\')
    ORDER BY table_schema, table_name, ordinal_position"""

_CACHE: dict[tuple[str, Any, Any], list[dict[str, Any]]] = {}


def listing(catalog: TenantCatalog) -> list[dict[str, Any]]:
    """Every queryable relation with kind, row count and columns. A published version never
    changes, so the answer is cached per tenant and manifest version (counting is a scan)."""
    manifest = catalog.current_manifest()
    if manifest is None:
        return []
    key = (str(catalog.root), manifest.get("version"), manifest.get("published_at"))
    if key not in _CACHE:
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = _list(catalog, manifest)
    return _CACHE[key]


def _list(catalog: TenantCatalog, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    source_tables = {(f"src_{t['source']}", t["table"]): t for t in manifest.get("tables", {}).values()}
    con = open_reader(catalog)
    try:
        rejected: dict[tuple[str, str], int] = {}
        if source_tables:  # unified._rejected exists once a table does
            rejected = {(s, t): int(n) for s, t, n in con.execute(
                f"SELECT _source, _source_table, count(*) FROM unified.{qi(QUARANTINE)} GROUP BY ALL").fetchall()}
        columns: dict[tuple[str, str], list[dict[str, str]]] = {}
        for schema, name, column, type_ in con.execute(COLUMNS_SQL).fetchall():
            columns.setdefault((schema, name), []).append({"name": column, "type": type_})
        out = []
        for schema, name in con.execute(RELATIONS_SQL).fetchall():
            count = con.execute(f"SELECT count(*) FROM {qi(schema)}.{qi(name)}").fetchone()
            item: dict[str, Any] = {"schema": schema, "name": name, "rows": int(count[0]) if count else 0,
                                    "columns": columns.get((schema, name), []), "source": None, "table": None,
                                    "rejected": None}
            if (schema, name) in source_tables:
                t = source_tables[(schema, name)]
                item.update(kind="source", source=t["source"], table=t["table"],
                            rejected=rejected.get((t["source"], t["table"]), 0))
            elif name == QUARANTINE:
                item.update(kind="quarantine", source=schema.removeprefix("src_") if schema != "unified" else None)
            else:
                item.update(kind="unified")
            out.append(item)
        return out
    finally:
        con.close()


def find(catalog: TenantCatalog, schema: str, name: str) -> dict[str, Any]:
    """The listed relation ``schema.name``, or 404 (the same for another tenant's and a made-up one)."""
    for item in listing(catalog):
        if item["schema"] == schema and item["name"] == name:
            return item
    raise not_found("table")


def _page(total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"total": total, "limit": limit, "offset": offset,
            "next_offset": offset + limit if offset + limit < total else None}


def rows(catalog: TenantCatalog, schema: str, name: str, limit: int, offset: int) -> dict[str, Any]:
    """One page of a listed relation in a stable order (every column), JSON-safe."""
    item = find(catalog, schema, name)
    relation = f"{qi(item['schema'])}.{qi(item['name'])}"
    con = open_reader(catalog)
    try:
        total = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
        cur = con.execute(f"SELECT * FROM {relation} ORDER BY ALL LIMIT ? OFFSET ?", [limit, offset])
        names = [d[0] for d in cur.description or []]
        types = [str(d[1]) for d in cur.description or []]
        page = [dict(zip(names, (jsonable(v) for v in r))) for r in cur.fetchall()]
    finally:
        con.close()
    manifest = catalog.current_manifest() or {}
    return {"schema": item["schema"], "name": item["name"], "kind": item["kind"], "version": manifest.get("version"),
            "columns": names, "types": types, "rows": page, **_page(int(total[0]) if total else 0, limit, offset)}


def _feeding_tables(catalog: TenantCatalog, item: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The (source, table) pairs whose quarantine belongs to ``item``; None means every table."""
    if item["kind"] == "source":
        return [(item["source"], item["table"])]
    if item["kind"] == "quarantine":
        if item["source"] is None:
            return None
        return [(t["source"], t["name"]) for t in catalog.meta.tables(item["source"])]
    # a unified view: the tables whose accepted mappings point at its entity
    return sorted({(m["source"], m["tbl"]) for m in catalog.meta.mappings(status="accepted")
                   if m.get("entity") == item["name"]})


def cells(reason: str, raw: str | None) -> list[dict[str, Any]]:
    """The unreadable cells of a typing reject: Normalize writes ``reason`` as
    ``<column>: cannot read <value> as <type>`` joined by ``; `` and ``raw`` as a JSON object of
    the row's raw values by column. A connector's reject (a CSV line it could not parse) has none."""
    try:
        values = json.loads(raw) if raw else None
    except ValueError:
        return []
    if not isinstance(values, dict):
        return []
    out = []
    for column, value in values.items():
        if not isinstance(value, str):
            continue
        marker = f"{column}: cannot read {value} as "
        at = reason.find(marker)
        if at < 0:
            continue
        expected = reason[at + len(marker):].split("; ", 1)[0]
        out.append({"column": column, "value": value, "expected_type": expected,
                    "reason": f"cannot read {value} as {expected}"})
    return out


def rejected(catalog: TenantCatalog, schema: str, name: str, limit: int, offset: int) -> dict[str, Any]:
    """One page of the rows ``schema.name`` quarantined (or, for a unified view, the tables that
    feed it), each with its reason, raw values, row or line number where known, and its cells."""
    item = find(catalog, schema, name)
    tables = _feeding_tables(catalog, item)
    out = {"schema": item["schema"], "name": item["name"], "kind": item["kind"], "tables": [], "items": [],
           **_page(0, limit, offset)}
    manifest = catalog.current_manifest() or {}
    if tables is not None:
        tables = [t for t in tables if any((m["source"], m["table"]) == t for m in manifest.get("tables", {}).values())]
        out["tables"] = [{"source": s, "table": t} for s, t in tables]
        if not tables:
            return out
    if not manifest.get("tables"):
        return out
    where, params = "TRUE", []
    if tables is not None:
        where = " OR ".join("(_source = ? AND _source_table = ?)" for _ in tables)
        params = [v for pair in tables for v in pair]
    con = open_reader(catalog)
    try:
        total = con.execute(f"SELECT count(*) FROM unified.{qi(QUARANTINE)} WHERE {where}", params).fetchone()
        found = con.execute(
            f"SELECT _source, _source_table, _row, reason, raw FROM unified.{qi(QUARANTINE)} WHERE {where} "
            "ORDER BY _source, _source_table, _row NULLS LAST, reason, raw LIMIT ? OFFSET ?",
            [*params, limit, offset]).fetchall()
    except duckdb.CatalogException:  # no table quarantined anything yet (no unified._rejected view)
        return out
    finally:
        con.close()
    for source, table, row, reason, raw in found:
        reason = reason or ""
        kept = reason.startswith(KEPT_PREFIX)
        plain = reason.removeprefix(KEPT_PREFIX)
        out["items"].append({"source": source, "table": table, "row": row, "reason": plain, "kept": kept,
                             "raw": raw, "cells": cells(plain, raw)})
    out.update(_page(int(total[0]) if total else 0, limit, offset))
    return out
