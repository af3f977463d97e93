"""Intelligence Review: approve, edit or reject proposed mappings, then republish the views.

Each decision is stored (it teaches the learned-memory mapper on the next run) and the views
are republished at once from metadata, without reloading data.
"""

from __future__ import annotations

from typing import Any

from autonomos.core.catalog import TenantCatalog
from autonomos.core.decision import settle
from autonomos.core.errors import AutonomosError
from autonomos.core.events import Event, EventBus
from autonomos.core.pipeline.publish import build_manifest
from autonomos.core.plugins import PluginHost, get_host


def _ontology(catalog: TenantCatalog, host: PluginHost) -> Any:
    from autonomos.core.pipeline.runner import resolve_ontology

    spec = (catalog.meta.get("pipeline") or {}).get("spec") or {}
    return resolve_ontology(host, spec.get("ontology", "crm_finance"), spec.get("ontology_extensions"))


def decide(catalog: TenantCatalog, mapping_id: int, decision: str, canonical: str | None = None,
           actor: str | None = None, host: PluginHost | None = None, bus: EventBus | None = None,
           republish: bool = True) -> dict[str, Any]:
    """Apply ``approve`` / ``reject`` / ``edit`` (with ``canonical`` = ``entity.field`` or ``field``)."""
    host = host or get_host()
    meta = catalog.meta
    m = meta.mapping(mapping_id)
    if m is None:
        raise AutonomosError(f"no mapping with id {mapping_id}")
    entity = m["entity"]
    if decision == "approve":
        if not m["canonical"]:
            raise AutonomosError(f"mapping {mapping_id} has no proposed field to approve; use edit")
        meta.set_mapping(mapping_id, status="accepted", mapper="human", confidence=1.0)
        target = m["canonical"]
    elif decision == "reject":
        meta.set_mapping(mapping_id, status="rejected", mapper="human")
        target = m["canonical"]
    elif decision == "edit":
        if not canonical:
            raise AutonomosError("edit needs the new canonical field (entity.field or field)")
        ent_name, _, field = canonical.rpartition(".")
        ent_name = ent_name or entity
        onto = _ontology(catalog, host)
        ent = onto.entity(ent_name) if ent_name else None
        if ent is None or ent.field(field) is None:
            raise AutonomosError(f"unknown canonical field '{canonical}' in ontology {onto.name}")
        if ent_name != entity:
            raise AutonomosError(f"table {m['source']}.{m['tbl']} maps to {entity}; cannot map a field to {ent_name}")
        meta.set_mapping(mapping_id, status="accepted", mapper="human", confidence=1.0, canonical=field)
        target = field
    else:
        raise AutonomosError(f"unknown decision '{decision}' (approve, edit, reject)")
    _settle_table(catalog, host, m["source"], m["tbl"])
    meta.add_decision(m["source"], m["tbl"], m["field"], entity, target,
                      "approved" if decision == "approve" else ("edited" if decision == "edit" else "rejected"), actor)
    manifest = None
    if republish:
        manifest = republish_views(catalog, host)
    bus = bus or EventBus(store=meta, emit=host.emit)
    bus.publish(Event(type="review_decided", tenant=str(catalog.tenant_id),
                      data={"mapping_id": mapping_id, "decision": decision, "source": m["source"],
                            "table": m["tbl"], "field": m["field"], "entity": entity, "canonical": target}))
    return {"mapping": meta.mapping(mapping_id), "version": manifest["version"] if manifest else None}


def _settle_table(catalog: TenantCatalog, host: PluginHost, source: str, table: str) -> None:
    """Decide the table's other fields again after a decision: approving the field an entity
    needs (an account's name) lets its confident fields into the view, rejecting it sends them
    back to review (the rule of :func:`autonomos.core.decision.settle`)."""
    meta = catalog.meta
    rows = [r for r in meta.mappings(source) if r["tbl"] == table]
    if not rows or not rows[0].get("entity"):
        return
    threshold = float(((catalog.meta.get("pipeline") or {}).get("spec") or {}).get("mapping", {})
                      .get("accept_threshold", 0.85))
    before = {r["id"]: (r["status"], r.get("reason")) for r in rows}
    settle(rows, _ontology(catalog, host).entity(rows[0]["entity"]), threshold)
    for r in rows:
        if (r["status"], r.get("reason")) != before[r["id"]]:
            meta.set_mapping(r["id"], status=r["status"], reason=r.get("reason"))


def republish_views(catalog: TenantCatalog, host: PluginHost | None = None) -> dict[str, Any]:
    """Rebuild the manifest from metadata and publish it (under the writer lock)."""
    host = host or get_host()
    lock = catalog.writer_lock()
    lock.acquire(timeout=30)
    try:
        return catalog.publish(build_manifest(catalog, _ontology(catalog, host), None))
    finally:
        lock.release()
