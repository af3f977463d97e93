"""The DCL graph (sources → tables → unified entities → agents) built from catalog state.

Layers: 0 source system, 1 source table, 2 unified entity, 3 agent. Edges are ``hierarchy``
(system → table) or ``dataflow`` (table → entity, carrying the mapped-field count, mean
confidence and rows; entity → agent). The console draws exactly this; the CLI prints it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from autonomos.core.catalog import TenantCatalog
from autonomos.core.plugins import PluginHost, get_host


_CACHE: "OrderedDict[tuple[str, int, int], dict[str, Any]]" = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 512


def build_graph(catalog: TenantCatalog, host: PluginHost | None = None) -> dict[str, Any]:
    """The graph of the catalog's current state. Cached per tenant and metadata version (the
    newest event id: every change to sources, tables, mappings or agent results emits one), so
    a console polling ``/dcl/state`` costs one indexed lookup. Callers must not mutate it."""
    host = host or get_host()
    key = (str(catalog.tenant_id), catalog.meta.last_event_id(), id(host))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    graph = _build(catalog, host)
    with _CACHE_LOCK:
        _CACHE[key] = graph
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return graph


def _build(catalog: TenantCatalog, host: PluginHost) -> dict[str, Any]:
    meta = catalog.meta
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    review_by_table: dict[tuple[str, str], int] = {}
    accepted: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in meta.mappings():
        key = (m["source"], m["tbl"])
        if m["status"] == "accepted":
            accepted.setdefault(key, []).append(m)
        elif m["status"] == "review":
            review_by_table[key] = review_by_table.get(key, 0) + 1
    for s in meta.sources():
        nodes.append({"id": f"source:{s['name']}", "layer": 0, "kind": "source", "label": s.get("title") or s["name"],
                      "name": s["name"], "connector": s["connector"], "icon": s.get("icon") or s["connector"],
                      "status": s.get("status")})
    entity_rows: dict[str, int] = {}
    entity_fields: dict[str, set[str]] = {}
    for t in meta.tables():
        tid = f"table:{t['source']}.{t['name']}"
        rows = accepted.get((t["source"], t["name"]), [])
        entity = rows[0]["entity"] if rows else None
        nodes.append({"id": tid, "layer": 1, "kind": "table", "label": t["name"], "source": t["source"],
                      "rows": t.get("row_count") or 0, "rejected": t.get("rejected_count") or 0,
                      "fields": len(t.get("schema") or []), "entity": entity,
                      "review": review_by_table.get((t["source"], t["name"]), 0)})
        edges.append({"id": f"h:{t['source']}:{t['name']}", "source": f"source:{t['source']}", "target": tid,
                      "type": "hierarchy", "rows": t.get("row_count") or 0})
        if entity:
            conf = sum(r["confidence"] for r in rows) / len(rows)
            edges.append({"id": f"d:{t['source']}.{t['name']}:{entity}", "source": tid, "target": f"entity:{entity}",
                          "type": "dataflow", "mapped_fields": len(rows), "confidence": round(conf, 3),
                          "rows": t.get("row_count") or 0})
            entity_rows[entity] = entity_rows.get(entity, 0) + (t.get("row_count") or 0)
            entity_fields.setdefault(entity, set()).update(r["canonical"] for r in rows if r["canonical"])
    for entity in sorted(entity_rows):
        nodes.append({"id": f"entity:{entity}", "layer": 2, "kind": "entity", "label": entity,
                      "rows": entity_rows[entity], "fields": sorted(entity_fields.get(entity, ()))})
    pipeline = meta.get("pipeline") or {}
    agent_names = list((pipeline.get("spec") or {}).get("agents") or [])
    results = {r["agent"]: r for r in meta.agent_results()}
    for name in agent_names:
        agent = host.agents().get(name)
        if agent is None:
            continue
        consumes = [e for e in getattr(agent, "consumes", []) if e in entity_rows]
        res = results.get(name, {}).get("result") or {}
        nodes.append({"id": f"agent:{name}", "layer": 3, "kind": "agent", "label": getattr(agent, "title", name) or name,
                      "name": name, "consumes": list(getattr(agent, "consumes", [])),
                      "status": res.get("status"), "summary": res.get("summary")})
        for e in consumes:
            edges.append({"id": f"d:{e}:{name}", "source": f"entity:{e}", "target": f"agent:{name}",
                          "type": "dataflow", "rows": entity_rows.get(e, 0)})
    summary = {
        "sources": sum(1 for n in nodes if n["layer"] == 0),
        "tables": sum(1 for n in nodes if n["layer"] == 1),
        "entities": sum(1 for n in nodes if n["layer"] == 2),
        "agents": sum(1 for n in nodes if n["layer"] == 3),
        "rows": sum(n.get("rows", 0) for n in nodes if n["layer"] == 1),
        "rejected": sum(n.get("rejected", 0) for n in nodes if n["layer"] == 1),
        "mapped_fields": sum(len(v) for v in accepted.values()),
        "review": sum(review_by_table.values()),
    }
    return {"graph": {"nodes": nodes, "edges": edges}, "summary": summary}
