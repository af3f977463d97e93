"""Unify: the SQL of each ``unified.<entity>`` view over the mapped normalized tables.

A view is ``UNION ALL BY NAME`` of one SELECT per mapped table; every SELECT lists all of the
entity's canonical fields (cast to the canonical type, NULL where the table has no mapping) and
the lineage columns, so the view's shape never depends on which sources are connected.

Money: a column in minor units (its name ends in ``_cents``/``_micros``…, or its connector
declared ``Field.minor_units``) is divided into major units; currency codes are upper-cased.

Deletions: a normalized table with a BOOLEAN ``_deleted`` column (a connector's tombstone
marker, e.g. salesforce's ``IsDeleted``; normalize keeps the latest row per key) contributes
only its rows whose ``_deleted`` is not true; the tombstones stay in the typed table.
"""

from __future__ import annotations

from typing import Any

import attrs

from autonomos.core.models import Entity, Ontology
from autonomos.core.pipeline.coerce import cast_to_canonical, minor_unit_divisor
from autonomos.core.pipeline.normalize import DELETED
from autonomos.core.sqltext import qi, ql

LINEAGE_SQL = ("_source", "_source_table", "_source_id", "_loaded_at", "_batch_id")


@attrs.define
class MappedTable:
    """A published normalized table and its accepted field mappings."""

    alias: str  # DuckDB catalog alias the reader attaches the file under
    source: str
    table: str
    entity: str
    field_types: dict[str, str]  # normalized field → DuckDB type
    mapping: dict[str, str]  # canonical field → normalized field
    primary_key: list[str] = attrs.field(factory=list)
    samples: dict[str, list[Any]] = attrs.field(factory=dict)
    lineage: dict[str, str] | None = None  # constants for a scanned table's _loaded_at/_batch_id
    minor_units: dict[str, int] = attrs.field(factory=dict)  # field → divisor its source declared


def table_select(entity: Entity, t: MappedTable) -> str:
    cols = []
    for f in entity.fields:
        src = t.mapping.get(f.name)
        if src is not None and src in t.field_types:
            expr = cast_to_canonical(qi(src), t.field_types[src], f.type, t.samples.get(src, []))
            divisor = t.minor_units.get(src) or minor_unit_divisor(src)
            if divisor and f.type.upper().startswith(("DECIMAL", "DOUBLE")):  # money in cents → units
                expr = f"CAST({expr} / {divisor} AS {f.type})"
            elif f.name == "currency" or f.name.endswith("_currency"):
                expr = f"upper(trim({expr}))"  # one spelling per code: 'usd' and 'USD' are one currency
        else:
            expr = f"CAST(NULL AS {f.type})"
        cols.append(f"{expr} AS {qi(f.name)}")
    if t.primary_key:
        pk = " || '|' || ".join(f"CAST({qi(k)} AS VARCHAR)" for k in t.primary_key)
    else:
        pk = "NULL"
    if t.lineage:
        loaded_at = f"CAST({ql(t.lineage['_loaded_at'])} AS TIMESTAMP)"
        batch_id = ql(t.lineage["_batch_id"])
    else:
        loaded_at, batch_id = "_loaded_at", "CAST(_batch_id AS VARCHAR)"
    cols += [
        f"{ql(t.source)} AS _source",
        f"{ql(t.table)} AS _source_table",
        f"CAST({pk} AS VARCHAR) AS _source_id",
        f"{loaded_at} AS _loaded_at",
        f"{batch_id} AS _batch_id",
    ]
    where = ""
    if str(t.field_types.get(DELETED, "")).upper() == "BOOLEAN":
        where = f" WHERE {qi(DELETED)} IS NOT TRUE"
    return f"SELECT {', '.join(cols)} FROM {qi(t.alias)}.main.data{where}"


def empty_select(entity: Entity) -> str:
    cols = [f"CAST(NULL AS {f.type}) AS {qi(f.name)}" for f in entity.fields]
    cols += ["CAST(NULL AS VARCHAR) AS _source", "CAST(NULL AS VARCHAR) AS _source_table",
             "CAST(NULL AS VARCHAR) AS _source_id", "CAST(NULL AS TIMESTAMP) AS _loaded_at",
             "CAST(NULL AS VARCHAR) AS _batch_id"]
    return f"SELECT {', '.join(cols)} WHERE FALSE"


def entity_views(ontology: Ontology, tables: list[MappedTable]) -> dict[str, str]:
    """entity name → view SQL, for every entity that has at least one mapped table."""
    views: dict[str, str] = {}
    for entity in ontology.entities:
        parts = [table_select(entity, t) for t in tables if t.entity == entity.name and t.mapping]
        if parts:
            views[entity.name] = "\nUNION ALL BY NAME\n".join(parts)
    return views
