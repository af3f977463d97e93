"""What the ``/dcl`` and ``/aoa`` read endpoints compute from one tenant's catalog.

Every function takes the caller's :class:`~autonomos.core.catalog.TenantCatalog` (its path comes
from the tenant UUID only), so nothing here can reach another tenant's data.
"""

from __future__ import annotations

from typing import Any

from autonomos.core.catalog import TenantCatalog
from autonomos.core.errors import AutonomosError
from autonomos.core.sqltext import qi
from autonomos.core.plugins import get_host
from autonomos.core.review import decide, republish_views
from autonomos.server.dcl.query import jsonable, open_reader
from autonomos.server.errors import FieldError, Problem, invalid, not_found

NOTHING_PUBLISHED = "nothing published yet for this organization: POST /dcl/connect first"


def _mapping_out(m: dict[str, Any]) -> dict[str, Any]:
    return {"id": m["id"], "source": m["source"], "table": m["tbl"], "field": m["field"],
            "field_type": m.get("field_type"), "entity": m.get("entity"),
            "entity_confidence": m.get("entity_confidence"), "canonical": m.get("canonical"),
            "confidence": m.get("confidence"), "mapper": m.get("mapper"), "reason": m.get("reason"),
            "status": m["status"], "alternatives": m.get("alternatives") or [],
            "samples": jsonable(m.get("samples") or []), "updated_at": m.get("updated_at")}


def sources(catalog: TenantCatalog) -> list[dict[str, Any]]:
    """Connected sources (configs already redacted by the engine) with their tables."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for t in catalog.meta.tables():
        tables.setdefault(t["source"], []).append({
            "name": t["name"], "rows": t.get("row_count") or 0, "rejected": t.get("rejected_count") or 0,
            "fields": len(t.get("schema") or []), "primary_key": t.get("primary_key") or [],
            "updated_at": t.get("updated_at")})
    return [{"name": s["name"], "connector": s["connector"], "title": s.get("title") or s["name"],
             "icon": s.get("icon") or s["connector"], "status": s.get("status"), "last_run_id": s.get("last_run_id"),
             "config": s.get("config") or {}, "tables": tables.get(s["name"], [])}
            for s in catalog.meta.sources()]


def mappings(catalog: TenantCatalog, source: str | None = None, table: str | None = None,
             status: str | None = None) -> list[dict[str, Any]]:
    rows = catalog.meta.mappings(source=source, status=status)
    return [_mapping_out(m) for m in rows if table is None or m["tbl"] == table]


def review_queue(catalog: TenantCatalog) -> list[dict[str, Any]]:
    """Mappings waiting for a person, lowest confidence first."""
    return sorted(mappings(catalog, status="review"), key=lambda m: (m["confidence"] or 0, m["id"]))


def decide_one(catalog: TenantCatalog, mapping_id: int, decision: str, canonical: str | None,
               actor: str | None, republish: bool = True) -> dict[str, Any]:
    """Apply a review decision; 404 for an unknown id, 422 for a decision that cannot apply."""
    if catalog.meta.mapping(mapping_id) is None:
        raise not_found("mapping")
    if catalog.current_manifest() is None:
        raise Problem(409, NOTHING_PUBLISHED, slug="not-published")
    try:
        out = decide(catalog, mapping_id, decision, canonical, actor, republish=republish)
    except AutonomosError as exc:
        raise invalid("canonical" if decision == "edit" else "decision", str(exc)) from None
    return {"mapping": _mapping_out(out["mapping"]), "version": out["version"]}


def approve_many(catalog: TenantCatalog, ids: list[int], actor: str | None) -> dict[str, Any]:
    """Approve every id (all must exist and have a proposal: checked first), then republish once."""
    meta = catalog.meta
    for i, mapping_id in enumerate(ids):
        m = meta.mapping(mapping_id)
        if m is None:
            raise Problem(404, f"mapping {mapping_id} not found", errors=[FieldError(f"ids[{i}]", "not found")])
        if not m.get("canonical"):
            raise invalid(f"ids[{i}]", f"mapping {mapping_id} has no proposed field to approve; use edit")
    if catalog.current_manifest() is None:
        raise Problem(409, NOTHING_PUBLISHED, slug="not-published")
    out = [decide(catalog, mapping_id, "approve", None, actor, republish=False)["mapping"] for mapping_id in ids]
    manifest = republish_views(catalog)
    return {"mappings": [_mapping_out(m) for m in out], "version": manifest["version"]}


def _agents_by_entity(catalog: TenantCatalog) -> dict[str, list[str]]:
    host = get_host()
    names = ((catalog.meta.get("pipeline") or {}).get("spec") or {}).get("agents") or []
    out: dict[str, list[str]] = {}
    for name in names:
        agent = host.agents().get(name)
        for entity in getattr(agent, "consumes", []) if agent is not None else []:
            out.setdefault(entity, []).append(name)
    return out


def lineage(catalog: TenantCatalog, q: str) -> dict[str, Any]:
    """Field → entity → agent paths whose source field, canonical field, entity, table or
    source contains ``q`` (case-insensitive), and the graph node ids to highlight."""
    needle = q.strip().lower()
    if not needle:
        raise invalid("q", "give a field, canonical field or entity name (or part of one)")
    agents = _agents_by_entity(catalog)
    paths = []
    highlight: set[str] = set()
    for m in catalog.meta.mappings():
        if m["status"] == "rejected" or not m.get("entity"):
            continue
        haystack = (m["field"], m.get("canonical") or "", m["entity"], m["tbl"], m["source"],
                    f"{m['entity']}.{m.get('canonical') or ''}")
        if not any(needle in h.lower() for h in haystack):
            continue
        consumers = agents.get(m["entity"], []) if m["status"] == "accepted" else []
        paths.append({"source": m["source"], "table": m["tbl"], "field": m["field"], "entity": m["entity"],
                      "canonical": m.get("canonical"), "status": m["status"], "confidence": m["confidence"],
                      "agents": consumers})
        highlight |= {f"source:{m['source']}", f"table:{m['source']}.{m['tbl']}"}
        if m["status"] == "accepted":
            highlight.add(f"entity:{m['entity']}")
            highlight |= {f"agent:{a}" for a in consumers}
    return {"q": q, "paths": paths, "highlight": sorted(highlight)}


_VIEWS_CACHE: dict[tuple[str, Any, Any], list[dict[str, Any]]] = {}


def views(catalog: TenantCatalog) -> list[dict[str, Any]]:
    """Published entities with row counts and columns (a published version never changes, so
    the answer is cached per tenant and manifest version)."""
    manifest = catalog.current_manifest()
    if manifest is None:
        return []
    key = (str(catalog.root), manifest.get("version"), manifest.get("published_at"))
    if key not in _VIEWS_CACHE:
        if len(_VIEWS_CACHE) > 256:
            _VIEWS_CACHE.clear()
        _VIEWS_CACHE[key] = _count_views(catalog, manifest)
    return _VIEWS_CACHE[key]


def _count_views(catalog: TenantCatalog, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    con = open_reader(catalog)
    try:
        out = []
        for entity in sorted(manifest.get("entities", {})):
            rel = con.execute(f"SELECT * FROM unified.{qi(entity)} LIMIT 0")
            columns = [{"name": d[0], "type": str(d[1])} for d in rel.description or []]
            count = con.execute(f"SELECT count(*) FROM unified.{qi(entity)}").fetchone()
            out.append({"entity": entity, "rows": int(count[0]) if count else 0, "columns": columns})
        return out
    finally:
        con.close()


def view_rows(catalog: TenantCatalog, entity: str, limit: int, offset: int) -> dict[str, Any]:
    manifest = catalog.current_manifest()
    if manifest is None or entity not in manifest.get("entities", {}):
        raise not_found("view")
    con = open_reader(catalog)
    try:
        total = con.execute(f"SELECT count(*) FROM unified.{qi(entity)}").fetchone()
        cur = con.execute(f"SELECT * FROM unified.{qi(entity)} ORDER BY ALL LIMIT ? OFFSET ?", [limit, offset])
        columns = [d[0] for d in cur.description or []]
        rows = [dict(zip(columns, (jsonable(v) for v in r))) for r in cur.fetchall()]
    finally:
        con.close()
    total_rows = int(total[0]) if total else 0
    return {"entity": entity, "version": manifest.get("version"), "columns": columns, "rows": rows,
            "total": total_rows, "limit": limit, "offset": offset,
            "next_offset": offset + limit if offset + limit < total_rows else None}


def agents(catalog: TenantCatalog) -> list[dict[str, Any]]:
    """Registered agents, what they consume, whether the pipeline enables them, last results."""
    results = {r["agent"]: r for r in catalog.meta.agent_results()}
    enabled = set(((catalog.meta.get("pipeline") or {}).get("spec") or {}).get("agents") or [])
    out = []
    for name, agent in sorted(get_host().agents().items()):
        r = results.get(name)
        out.append({"name": name, "title": getattr(agent, "title", "") or name,
                    "description": getattr(agent, "description", "") or "",
                    "consumes": list(getattr(agent, "consumes", [])), "enabled": name in enabled,
                    "last_run_id": r.get("run_id") if r else None,
                    "last_finished_at": r.get("finished_at") if r else None,
                    "last_result": jsonable(r.get("result")) if r else None})
    return out
