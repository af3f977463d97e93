"""From catalog metadata to a publishable manifest (table files + unified view SQL).

Both a pipeline run and a review decision end here, so approving a mapping republishes the
views in milliseconds without reloading any data.
"""

from __future__ import annotations

from typing import Any

from autonomos.core.decision import field_status, settle
from autonomos.core.models import Ontology, TableMapping, TableSchema
from autonomos.core.pipeline.unify import MappedTable, entity_views


def mapping_rows(mapping: TableMapping, schema: TableSchema, threshold: float,
                 ontology: Ontology | None = None) -> list[dict[str, Any]]:
    """Rows for the metadata store, one per field of the table, with their review status (the
    rule of :mod:`autonomos.core.decision`, table rule included when ``ontology`` is given)."""
    by_name = {f.name: f for f in schema.fields}
    rows = []
    for fm in mapping.fields:
        f = by_name.get(fm.field)
        rows.append({
            "field": fm.field,
            "entity": mapping.entity,
            "entity_confidence": mapping.confidence,
            "canonical": fm.canonical,
            "confidence": round(float(fm.confidence), 4),
            "mapper": fm.mapper,
            "reason": fm.reason,
            "alternatives": [{"canonical": c.canonical, "confidence": c.confidence, "reason": c.reason}
                             for c in fm.alternatives],
            "status": field_status(fm.canonical, fm.confidence, fm.mapper, mapping.entity, mapping.confidence,
                                   mapping.mapper, threshold),
            "entity_mapper": mapping.mapper,
            "samples": f.samples if f else [],
            "field_type": f.type if f else None,
        })
    if ontology is not None and mapping.entity:
        settle(rows, ontology.entity(mapping.entity), threshold)
    return rows


def build_manifest(catalog: Any, ontology: Ontology, run_id: str | None) -> dict[str, Any]:
    """The manifest for the catalog's current metadata: every table file, every entity view."""
    meta = catalog.meta
    tables: dict[str, dict[str, Any]] = {}
    mapped: list[MappedTable] = []
    accepted: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in meta.mappings(status="accepted"):
        accepted.setdefault((m["source"], m["tbl"]), []).append(m)
    for t in meta.tables():
        if not t.get("file"):
            continue
        alias = "t_" + t["file"].split(".")[0][:16]
        tables[alias] = {"file": t["file"], "source": t["source"], "table": t["name"]}
        rows = accepted.get((t["source"], t["name"]), [])
        if not rows:
            continue
        entity = rows[0]["entity"]
        ent = ontology.entity(entity) if entity else None
        if ent is None:
            continue
        mapping: dict[str, str] = {}
        for r in sorted(rows, key=lambda r: -r["confidence"]):
            if r["canonical"] and ent.field(r["canonical"]) and r["canonical"] not in mapping:
                mapping[r["canonical"]] = r["field"]
        schema = t.get("schema") or []
        mapped.append(MappedTable(
            alias=alias, source=t["source"], table=t["name"], entity=entity,
            field_types={f["name"]: f["type"] for f in schema},
            mapping=mapping, primary_key=t.get("primary_key") or [],
            samples={f["name"]: f.get("samples") or [] for f in schema},
            minor_units={f["name"]: int(f["minor_units"]) for f in schema if f.get("minor_units")},
            lineage=t.get("lineage") or None,
        ))
    return {
        "run_id": run_id,
        "ontology": ontology.name,
        "tables": tables,
        "entities": entity_views(ontology, mapped),
        "mapped": {f"{m.source}.{m.table}": {"entity": m.entity, "fields": m.mapping} for m in mapped},
    }
