"""The built-in heuristic mapper: table → entity and field → canonical field, without an LLM.

Mapper plugin contract
----------------------
:class:`autonomos.core.mapper.Mapper` (``from autonomos import Mapper``) says what
``register_mappers`` accepts: ``name`` and ``map_table(table, ontology) -> TableMapping``, with
optional ``map_fields(table, ontology, entity)`` (:class:`~autonomos.core.mapper.EntityMapper`),
``uses_llm`` and ``timeout_s``. This mapper has ``map_fields``. The host (``core.pipeline.map``)
ranks mappers, isolates their failures and time-limits each call.

How this one decides
--------------------
Names are tokenized (camelCase, snake, dotted paths, glued words, abbreviations, custom-field
markers) and compared with a general lexicon of synonyms per canonical field and entity; the
source type must be compatible with the canonical type; sample values (emails, URLs, phones,
ISO codes, dates, ratios) add or remove evidence. For every entity the table's fields are
assigned to canonical fields with the Hungarian algorithm (each canonical field at most once per
table); the entity is chosen from the table name *and* the strength of that field evidence.
Lineage columns, yes/no flags and names that fit nothing map to ``None`` with a reason.

General rules, never per-vendor answers:

- Field evidence for an entity counts only confident matches, weighted by how many canonical
  fields the matched phrase could mean (``usage start`` → 1, ``start`` → ½, ``id`` → ⅛), so a
  table that shares only ids, statuses and dates with an entity stays unmapped.
- The table name's head noun counts most; an entity word that only modifies another noun
  (``account_move``) or was guessed from an ambiguous abbreviation (``res_`` → resource) counts
  little, and a head noun naming a business object no entity covers (``subscriptions``,
  ``tickets``) needs strong field evidence.
- Words that make a name another thing (``billing period`` is not the usage period, a
  reservation's cost is not the line's cost) cut its score; groups that name the row
  (``lineItem/``, ``identity/``) are read through; tag/label columns (``resourceTags/user:Project``,
  ``labels.project``) map by their key; ``org_name`` is not a reference to the organization;
  ``date_closed`` reads as ``closed date``; a name that is exactly another entity's field
  (``first_name`` in an account table) is not forced onto a partial match.
"""

from __future__ import annotations

import math

from autonomos import hookimpl
from autonomos.core.models import (Candidate, Entity, FieldMapping, Ontology, TableMapping,
                                   TableSchema)
from autonomos.mappers import lexicon, scoring
from autonomos.mappers.assignment import assign
from autonomos.mappers.scoring import FieldContext, Phrase, Score
from autonomos.mappers.tokens import Tokens, tokenize

MIN_FIELD_SCORE = 0.45  # below this a field is left unmapped rather than forced
MIN_ENTITY_SCORE = 0.5
MAX_ALTERNATIVES = 3
EVIDENCE_FLOOR = 0.5  # a field match this weak says nothing about the entity
EVIDENCE_SCALE = 1.0
OTHER_OBJECT_FACTOR = 0.6  # a table named for a non-entity object needs strong field evidence
NON_HEAD_FACTOR = 0.55  # "res_partner", "account_move": the entity word only modifies the head


def _head(words: list[str]) -> int:
    """Index of the head noun: the last word that is neither noise nor a number/version."""
    meaningful = [i for i, w in enumerate(words) if w not in lexicon.TABLE_NOISE
                  and not any(c.isdigit() for c in w)]
    return meaningful[-1] if meaningful else len(words) - 1


def _table_name_score(tokens: Tokens, entity: Entity) -> tuple[float, str]:
    """Does the table name say this entity? The head noun counts most; a word guessed from an
    ambiguous abbreviation (``res`` → resource) counts little."""
    words = tokens.words
    last = _head(words)
    best, label = 0.0, ""
    for ph in scoring.entity_phrases(entity):
        n = len(ph.words)
        for i in range(len(words) - n, -1, -1):
            if tuple(words[i:i + n]) != ph.words:
                continue
            head = i + n - 1 >= last
            s = ph.weight * (1.0 if head else NON_HEAD_FACTOR)
            if set(ph.words) & tokens.ambiguous:
                s *= 0.6
            if s > best:
                best, label = s, ph.label
    return best, label


def _other_object(tokens: Tokens, ontology: Ontology) -> str | None:
    """The table's head noun when it names a business object no entity of ``ontology`` is."""
    if not tokens.words:
        return None
    head = tokens.words[_head(tokens.words)]
    if head not in lexicon.OTHER_OBJECTS:
        return None
    for e in ontology.entities:
        if any(head in p.words for p in scoring.entity_phrases(e)):
            return None
    return head


def _idf(ontology: Ontology) -> dict[str, float]:
    counts: dict[str, int] = {}
    for e in ontology.entities:
        for f in e.fields:
            counts[f.name] = counts.get(f.name, 0) + 1
    return {k: 1.0 / v for k, v in counts.items()}


class _EntityFit:
    """Field evidence for one entity: the assignment and every candidate score."""

    def __init__(self, entity: Entity, scores: list[list[Score]], picked: dict[int, int]):
        self.entity = entity
        self.scores = scores
        self.picked = picked


def _fit_entity(ctxs: list[FieldContext], ontology: Ontology, entity: Entity,
                table_words: set[str]) -> _EntityFit:
    own = [p for p in scoring.entity_phrases(entity) if p.weight >= 0.7]
    foreign = scoring.other_entity_words(ontology, entity)
    scores: list[list[Score]] = []
    index = scoring.phrase_index(ontology, entity)
    zeros = [Score(cf.name, 0.0, "") for cf in entity.fields]  # shared: a Score is never changed
    for ctx in ctxs:
        can = scoring.candidate_fields(ctx, index)  # the rest score 0 by name: not scored at all
        row = list(zeros)
        for j in can:
            row[j] = scoring.score_field(ctx, ontology, entity, entity.fields[j], own, table_words, foreign)
        elsewhere = scoring.names_other_field(ontology, entity, ctx.tokens.words)
        if elsewhere:
            row = [Score(s.canonical, s.score * 0.6, f"{s.reason}; the name is exactly "
                         f"{elsewhere}", s.phrase) if s.score and not s.exact else s
                   for s in row]
        for weak in scoring.pattern_only(ctx, entity):
            j = next(k for k, cf in enumerate(entity.fields) if cf.name == weak.canonical)
            if row[j].score < weak.score and not ctx.tokens.lineage:
                row[j] = weak
        scores.append(row)
    # Cubing favours one strong match over two mediocre ones ("ResourceId" → resource_id rather
    # than ResourceId → id plus ResourceGroup → resource_id).
    matrix = [[s.score ** 3 if s.score >= MIN_FIELD_SCORE else 0.0 for s in row] for row in scores]
    picked = assign(matrix, floor=0.0)
    return _EntityFit(entity, scores, picked)


def _evidence(fit: _EntityFit, idf: dict[str, float],
              ontology: Ontology) -> tuple[float, list[str]]:
    """How strongly the fields say "this entity": confident matches through specific names of
    fields specific to the entity count; weak matches (``plan`` → sku at 0.56) and vague
    phrases (``start``, ``date``, ``account id``) barely do, so a table that only shares ids,
    statuses and dates with an entity does not become one."""
    total, names = 0.0, []
    for r, c in fit.picked.items():
        s = fit.scores[r][c]
        strength = min(1.0, max(0.0, (s.score - EVIDENCE_FLOOR) / (0.95 - EVIDENCE_FLOOR)))
        weight = scoring.phrase_specificity(ontology, s.phrase) if s.phrase else \
            0.5 * idf.get(s.canonical, 1.0)
        total += strength * weight
        if strength * weight >= 0.3:
            names.append(s.canonical)
    return 1.0 - math.exp(-total / EVIDENCE_SCALE), names


class HeuristicMapper:
    """Maps tables with names, types and sample values only (see module docstring)."""

    name = "heuristic"

    def map_table(self, table: TableSchema, ontology: Ontology) -> TableMapping:
        ctxs = [scoring.prepare(f) for f in table.fields]
        raw_words = tokenize(table.name, expand=False)
        exp_words = tokenize(table.name)
        table_words = set(raw_words.words) | set(exp_words.words)
        idf = _idf(ontology)
        other = _other_object(exp_words, ontology)
        ranked: list[tuple[float, _EntityFit, str]] = []
        for entity in ontology.entities:
            fit = _fit_entity(ctxs, ontology, entity, table_words)
            n1, l1 = _table_name_score(raw_words, entity)
            n2, l2 = _table_name_score(exp_words, entity)
            name_score, label = (n1, l1) if n1 >= n2 else (n2, l2)
            ev, distinctive = _evidence(fit, idf, ontology)
            score = 1.0 - (1.0 - 0.9 * name_score) * (1.0 - 0.9 * ev)
            why = []
            if other and name_score < 1.0:
                score *= OTHER_OBJECT_FACTOR
                why.append(f"table name '{table.name}' names a {other}, not a {entity.name}")
            if name_score:
                why.append(f"table name '{table.name}' → '{label}'")
            if distinctive:
                why.append(f"fields look like {entity.name} fields ({', '.join(distinctive[:5])})")
            elif fit.picked:
                why.append(f"{len(fit.picked)} field(s) match generic {entity.name} fields")
            ranked.append((score, fit, "; ".join(why)))
        ranked.sort(key=lambda x: -x[0])
        if not ranked or ranked[0][0] < MIN_ENTITY_SCORE:
            best = ranked[0] if ranked else None
            hint = f" (closest: {best[1].entity.name}, {best[0]:.2f})" if best else ""
            if other:
                hint += f"; it names a {other}, which is no entity of '{ontology.name}'"
            return TableMapping(
                table=table.name, entity=None, confidence=round(1.0 - (best[0] if best else 0), 3),
                reason=f"no entity fits table '{table.name}'{hint}", mapper=self.name,
                fields=[FieldMapping(c.field.name, None, 0.9, self.name,
                                     "table is not mapped to an entity") for c in ctxs])
        score, fit, why = ranked[0]
        conf = score
        if len(ranked) > 1 and ranked[1][0] > score - 0.1:
            conf -= (0.1 - (score - ranked[1][0])) * 0.5
            why += f"; close second: {ranked[1][1].entity.name} ({ranked[1][0]:.2f})"
        conf = max(0.0, min(0.99, conf))
        fields = [self._field_mapping(i, ctx, fit, conf) for i, ctx in enumerate(ctxs)]
        return TableMapping(table=table.name, entity=fit.entity.name, confidence=round(conf, 3),
                            fields=fields, reason=why, mapper=self.name)

    def map_fields(self, table: TableSchema, ontology: Ontology, entity: str) -> TableMapping:
        """Map the fields of ``table`` as the given entity (the entity was fixed by a person)."""
        target = ontology.entity(entity)
        if target is None:
            raise ValueError(f"unknown entity '{entity}' in ontology '{ontology.name}'")
        ctxs = [scoring.prepare(f) for f in table.fields]
        table_words = set(tokenize(table.name, expand=False).words) | set(tokenize(table.name).words)
        fit = _fit_entity(ctxs, ontology, target, table_words)
        fields = [self._field_mapping(i, ctx, fit, 1.0) for i, ctx in enumerate(ctxs)]
        return TableMapping(table=table.name, entity=entity, confidence=1.0, fields=fields,
                            reason="entity given", mapper=self.name)

    def _field_mapping(self, i: int, ctx: FieldContext, fit: _EntityFit,
                       entity_conf: float) -> FieldMapping:
        row = fit.scores[i]
        order = sorted(range(len(row)), key=lambda j: -row[j].score)
        alts = [Candidate(row[j].canonical, round(row[j].score, 3), row[j].reason)
                for j in order if row[j].score >= 0.2]
        name = ctx.field.name
        if ctx.tokens.lineage:
            return FieldMapping(name, None, 0.99, self.name,
                                "lineage/bookkeeping column, not business data")
        if i in fit.picked:
            s = row[fit.picked[i]]
            # A field mapping is no surer than its table's entity: under an unsure entity the
            # fields go to review with it instead of feeding unified views on their own.
            conf = s.score * min(0.9 + 0.1 * entity_conf, 0.55 + 0.5 * entity_conf)
            others = [a for a in alts if a.canonical != s.canonical][:MAX_ALTERNATIVES]
            return FieldMapping(name, s.canonical, round(conf, 3), self.name, s.reason, others)
        if not alts:
            return FieldMapping(name, None, 0.95, self.name,
                                f"no {fit.entity.name} field matches '{name}'")
        top = alts[0]
        taken = next((ctx_i for ctx_i, j in fit.picked.items()
                      if fit.scores[ctx_i][j].canonical == top.canonical), None)
        if top.confidence >= MIN_FIELD_SCORE and taken is not None:
            reason = (f"closest field '{top.canonical}' ({top.confidence:.2f}) fits another "
                      f"column better; each canonical field is used once per table")
        else:
            reason = f"only weak match '{top.canonical}' ({top.confidence:.2f}); left unmapped"
        return FieldMapping(name, None, round(max(0.05, 1.0 - top.confidence), 3), self.name,
                            reason, alts[:MAX_ALTERNATIVES])


@hookimpl
def register_mappers(register):  # type: ignore[no-untyped-def]
    register(HeuristicMapper())
