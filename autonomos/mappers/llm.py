"""The LLM mapper: asks a configured language model for table → entity and field → canonical field.

It is optional and advisory. Configure it with ``AUTONOMOS_LLM_PROVIDER`` (``openai`` or
``gemini``, any registered provider name) and optionally ``AUTONOMOS_LLM_MODEL`` — or, per run,
with :func:`autonomos.core.settings.using_llm` (the server passes each organization's settings
that way, never through ``os.environ``); without a provider it is inactive, says so in its reason and a log line, and never fails a run. The
provider is reached through the plugin registry (``get_host().llm_providers()``), never imported.

What is sent: the ontology (entity names, descriptions, canonical field names and types) and the
table (name, field names, types, up to ``AUTONOMOS_LLM_SAMPLES`` distinct sample values per field,
default 5, each cut to 64 characters; ``0`` sends no values). The answer is validated: unknown
entities and fields are dropped, a source field answered twice keeps its most confident answer,
a canonical field claimed twice goes to the more confident claim, confidences are clamped to
0..1 and capped at :data:`MAX_CONFIDENCE` (0.9) — the host (``core.pipeline.map``) decides how
that combines with the heuristic. Answers are cached on disk under
``<data dir>/cache/llm/`` keyed by a hash of provider, model, prompt and schema, so re-running
on the same table asks nothing (``AUTONOMOS_LLM_CACHE=0`` turns the cache off).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from autonomos import hookimpl
from autonomos.core import settings
from autonomos.core.models import Candidate, FieldMapping, Ontology, TableMapping, TableSchema

log = logging.getLogger(__name__)

MAX_CONFIDENCE = 0.9
DEFAULT_SAMPLES = 5
SAMPLE_CHARS = 64
PROMPT_VERSION = 1
NONE = "none"

_FIELD_ITEM = {
    "type": "object", "additionalProperties": False,
    "required": ["field", "canonical", "confidence", "reason"],
    "properties": {
        "field": {"type": "string"},
        "canonical": {"type": "string"},
        "confidence": {"type": "number"},
        "reason": {"type": "string"},
    },
}
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["entity", "entity_confidence", "entity_reason", "fields"],
    "properties": {
        "entity": {"type": "string"},
        "entity_confidence": {"type": "number"},
        "entity_reason": {"type": "string"},
        "fields": {"type": "array", "items": _FIELD_ITEM},
    },
}


def sample_limit() -> int:
    """``AUTONOMOS_LLM_SAMPLES`` (default 5, at most 5; 0 sends no sample values)."""
    raw = settings.current().llm_samples
    if not raw:
        return DEFAULT_SAMPLES
    try:
        return max(0, min(DEFAULT_SAMPLES, int(raw)))
    except ValueError:
        log.warning("AUTONOMOS_LLM_SAMPLES=%r is not an integer; sending no samples", raw)
        return 0


def _samples(values: list[Any], limit: int) -> list[str]:
    out: list[str] = []
    for v in values:
        if v is None or len(out) >= limit:
            continue
        s = str(v)[:SAMPLE_CHARS]
        if s not in out:
            out.append(s)
    return out


def build_prompt(table: TableSchema, ontology: Ontology, entity: str | None, samples: int) -> str:
    """The request text. Sections are JSON between tags so the model (and a test server) can read
    them exactly; the table section carries only names, types and the allowed samples."""
    entities = ontology.entities if entity is None else [e for e in ontology.entities if e.name == entity]
    onto = [{"entity": e.name, "description": e.description,
             "fields": [{"name": f.name, "type": f.type} | ({"description": f.description} if f.description else {})
                        for f in e.fields]} for e in entities]
    tab = {"table": table.name, "fields": [
        {"name": f.name, "type": f.type or "unknown"} | ({"samples": _samples(f.samples, samples)} if samples else {})
        for f in table.fields]}
    task = (f"The table is known to hold '{entity}' records: answer entity '{entity}' and map its fields."
            if entity else
            f"Choose the one entity the table's rows are (or '{NONE}' if none fits), then map its fields.")
    return "\n".join([
        "Map a source table onto a business ontology.",
        task,
        f"For every source field give the canonical field of that entity it holds, or '{NONE}', a "
        "confidence between 0 and 1 (how likely a data engineer would agree), and a short reason. "
        "Use each canonical field at most once. Judge by names, types and sample values.",
        "<ontology>", json.dumps(onto, ensure_ascii=False), "</ontology>",
        "<table>", json.dumps(tab, ensure_ascii=False, default=str), "</table>",
    ])


def _clamp(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return 0.0
    if v != v:  # NaN
        return 0.0
    return max(0.0, min(MAX_CONFIDENCE, v))


def interpret(answer: dict[str, Any], table: TableSchema, ontology: Ontology, entity: str | None,
              mapper: str = "llm") -> TableMapping:
    """Turn a (schema-valid) answer into a TableMapping, dropping what the ontology or the table
    does not have; never trusts the model with more than :data:`MAX_CONFIDENCE`."""
    said = str(answer.get("entity") or "").strip()
    if entity is not None:
        ent = ontology.entity(entity)
        reason = str(answer.get("entity_reason") or f"entity fixed as {entity}")
        conf = _clamp(answer.get("entity_confidence", MAX_CONFIDENCE))
    else:
        ent = ontology.entity(said) if said and said.lower() != NONE else None
        reason = str(answer.get("entity_reason") or "")
        conf = _clamp(answer.get("entity_confidence"))
        if ent is None and said and said.lower() != NONE:
            reason = f"LLM named unknown entity '{said}' (dropped); {reason}"
    if ent is None:
        return TableMapping(table.name, None, conf, [
            FieldMapping(f.name, None, conf, mapper, "LLM: table not mapped to an entity") for f in table.fields],
            f"LLM: {reason}" if reason else "LLM: no entity fits", mapper)

    best: dict[str, FieldMapping] = {}
    names = set(table.field_names())
    for item in answer.get("fields") or []:
        if not isinstance(item, dict):
            continue
        fname, canonical = str(item.get("field", "")), str(item.get("canonical") or "").strip()
        if fname not in names:
            continue  # a field the table does not have
        why = str(item.get("reason") or "").strip()
        if not canonical or canonical.lower() == NONE:
            fm = FieldMapping(fname, None, _clamp(item.get("confidence")), mapper, f"LLM: {why or 'no field fits'}")
        elif ent.field(canonical) is None:
            fm = FieldMapping(fname, None, 0.5, mapper,
                              f"LLM proposed '{canonical}', which {ent.name} does not have (dropped)")
        else:
            fm = FieldMapping(fname, canonical, _clamp(item.get("confidence")), mapper, f"LLM: {why or canonical}")
        prior = best.get(fname)
        if prior is None or (fm.canonical is not None, fm.confidence) > (prior.canonical is not None, prior.confidence):
            best[fname] = fm
    fields = [best.get(f.name) or FieldMapping(f.name, None, 0.5, mapper, "LLM gave no answer for this field")
              for f in table.fields]
    _one_per_canonical(fields, mapper)
    return TableMapping(table.name, ent.name, conf, fields, f"LLM: {reason}" if reason else "LLM", mapper)


def _one_per_canonical(fields: list[FieldMapping], mapper: str) -> None:
    owner: dict[str, int] = {}
    for i, fm in enumerate(fields):
        if fm.canonical is None:
            continue
        j = owner.get(fm.canonical)
        if j is None or fm.confidence > fields[j].confidence:
            owner[fm.canonical] = i
            lose = j
        else:
            lose = i
        if lose is not None:
            lf = fields[lose]
            fields[lose] = FieldMapping(lf.field, None, 0.5, mapper,
                                        f"LLM also gave {lf.canonical} to a more likely field",
                                        [Candidate(str(lf.canonical), lf.confidence, lf.reason)])


def takes_model(provider: Any) -> bool:
    """Does ``provider.complete`` accept ``model=`` (the hookspec only promises prompt, schema)?"""
    try:
        params = inspect.signature(provider.complete).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "model" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


class AnswerCache:
    """JSON answers on disk, one file per key; writes are atomic so parallel runs never read a
    half-written file. Kept under the current tenant's folder (``<data dir>/tenants/<uuid>/cache/llm``)
    during a run, so one tenant's answers are never served to another; outside any tenant
    (``autonomos map``) under ``<data dir>/cache/llm``."""

    def __init__(self, root: Path | None = None):
        self._root = root

    def root(self) -> Path:
        if self._root is not None:
            return self._root
        tenant = settings.current_tenant.get()
        if tenant is not None:
            return settings.tenant_dir(tenant) / "cache" / "llm"
        return settings.data_dir() / "cache" / "llm"

    @staticmethod
    def key(*parts: Any) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        path = self.root() / key[:2] / f"{key}.json"
        try:
            value = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        folder = self.root() / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(value, fh, ensure_ascii=False)
            os.replace(tmp, folder / f"{key}.json")
        except OSError as exc:  # a read-only data dir costs a re-ask, not the run
            log.warning("cannot write the LLM answer cache under %s: %s", folder, exc)


class LLMMapper:
    """Mapper ``llm`` (``uses_llm = True``): ranked last by the host, consulted only when LLM use
    is on. ``provider``/``model``/``cache`` may be given explicitly (tests, embedding apps);
    otherwise they come, at call time, from the run's LLM settings when one is set
    (:func:`autonomos.core.settings.using_llm`: the server sets the organization's) or else from
    the environment. One instance serves every tenant: it keeps no per-run state."""

    name = "llm"
    uses_llm = True
    timeout_s = 180.0  # the host's time limit for this mapper: provider retries need room

    def __init__(self, provider: Any = None, model: str | None = None, cache: AnswerCache | None = None):
        self._provider = provider
        self._model = model
        self.cache = cache or AnswerCache()
        self._said_inactive = False

    def provider(self) -> tuple[Any, str | None]:
        """(provider, None) when configured, else (None, why the mapper is inactive)."""
        if self._provider is not None:
            return self._provider, None
        where = ("the organization's LLM settings" if settings.llm_override.get() is not None
                 else "AUTONOMOS_LLM_PROVIDER")
        name = settings.llm_provider_name()
        if not name:
            if settings.llm_override.get() is not None:
                return None, ("LLM mapper inactive: no LLM provider in the organization's settings and none "
                              "configured on the server")
            return None, "LLM mapper inactive: AUTONOMOS_LLM_PROVIDER is not set (openai|gemini)"
        from autonomos.core.plugins import get_host

        providers = get_host().llm_providers()
        if name not in providers:
            known = ", ".join(sorted(providers)) or "none"
            return None, f"LLM mapper inactive: unknown provider '{name}' in {where} (known: {known})"
        return providers[name], None

    def map_table(self, table: TableSchema, ontology: Ontology) -> TableMapping:
        return self._map(table, ontology, None)

    def map_fields(self, table: TableSchema, ontology: Ontology, entity: str) -> TableMapping:
        if ontology.entity(entity) is None:
            raise ValueError(f"unknown entity '{entity}' (ontology {ontology.name})")
        return self._map(table, ontology, entity)

    def _map(self, table: TableSchema, ontology: Ontology, entity: str | None) -> TableMapping:
        provider, why = self.provider()
        if provider is None:
            return self._inactive(table, str(why))
        model = self._model or (provider.model() if callable(getattr(provider, "model", None)) else None) or ""
        prompt = build_prompt(table, ontology, entity, sample_limit())
        use_cache = settings.current().llm_cache
        key = AnswerCache.key(PROMPT_VERSION, provider.name, model, prompt, ANSWER_SCHEMA)
        answer = self.cache.get(key) if use_cache else None
        if answer is None:
            try:  # the hookspec's minimal signature is complete(prompt, schema)
                answer = (provider.complete(prompt, ANSWER_SCHEMA, model=model) if model and takes_model(provider)
                          else provider.complete(prompt, ANSWER_SCHEMA))
                if not isinstance(answer, dict):
                    raise TypeError(f"provider returned {type(answer).__name__}, not a JSON object")
            except Exception as exc:  # any provider failure costs this table its LLM opinion only
                log.warning("LLM mapper skipped table %s: %s", table.name, exc)
                return self._inactive(table, f"LLM call failed: {exc}", quiet=True)
            if use_cache:
                self.cache.put(key, answer)
        return interpret(answer, table, ontology, entity, self.name)

    def _inactive(self, table: TableSchema, why: str, quiet: bool = False) -> TableMapping:
        if not quiet and not self._said_inactive:
            log.info("%s", why)
            self._said_inactive = True
        return TableMapping(table.name, None, 0.0, [FieldMapping(f.name, None, 0.0, self.name, why)
                                                    for f in table.fields], why, self.name)


@hookimpl
def register_mappers(register: Any) -> None:
    register(LLMMapper())
