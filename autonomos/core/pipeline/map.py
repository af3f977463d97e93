"""Map stage, host side: rank mappers, apply human decisions, and the ``autonomos map`` contract.

Ranking, highest first (what a person said always beats what a machine guessed):

1. YAML overrides (``mapping.overrides``: ``source.table.field`` → ``entity.field`` or null) and
   review decisions on this very field (``learned`` records with decision approved/edited, or
   rejected to veto a target). Both are accepted with confidence 1.0 and fix the table's entity.
2. Learned memory: an approved/edited decision on a field with the same name tokens in another
   source or table (``cust_ref`` → account_id) carries over with mapper ``"learned"``.
3. Plugin mappers such as ``heuristic`` (every registered mapper that is not an LLM mapper).
4. LLM mappers (``uses_llm = True`` or a name starting with ``llm``), only when asked for, and
   only where the mappers above left a field unmapped or below the accept threshold.

How an LLM answer combines with the heuristic's (``h``, ``l`` are their confidences; a field or
table already accepted, fixed by a person or by learned memory is not touched):

- both name the same target: ``h + (1 - h) * l * AGREEMENT_WEIGHT`` (weight 0.5: agreement
  closes half the gap the LLM's own confidence would), the heuristic stays the mapper and the
  reason says the LLM agrees — so agreement can lift a field over the accept threshold;
- the heuristic has no target, or one below ``LLM_TAKEOVER_BELOW`` (0.6) that the LLM beats:
  the LLM's target is used, held just below the accept threshold (an LLM alone never
  accepts: it goes to review) with the heuristic's guess kept as an alternative;
- otherwise (the heuristic is fairly sure and the LLM disagrees) the heuristic stays and the LLM's
  target is added as its first alternative.

The table's entity follows the same rule. An LLM mapper is asked for the entity itself
(``map_table``) unless a person fixed it or the heuristic is above the threshold; when it names
another entity than the heuristic, it is asked again for the heuristic's entity (``map_fields``).

Mappers are reached through the plugin host (core never imports ``autonomos.mappers``). Each
call runs isolated — an exception is logged and that mapper ignored — and time-limited. Each
canonical field is used at most once per table; a field that loses it to a higher-ranked
decision becomes unmapped with a reason. Below ``accept_threshold`` a mapping has status
``review``: it goes to the review queue and stays out of unified views.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import logging
import re
from typing import Any, Iterable

from autonomos.core import decision, settings
from autonomos.core.decision import HUMAN_MAPPERS
from autonomos.core.errors import ConfigError
from autonomos.core.models import (Candidate, Field, FieldMapping, MappingSettings, Ontology,
                                   TableMapping, TableSchema)

log = logging.getLogger(__name__)

MAPPER_TIMEOUT_S = 20.0
LEARNED_CONFIDENCE = 0.9
AGREEMENT_WEIGHT = 0.5
LLM_TAKEOVER_BELOW = 0.6


def accepted(fm: FieldMapping, threshold: float) -> bool:
    """True when a field mapping may feed unified views (a human said so, or confident enough)."""
    if fm.canonical is None:
        return False
    return fm.mapper in HUMAN_MAPPERS or fm.confidence >= threshold


def field_status(fm: FieldMapping, tm: TableMapping, threshold: float) -> str:
    """``accepted`` | ``review`` | ``unmapped``: the one rule of :mod:`autonomos.core.decision`."""
    return decision.field_status(fm.canonical, fm.confidence, fm.mapper, tm.entity, tm.confidence, tm.mapper,
                                 threshold)


def table_status(tm: TableMapping, threshold: float) -> str:
    return decision.table_status(tm.entity, tm.confidence, tm.mapper, threshold)


# -- mappers --------------------------------------------------------------------------------
def is_llm_mapper(mapper: Any) -> bool:
    return bool(getattr(mapper, "uses_llm", False)) or str(getattr(mapper, "name", "")).startswith("llm")


def _registered_mappers() -> list[Any]:
    from autonomos.core.plugins import get_host

    return list(get_host().mappers().values())


def _call(mapper: Any, method: str, *args: Any, timeout: float = MAPPER_TIMEOUT_S) -> TableMapping | None:
    """Run one mapper call in a worker thread; failures and timeouts are logged, not raised."""
    name = getattr(mapper, "name", repr(mapper))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"mapper-{name}")
    try:
        # the mapper sees the caller's context (e.g. the current tenant, which keys LLM caches)
        context = contextvars.copy_context()
        result = pool.submit(context.run, getattr(mapper, method), *args).result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        log.warning("mapper %s timed out after %.0fs; ignored", name, timeout)
        return None
    except Exception as exc:  # a broken plugin must not break the stage
        log.warning("mapper %s failed: %s: %s; ignored", name, type(exc).__name__, exc)
        return None
    finally:
        pool.shutdown(wait=False)
    if not isinstance(result, TableMapping):
        log.warning("mapper %s returned %s, not a TableMapping; ignored", name, type(result).__name__)
        return None
    return result


def _run_mapper(mapper: Any, table: TableSchema, ontology: Ontology, entity: str | None,
                timeout: float) -> TableMapping | None:
    if entity is not None and hasattr(mapper, "map_fields"):
        return _call(mapper, "map_fields", table, ontology, entity, timeout=timeout)
    tm = _call(mapper, "map_table", table, ontology, timeout=timeout)
    if tm is not None and entity is not None and tm.entity != entity:
        return None  # it mapped the table to another entity than a human fixed
    return tm


def _by_field(tm: TableMapping | None, table: TableSchema) -> dict[str, FieldMapping]:
    if tm is None or tm.entity is None:
        return {}
    names = set(table.field_names())
    return {fm.field: fm for fm in tm.fields if isinstance(fm, FieldMapping) and fm.field in names}


# -- human decisions ------------------------------------------------------------------------
def _get(rec: Any, key: str) -> Any:
    return rec.get(key) if isinstance(rec, dict) else getattr(rec, key, None)


def _table_of(rec: Any) -> Any:
    """A decision's table: ``table`` in records built in code, ``tbl`` in the metastore's rows
    (reading only ``table`` made every stored decision look like another table's)."""
    return _get(rec, "table") or _get(rec, "tbl")


def _target(value: str | None, ontology: Ontology, where: str) -> tuple[str, str] | None:
    if value is None:
        return None
    entity, _, field = str(value).partition(".")
    ent = ontology.entity(entity)
    if ent is None or ent.field(field) is None:
        raise ConfigError(f"{where}: '{value}' is not an entity.field of ontology '{ontology.name}'")
    return entity, field


def _overrides(settings: MappingSettings, source: str, table: str,
               ontology: Ontology) -> dict[str, tuple[str, str] | None]:
    prefix = f"{source}.{table}."
    out: dict[str, tuple[str, str] | None] = {}
    for key, value in (settings.overrides or {}).items():
        if str(key).startswith(prefix) and len(key) > len(prefix):
            out[key[len(prefix):]] = _target(value, ontology, f"mapping.overrides.{key}")
    return out


_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def _tokens_key(name: str) -> str:
    """Learned memory matches on name tokens: ``CustRef``, ``cust_ref`` and ``CUST_REF`` agree."""
    return " ".join(p.lower() for p in _WORDS.findall(re.sub(r"[^A-Za-z0-9]+", " ", name)))


def _decisions(learned: Iterable[Any] | None, source: str, table: str) -> tuple[dict, dict, dict]:
    """Split review records into (this field's decisions, memory by tokens, rejections by tokens)."""
    direct: dict[str, Any] = {}
    memory: dict[str, list[Any]] = {}
    rejected: dict[str, set[tuple[str, str]]] = {}
    for rec in learned or []:
        decision = str(_get(rec, "decision") or "").lower()
        field = _get(rec, "field")
        if not field or decision not in {"approved", "rejected", "edited"}:
            continue
        same = _get(rec, "source") == source and _table_of(rec) == table
        key = _tokens_key(str(field))
        if same:
            direct[str(field)] = rec
        if decision == "rejected":
            rejected.setdefault(key, set()).add((str(_get(rec, "entity")), str(_get(rec, "canonical"))))
        elif not same and _get(rec, "canonical"):
            memory.setdefault(key, []).append(rec)
    return direct, memory, rejected


# -- ranking --------------------------------------------------------------------------------
def map_table(table: TableSchema, ontology: Ontology, settings: MappingSettings, source: str,
              learned: list[Any] | None = None, mappers: list[Any] | None = None,
              timeout: float = MAPPER_TIMEOUT_S) -> TableMapping:
    """Map one table with every source of evidence, ranked as the module docstring says."""
    threshold = settings.accept_threshold
    overrides = _overrides(settings, source, table.name, ontology)
    direct, memory, rejected = _decisions(learned, source, table.name)
    fixed: dict[str, FieldMapping] = {}
    entity: str | None = None
    for fname, target in overrides.items():
        if target is None:
            fixed[fname] = FieldMapping(fname, None, 1.0, "override", "unmapped by mapping.overrides")
        else:
            entity = entity or target[0]
            fixed[fname] = FieldMapping(fname, target[1], 1.0, "override",
                                        f"mapping.overrides: {source}.{table.name}.{fname} → {target[0]}.{target[1]}")
    for fname, rec in direct.items():
        decision = str(_get(rec, "decision")).lower()
        if fname in fixed or decision == "rejected":
            continue
        canonical, ent = _get(rec, "canonical"), _get(rec, "entity")
        if canonical and ent:
            _target(f"{ent}.{canonical}", ontology, f"review decision on {source}.{table.name}.{fname}")
            entity = entity or str(ent)
        fixed[fname] = FieldMapping(fname, canonical or None, 1.0, "review",
                                    f"reviewer {decision} this mapping")

    all_mappers = list(mappers) if mappers is not None else _registered_mappers()
    regular = [m for m in all_mappers if not is_llm_mapper(m)]
    llms = [m for m in all_mappers if is_llm_mapper(m)] if settings.use_llm else []

    base: TableMapping | None = None
    for mapper in regular:
        tm = _run_mapper(mapper, table, ontology, entity, timeout)
        if tm is not None and (base is None or (base.entity is None and tm.entity is not None)
                               or (tm.entity == base.entity and tm.confidence > base.confidence)):
            base = tm
    human_entity = entity
    if entity is None and base is not None:
        entity = base.entity
    # The LLM picks the entity itself unless a person fixed it or the heuristic is sure.
    ask = entity if human_entity is not None or (
        base is not None and base.confidence >= threshold) else None
    llm_maps = []
    for m in llms:
        limit = getattr(m, "timeout_s", None) or timeout
        tm = _run_mapper(m, table, ontology, ask, limit)
        if tm is not None and entity is not None and tm.entity != entity and hasattr(m, "map_fields"):
            tm = _call(m, "map_fields", table, ontology, entity, timeout=limit)
        if tm is not None:
            llm_maps.append(tm)
    if entity is None:
        entity = next((tm.entity for tm in llm_maps if tm.entity), None)

    proposals = _by_field(base, table) if base is not None and base.entity == entity else {}
    llm_fields = [_by_field(tm, table) for tm in llm_maps if tm.entity == entity]
    fields: list[FieldMapping] = []
    for f in table.fields:
        if f.name in fixed:
            fields.append(fixed[f.name])
            continue
        fm = proposals.get(f.name) or FieldMapping(f.name, None, 0.5, "host", "no mapper proposed a mapping")
        if entity is None:
            fm = FieldMapping(f.name, None, fm.confidence, fm.mapper, "table is not mapped to an entity")
        else:
            fm = _apply_memory(f, fm, entity, memory, rejected, threshold)
            if not accepted(fm, threshold) and fm.mapper not in ("learned", *HUMAN_MAPPERS):
                for lf in llm_fields:
                    alt = lf.get(f.name)
                    if alt is not None and alt.canonical:
                        fm = combine_llm(fm, alt, threshold)
        fields.append(fm)
    _dedupe(fields)

    human = any(fm.mapper in HUMAN_MAPPERS and fm.canonical for fm in fields)
    if entity is None:
        conf = base.confidence if base is not None else 0.0
        reason = base.reason if base is not None else "no mapper mapped this table"
        return TableMapping(table.name, None, conf, fields, reason, base.mapper if base else "host")
    if human and (base is None or base.entity != entity or base.confidence < threshold):
        return TableMapping(table.name, entity, 1.0, fields, "entity fixed by a human decision", "override")
    assert base is not None or llm_maps
    agreeing = [tm for tm in llm_maps if tm.entity == entity]
    if base is not None and base.entity == entity:
        conf, reason = base.confidence, base.reason
        if agreeing and conf < threshold and not human:
            conf = agreed_confidence(conf, max(tm.confidence for tm in agreeing))
            reason = f"{reason}; the LLM agrees ({max(tm.confidence for tm in agreeing):.2f})"
        return TableMapping(table.name, entity, conf, fields, reason, base.mapper)
    src = agreeing[0] if agreeing else llm_maps[0]
    return TableMapping(table.name, entity, min(src.confidence, _below(threshold)), fields,
                        src.reason, src.mapper)


def agreed_confidence(h: float, llm: float) -> float:
    """Heuristic and LLM name the same target: confidence rises, never to certainty."""
    return min(0.99, h + (1.0 - h) * max(0.0, min(1.0, llm)) * AGREEMENT_WEIGHT)


def _below(threshold: float) -> float:
    """An LLM alone never accepts a mapping: it stays just under the threshold (review)."""
    return max(0.0, threshold - 0.01)


def combine_llm(fm: FieldMapping, alt: FieldMapping, threshold: float) -> FieldMapping:
    """Combine a non-accepted mapper answer ``fm`` with an LLM answer ``alt`` (module docstring)."""
    if fm.canonical == alt.canonical:
        return FieldMapping(fm.field, fm.canonical, agreed_confidence(fm.confidence, alt.confidence),
                            fm.mapper, f"{fm.reason}; the LLM agrees ({alt.confidence:.2f})",
                            fm.alternatives)
    if fm.canonical is None or (fm.confidence < LLM_TAKEOVER_BELOW and alt.confidence > fm.confidence):
        held = FieldMapping(alt.field, alt.canonical, min(alt.confidence, _below(threshold)), alt.mapper,
                            alt.reason, alt.alternatives)
        return _with_alternative(held, fm)
    alts = [Candidate(str(alt.canonical), alt.confidence, f"{alt.mapper}: {alt.reason}")]
    return FieldMapping(fm.field, fm.canonical, fm.confidence, fm.mapper, fm.reason,
                        alts + [a for a in fm.alternatives if a.canonical != alt.canonical])


def _with_alternative(winner: FieldMapping, loser: FieldMapping) -> FieldMapping:
    alts = list(winner.alternatives)
    if loser.canonical:
        alts.insert(0, Candidate(loser.canonical, loser.confidence, f"{loser.mapper}: {loser.reason}"))
    return FieldMapping(winner.field, winner.canonical, winner.confidence, winner.mapper,
                        winner.reason, alts)


def _apply_memory(f: Field, fm: FieldMapping, entity: str, memory: dict, rejected: dict,
                  threshold: float) -> FieldMapping:
    key = _tokens_key(f.name)
    vetoed = rejected.get(key, set())
    if fm.canonical and (entity, fm.canonical) in vetoed:
        nxt = next((a for a in fm.alternatives if (entity, a.canonical) not in vetoed), None)
        reason = f"a reviewer rejected {entity}.{fm.canonical} for '{f.name}'"
        fm = FieldMapping(fm.field, nxt.canonical if nxt else None,
                          min(nxt.confidence, threshold - 0.01) if nxt else 0.5, fm.mapper,
                          reason + (f"; next candidate: {nxt.reason}" if nxt else ""), fm.alternatives)
    recs = [r for r in memory.get(key, []) if _get(r, "entity") == entity
            and (entity, str(_get(r, "canonical"))) not in vetoed]
    if not recs:
        return fm
    votes: dict[str, list[Any]] = {}
    for r in recs:
        votes.setdefault(str(_get(r, "canonical")), []).append(r)
    canonical, support = max(votes.items(), key=lambda kv: len(kv[1]))
    where = ", ".join(f"{_get(r, 'source')}.{_table_of(r)}" for r in support[:3])
    conf = min(0.97, LEARNED_CONFIDENCE + 0.02 * (len(support) - 1))
    return _with_alternative(
        FieldMapping(f.name, canonical, conf, "learned",
                     f"a reviewer mapped '{_get(support[0], 'field')}' to {entity}.{canonical} in {where}"),
        fm if fm.canonical != canonical else FieldMapping(fm.field, None, 0, fm.mapper))


RANK = {"override": 4, "review": 4, "learned": 3}


def _dedupe(fields: list[FieldMapping]) -> None:
    """Each canonical field at most once per table; the higher-ranked decision keeps it."""
    owner: dict[str, int] = {}
    for i, fm in enumerate(fields):
        if fm.canonical is None:
            continue
        j = owner.get(fm.canonical)
        if j is None:
            owner[fm.canonical] = i
            continue
        other = fields[j]
        mine = (RANK.get(fm.mapper, 1), fm.confidence)
        theirs = (RANK.get(other.mapper, 1), other.confidence)
        win, lose = (i, j) if mine > theirs else (j, i)
        owner[fm.canonical] = win
        lf = fields[lose]
        fields[lose] = FieldMapping(
            lf.field, None, 0.5, lf.mapper,
            f"{lf.canonical} is taken by '{fields[win].field}' ({fields[win].mapper}); was: {lf.reason}",
            [Candidate(lf.canonical, lf.confidence, lf.reason)] + list(lf.alternatives))


# -- the `autonomos map SCHEMA.json` contract -------------------------------------------------
def _validate(doc: Any) -> list[tuple[str, TableSchema]]:
    """Check a schema document and build tables; errors name the JSON path of the bad value."""
    if not isinstance(doc, dict):
        raise ConfigError(f"schema document: expected an object, got {type(doc).__name__}")
    src = doc.get("source")
    if src is not None and not isinstance(src, str):
        raise ConfigError("source: expected a string")
    tables = doc.get("tables")
    if tables is None:
        raise ConfigError("tables: required")
    if not isinstance(tables, list):
        raise ConfigError(f"tables: expected a list, got {type(tables).__name__}")
    out = []
    for i, t in enumerate(tables):
        where = f"tables[{i}]"
        if not isinstance(t, dict):
            raise ConfigError(f"{where}: expected an object, got {type(t).__name__}")
        name = t.get("name", t.get("table"))
        if name is None:
            raise ConfigError(f"{where}.name: required")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}.name: expected a non-empty string")
        fields = t.get("fields")
        if fields is None:
            fields = []
        if not isinstance(fields, list):
            raise ConfigError(f"{where}.fields: expected a list, got {type(fields).__name__}")
        schema_fields = []
        for j, f in enumerate(fields):
            fw = f"{where}.fields[{j}]"
            if isinstance(f, str):  # a bare name is a field without type or samples
                f = {"name": f}
            if not isinstance(f, dict):
                raise ConfigError(f"{fw}: expected an object, got {type(f).__name__}")
            fname = f.get("name", f.get("field"))
            if fname is None:
                raise ConfigError(f"{fw}.name: required")
            if not isinstance(fname, str) or not fname.strip():
                raise ConfigError(f"{fw}.name: expected a non-empty string")
            ftype = f.get("type")
            if ftype is not None and not isinstance(ftype, str):
                raise ConfigError(f"{fw}.type: expected a DuckDB type name (string)")
            samples = f.get("samples")
            if samples is None:
                samples = []
            if not isinstance(samples, list):
                raise ConfigError(f"{fw}.samples: expected a list of values")
            schema_fields.append(Field(name=fname, type=ftype or "", samples=list(samples)))
        out.append((name, TableSchema(name=name, fields=schema_fields)))
    return out


def _resolve_ontology(doc: dict[str, Any], ontology: Ontology | None) -> Ontology:
    if ontology is not None:
        return ontology
    from autonomos.core.plugins import get_host

    name = doc.get("ontology") or "crm_finance"
    if not isinstance(name, str):
        raise ConfigError("ontology: expected an ontology name")
    found = get_host().ontologies().get(name)
    if found is None:
        if name == "crm_finance":
            from autonomos.core.ontology import CRM_FINANCE

            return CRM_FINANCE
        known = ", ".join(sorted(get_host().ontologies())) or "none"
        raise ConfigError(f"ontology: unknown ontology '{name}' (known: {known})")
    return found


def _round(x: float) -> float:
    return round(float(x), 3)


def llm_configured() -> bool:
    """True when an LLM provider is configured (``AUTONOMOS_LLM_PROVIDER``)."""
    return bool(settings.current().llm_provider)


def _field_mappings(tm: TableMapping, schema: TableSchema) -> list[FieldMapping]:
    """One mapping per field of ``schema``, in its order (a placeholder where no mapper spoke)."""
    if len(tm.fields) == len(schema.fields):
        return list(tm.fields)
    by_name = {x.field: x for x in tm.fields}
    return [by_name.get(f.name) or FieldMapping(f.name, None, 0.5, "host", "no mapper proposed a mapping")
            for f in schema.fields]


def propose_schema_mapping(doc: dict[str, Any], ontology: Ontology | None = None,
                           use_llm: bool | None = None) -> dict[str, Any]:
    """Propose table → entity and field → canonical mappings for a schema document.

    Input ``{"source": "x", "tables": [{"name": "Accounts", "fields": [{"name": "Account_Name",
    "type": "VARCHAR", "samples": ["Acme"]}]}]}`` (``source``, ``type``, ``samples`` optional,
    extra keys ignored). Output keeps every table and field in input order::

        {"source": "x", "ontology": "crm_finance", "tables": [{"table": "Accounts",
         "entity": "account", "confidence": 0.97, "status": "accepted", "reason": "...",
         "fields": [{"field": "Account_Name", "canonical": "name", "confidence": 0.95,
                     "mapper": "heuristic", "reason": "...", "status": "accepted",
                     "alternatives": [{"canonical": ..., "confidence": ...}]}]}]}

    ``entity``/``canonical`` are null where nothing fits. Raises ConfigError naming the path of
    an invalid value (``tables[0].fields[2].name: required``). ``use_llm`` defaults to on when an
    LLM provider is configured (:func:`llm_configured`).
    """
    if use_llm is None:
        use_llm = llm_configured()
    tables = _validate(doc)
    onto = _resolve_ontology(doc, ontology)
    source = doc.get("source")
    settings = MappingSettings(use_llm=use_llm)
    out_tables = []
    for name, schema in tables:
        tm = map_table(schema, onto, settings, source or "")
        fields_out = []
        mappings = _field_mappings(tm, schema)
        for f, fm in zip(schema.fields, mappings):
            fields_out.append({
                "field": f.name, "canonical": fm.canonical if tm.entity else None,
                "confidence": _round(fm.confidence), "mapper": fm.mapper, "reason": fm.reason,
                "status": field_status(fm, tm, settings.accept_threshold),
                "alternatives": [{"canonical": a.canonical, "confidence": _round(a.confidence)}
                                 for a in fm.alternatives[:3]],
            })
        status, reason = table_status(tm, settings.accept_threshold), tm.reason
        if tm.entity:  # the table rule too: the same statuses a run stores (core/decision.py)
            rows = [{**f, "confidence": fm.confidence, "entity": tm.entity, "entity_confidence": tm.confidence,
                     "entity_mapper": tm.mapper} for f, fm in zip(fields_out, mappings)]
            decision.settle(rows, onto.entity(tm.entity), settings.accept_threshold)
            for f, r in zip(fields_out, rows):
                f["status"], f["reason"] = r["status"], r["reason"]
            accepted = {f["canonical"] for f in fields_out if f["status"] == "accepted" and f["canonical"]}
            missing = decision.missing_defining(onto.entity(tm.entity), accepted)
            if missing and status == "accepted":
                status, reason = "review", f"{missing}; {reason}".rstrip("; ")
        out_tables.append({
            "table": name, "entity": tm.entity, "confidence": _round(tm.confidence),
            "status": status, "reason": reason, "fields": fields_out,
        })
    return {"source": source, "ontology": onto.name, "tables": out_tables}
