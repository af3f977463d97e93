"""Score one source field against one canonical field: name, type and value evidence.

A score is in 0..1 and is meant to read as a confidence: an exact or synonym name with a
compatible type and matching sample values lands ≥ 0.9; a name that only contains the concept
among unknown words, or a type that fits badly, lands below the default accept threshold (0.85).
"""

from __future__ import annotations

import functools
import re

import attrs

from autonomos.core.models import Entity, Field, Ontology, OntologyField
from autonomos.mappers import lexicon, patterns
from autonomos.mappers.tokens import Tokens, phrase_words, tokenize

FLAG_WORDS = {"is", "has", "can", "was", "should", "allow", "enable", "enabled", "flag"}
CODE_TAIL = {"id", "code", "key"}
UNKNOWN_WORD = 0.13  # cost of a word the phrase does not explain
ID_TAIL = {"id", "key", "code", "value", "reference", "number", "uuid", "guid"}


@attrs.define
class Phrase:
    words: tuple[str, ...]
    weight: float
    label: str
    canonical_name: bool = False
    reference: bool = False  # generated "<other entity> [id]" phrase of a foreign key


@attrs.define
class Score:
    canonical: str
    score: float
    reason: str
    phrase: tuple[str, ...] = ()  # the name phrase that matched (empty: values only)
    exact: bool = False  # the name (or the name minus a known prefix) is the phrase itself


# -- vocabulary per entity -------------------------------------------------------------------
def _phrase(p: lexicon.Phrase) -> tuple[str, float]:
    return (p[0], p[1]) if isinstance(p, tuple) else (p, 1.0)


_ENTITY_PHRASES: dict[int, tuple[Entity, tuple[str, ...], list[Phrase]]] = {}


def entity_phrases(entity: Entity) -> list[Phrase]:
    """What tables (and own-entity field prefixes) of this entity are called (kept per entity
    object while its synonyms stay the same)."""
    hit = _ENTITY_PHRASES.get(id(entity))
    synonyms = tuple(entity.synonyms)
    if hit is not None and hit[0] is entity and hit[1] == synonyms:
        return list(hit[2])
    out = _entity_phrases(entity)
    _ENTITY_PHRASES[id(entity)] = (entity, synonyms, out)
    return list(out)


def _entity_phrases(entity: Entity) -> list[Phrase]:
    out = [Phrase(phrase_words(entity.name.replace("_", " ")), 1.0, entity.name, True)]
    for p in list(lexicon.ENTITY_SYNONYMS.get(entity.name, [])) + list(entity.synonyms):
        text, w = _phrase(p)
        out.append(Phrase(phrase_words(text), w, text))
    return [p for p in out if p.words]


@functools.lru_cache(maxsize=256)
def _field_phrases_cached(entity_name: str, field_name: str, key: tuple) -> tuple[Phrase, ...]:
    onto_synonyms, fk_target_phrases = key
    out = [Phrase(phrase_words(field_name.replace("_", " ")), 1.0, field_name, True)]
    texts = list(lexicon.FIELD_SYNONYMS.get(field_name, []))
    texts += list(lexicon.FIELD_SYNONYMS.get(f"{entity_name}.{field_name}", []))
    texts += list(onto_synonyms)
    for p in texts:
        text, w = _phrase(p)
        out.append(Phrase(phrase_words(text), w, text))
    for words, w, label in fk_target_phrases:
        for suffix, sw in (("id", 1.0), ("key", 0.95), ("reference", 0.95), ("uuid", 0.95),
                           ("guid", 0.95), ("number", 0.85), ("code", 0.8), ("value", 0.85)):
            out.append(Phrase(tuple(words) + (suffix,), w * sw, f"{label} {suffix}", reference=True))
        out.append(Phrase(tuple(words), w * 0.8, label, reference=True))
    return tuple(p for p in out if p.words)


_RELATED: dict[int, tuple[tuple[Phrase, ...], frozenset[str]]] = {}


def _related_words(phrases: tuple[Phrase, ...]) -> frozenset[str]:
    """Every word of a canonical field's phrases (kept per phrase tuple: the tuples are cached)."""
    hit = _RELATED.get(id(phrases))
    if hit is None or hit[0] is not phrases:
        hit = _RELATED[id(phrases)] = (phrases, frozenset(w for p in phrases for w in p.words))
    return hit[1]


_INDEX: dict[tuple[int, int], tuple[Ontology, Entity, dict[str, list[tuple[int, frozenset[str]]]]]] = {}


def phrase_index(ontology: Ontology, entity: Entity) -> dict[str, list[tuple[int, frozenset[str]]]]:
    """word → (index of the entity's canonical field, the words of one of its phrases) for every
    phrase containing the word: which canonical fields a field's words can match at all."""
    hit = _INDEX.get((id(ontology), id(entity)))
    if hit is None or hit[0] is not ontology or hit[1] is not entity:
        index: dict[str, list[tuple[int, frozenset[str]]]] = {}
        for j, cf in enumerate(entity.fields):
            for ph in field_phrases(ontology, entity, cf):
                need = frozenset(ph.words)
                for w in need:
                    index.setdefault(w, []).append((j, need))
        hit = _INDEX[(id(ontology), id(entity))] = (ontology, entity, index)
    return hit[2]


def candidate_fields(ctx: FieldContext, index: dict[str, list[tuple[int, frozenset[str]]]]) -> set[int]:
    """The canonical fields :func:`score_field` can score above 0 for ``ctx``: those with a
    phrase all of whose words occur among the words any of its name readings uses (the name,
    a tag key, participle stems of a date-first name). Every other pair scores 0 by name."""
    words = ctx.tokens.words
    present = set(words) | set(ctx.tokens.tag_key or ())
    for w in words[1:]:
        if len(w) >= 5 and w.endswith("ed"):
            present.update((w[:-1], w[:-2], w[:-3]))
    found: set[int] = set()
    for w in present:
        for j, need in index.get(w, ()):
            if j not in found and need <= present:
                found.add(j)
    return found


def field_phrases(ontology: Ontology, entity: Entity, field: OntologyField) -> tuple[Phrase, ...]:
    """Name phrases for a canonical field, including generated foreign-key phrases."""
    fk: list[tuple[tuple[str, ...], float, str]] = []
    if field.name.endswith("_id"):
        target = ontology.entity(field.name[:-3])
        if target is not None and target.name != entity.name:
            fk = [(p.words, p.weight, p.label) for p in entity_phrases(target)]
    key = (tuple(field.synonyms), tuple(fk))
    return _field_phrases_cached(entity.name, field.name, key)


def other_entity_words(ontology: Ontology, entity: Entity) -> frozenset[str]:
    words: set[str] = set()
    mine = {w for p in entity_phrases(entity) for w in p.words}
    for other in ontology.entities:
        if other.name != entity.name:
            words.update(w for p in entity_phrases(other) if p.weight >= 0.8 for w in p.words)
    return frozenset(words - mine)


@functools.lru_cache(maxsize=32)
def _phrase_owners(key: tuple, references: bool = True) -> dict[tuple[str, ...], frozenset[str]]:
    ontology = key[0]
    owners: dict[tuple[str, ...], set[str]] = {}
    for e in ontology.entities:
        for f in e.fields:
            for ph in field_phrases(ontology, e, f):
                if ph.reference and not references:
                    continue
                owners.setdefault(ph.words, set()).add(f"{e.name}.{f.name}")
    return {k: frozenset(v) for k, v in owners.items()}


_ONTOLOGY_HASHES: dict[int, tuple[Ontology, int]] = {}


class _Key(tuple):
    """Hashes an ontology by its entity/field names (attrs models are not hashable)."""

    def __hash__(self) -> int:  # type: ignore[override]
        onto = self[0]
        hit = _ONTOLOGY_HASHES.get(id(onto))
        if hit is not None and hit[0] is onto:  # an extended ontology is a new object (a copy)
            return hit[1]
        value = hash((onto.name, tuple((e.name, tuple(f.name for f in e.fields), tuple(e.synonyms))
                                       for e in onto.entities)))
        _ONTOLOGY_HASHES[id(onto)] = (onto, value)
        return value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and hash(self) == hash(other)


def phrase_specificity(ontology: Ontology, words: tuple[str, ...]) -> float:
    """1 / how many canonical fields (over all entities) a name phrase can mean: ``usage
    start`` → 1.0, ``start`` (usage_start or period_start) → 0.5, ``id`` → 1/8. Matches through
    vague phrases are weak evidence for *which entity* a table is."""
    if not words:
        return 0.5
    return 1.0 / max(1, len(_phrase_owners(_Key((ontology,))).get(words, ())))


def names_other_field(ontology: Ontology, entity: Entity, words: list[str]) -> str | None:
    """The canonical field of another entity whose name ``words`` say exactly (``first name``
    in an account table is a person's first name, not the account's name), else None.
    Foreign-key phrases do not count: ``account id`` in an account table is its own id."""
    owners = _phrase_owners(_Key((ontology,)), False).get(tuple(words), frozenset())
    if not owners or any(o.split(".", 1)[0] == entity.name for o in owners):
        return None
    return sorted(owners)[0]


# -- name evidence ----------------------------------------------------------------------------
def _find(hay: list[str], needle: tuple[str, ...]) -> int:
    n = len(needle)
    for i in range(len(hay) - n, -1, -1):  # prefer the rightmost occurrence (head noun)
        if tuple(hay[i:i + n]) == needle:
            return i
    return -1


def _extra_penalty(word: str, related: set[str], foreign: frozenset[str],
                   own_id: bool = False) -> tuple[float, str]:
    """Cost of a word the phrase does not explain. For the table's own ``id`` an unknown word
    in front (``group_id``) usually names another thing the column points to."""
    if word in related:
        return 0.02, ""
    if word.isdigit():
        # "phone_numbers__0__number", "Address1": the first (primary) element of a list
        return (0.04, "") if word in {"0", "1"} else (0.3, word)
    if word in lexicon.SECONDARY:
        return 0.3, word
    if word in lexicon.QUALIFIERS or word in {"of", "on", "at", "by", "the", "to", "in", "for"}:
        return 0.04, ""
    if word in foreign:
        return 0.3, word
    return (0.3 if own_id else UNKNOWN_WORD), word


def match_words(words: list[str], phrase: Phrase, related: set[str],
                foreign: frozenset[str]) -> tuple[float, str]:
    """How well ``words`` express ``phrase`` (1.0 = exactly), with the words left over."""
    if not words:
        return 0.0, ""
    if tuple(words) == phrase.words:
        return 1.0, ""
    at = _find(words, phrase.words)
    if at < 0:
        return 0.0, ""
    before = words[:at]
    after = words[at + len(phrase.words):]
    if phrase.reference and after and after[-1] not in ID_TAIL and not after[-1].isdigit():
        # "org_name", "lead_source": an attribute of the other record, not a pointer to it
        return 0.0, ""
    penalty, odd = 0.0, []
    own_id = phrase.words in {("id",), ("key",), ("uuid",), ("guid",)}
    for k, w in enumerate(before + after):
        p, note = _extra_penalty(w, related, foreign, own_id and w in before)
        if p == UNKNOWN_WORD and k == 0 and len(before) == 1 and len(phrase.words) >= 2:
            # one unknown modifier in front of a specific phrase ("hubspot_owner_id")
            p = 0.08
        penalty += p
        if note:
            odd.append(note)
    if after:
        penalty += 0.03 if all(w in ID_TAIL or w.isdigit() for w in after) else 0.08
    base = max(0.0, 1.0 - penalty)
    return base, (f"extra words: {', '.join(odd)}" if odd else "")


DATE_FIRST = {"date", "time", "datetime", "timestamp", "day"}


def _participle_stem(word: str, related: set[str]) -> str:
    """``closed`` → ``close`` when only the stem is a word of the canonical field's phrases."""
    if word in related or len(word) < 5 or not word.endswith("ed"):
        return word
    for stem in (word[:-1], word[:-2], word[:-3]):
        if stem in related:
            return stem
    return word


@attrs.define
class FieldContext:
    """A source field prepared once per table: tokens, value profile, type kind."""

    field: Field
    tokens: Tokens
    profile: patterns.Profile
    kind: str


def source_kind(type_name: str | None, profile: patterns.Profile) -> str:
    """Coarse kind of a DuckDB type name; unknown types are guessed from samples."""
    t = (type_name or "").strip().upper()
    if t.startswith(("VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "ENUM", "NVARCHAR")):
        return "string"
    if t.startswith("UUID"):
        return "uuid"
    if re.match(r"^(U?(BIG|SMALL|TINY|HUGE)?INT(EGER)?\d*|LONG|SHORT)$", t):
        return "integer"
    if t.startswith(("DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC", "NUMBER", "MONEY")):
        return "decimal"
    if t.startswith("BOOL"):
        return "boolean"
    if t == "DATE":
        return "date"
    if t.startswith(("TIMESTAMP", "DATETIME", "TIME")):
        return "timestamp"
    if t.startswith(("JSON", "STRUCT", "MAP", "LIST")) or t.endswith("[]"):
        return "json"
    p = profile.patterns
    for pat, kind in (("boolean", "boolean"), ("timestamp", "timestamp"), ("date", "date"),
                      ("integer", "integer"), ("number", "decimal")):
        if pat in p:
            return kind
    return "string" if profile.seen else "unknown"


def prepare(field: Field) -> FieldContext:
    prof = patterns.profile(field.samples if isinstance(field.samples, list) else [])
    return FieldContext(field, tokenize(field.name), prof, source_kind(field.type, prof))


def type_factor(ctx: FieldContext, canonical: OntologyField) -> tuple[float, str]:
    """How compatible the source type is with the canonical type (1.0 = same family)."""
    kind, p = ctx.kind, ctx.profile.patterns
    ct = canonical.type.upper()
    if kind == "unknown":
        return 0.97, ""
    if ct.startswith(("VARCHAR", "TEXT")):
        table = {"string": 1.0, "uuid": 1.0, "integer": 0.95, "decimal": 0.6, "boolean": 0.15,
                 "date": 0.45, "timestamp": 0.45, "json": 0.8}
    elif ct.startswith(("BIGINT", "INT", "DECIMAL", "DOUBLE", "FLOAT", "NUMERIC")):
        num_str = 0.92 if "numeric_string" in p else (0.75 if not ctx.profile.seen else 0.5)
        table = {"integer": 1.0, "decimal": 1.0, "string": num_str, "uuid": 0.2,
                 "boolean": 0.1, "date": 0.15, "timestamp": 0.15, "json": 0.3}
    elif ct.startswith(("DATE", "TIMESTAMP")):
        str_date = 0.95 if p & {"date", "timestamp"} else (0.7 if not ctx.profile.seen else 0.5)
        table = {"date": 1.0, "timestamp": 1.0, "string": str_date,
                 "integer": 0.85 if "epoch" in p else 0.45, "decimal": 0.4, "boolean": 0.1,
                 "json": 0.3, "uuid": 0.1}
    else:
        return (1.0 if kind != "boolean" else 0.3), ""
    f = table.get(kind, 0.8)
    if kind == "integer" and ct.startswith("VARCHAR") and (
            canonical.name in {"id", "number", "billing_account"}
            or canonical.name.endswith("_id") or canonical.name in lexicon.CODED_FIELDS):
        f = 1.0  # ids and codes are often integers (owner 8, stage 2, org 11)
    if kind == "json" and p & patterns.EXPECTED.get(canonical.name, set()):
        f = 0.95  # a list of domains/emails/phones: the values say what it is
    note = "" if f >= 0.9 else f"type {ctx.field.type or kind} fits {canonical.type} poorly"
    return f, note


def pattern_factor(ctx: FieldContext, canonical: OntologyField) -> tuple[float, float, str]:
    """(multiplier, boost share, note) from sample values: matching pattern boosts."""
    prof = ctx.profile
    if not prof.seen:
        return 1.0, 0.0, ""
    expected = set(patterns.EXPECTED.get(canonical.name, set()))
    if canonical.type.upper().startswith(("DATE", "TIMESTAMP")):
        expected |= {"date", "timestamp", "epoch"}
    found = prof.patterns & expected
    if found:
        return 1.0, 0.5, f"samples look like {sorted(found)[0]}"
    distinct = prof.patterns & patterns.DISTINCTIVE
    if canonical.name == "id" or canonical.name.endswith("_id") or canonical.name == "owner":
        distinct -= {"uuid"}
    if expected and distinct - {"boolean"}:
        return 0.75, 0.0, f"samples look like {sorted(distinct)[0]}, not {canonical.name}"
    if not expected and distinct & {"email", "url", "phone", "currency"}:
        return 0.8, 0.0, f"samples look like {sorted(distinct)[0]}"
    if not expected and "domain" in distinct:
        return 0.92, 0.0, ""
    return 1.0, 0.0, ""


def score_field(ctx: FieldContext, ontology: Ontology, entity: Entity, canonical: OntologyField,
                own_prefixes: list[Phrase], table_words: set[str],
                foreign: frozenset[str]) -> Score:
    """Confidence that ``ctx`` is ``entity.canonical`` and a short human-readable reason."""
    words = ctx.tokens.words
    if ctx.tokens.lineage or not words:
        return Score(canonical.name, 0.0, "lineage column")
    phrases = field_phrases(ontology, entity, canonical)
    related = _related_words(phrases)
    variants: list[tuple[list[str], float, str]] = [(words, 0.0, "")]
    if ctx.tokens.tag_key:
        # A tag column holds the value of one key: it can only be what the key names, and
        # never a record's own id or a foreign key.
        if canonical.name == "id" or canonical.name.endswith("_id") \
                or not canonical.type.upper().startswith(("VARCHAR", "TEXT")):
            return Score(canonical.name, 0.0, "")
        key = ctx.tokens.tag_key
        variants = [(key, 0.06, f"tag '{' '.join(key)}'")]
    for own in own_prefixes if not ctx.tokens.tag_key else []:
        n = len(own.words)
        if len(words) > n and tuple(words[:n]) == own.words:
            variants.append((words[n:], 0.01, f"'{' '.join(own.words)}' is this entity"))
    for group in lexicon.ROW_GROUPS if not ctx.tokens.tag_key else []:
        if len(words) > len(group) and tuple(words[:len(group)]) == group:
            variants.append((words[len(group):], 0.02, f"'{' '.join(group)}' is the row"))
    if len(words) > 1 and words[0] in DATE_FIRST and not ctx.tokens.tag_key:
        # "date_closed", "date_entered": the date-first order of many CRMs and ERPs
        rest = [_participle_stem(w, related) for w in words[1:]]
        variants.append((rest + [words[0]], 0.02, f"read as '{' '.join(rest + [words[0]])}'"))
    if len(words) > 1 and words[-1] in CODE_TAIL and canonical.name in lexicon.CODED_FIELDS \
            and not ctx.tokens.tag_key:
        # "stage_id", "country_code": the code of a categorical value is that value
        variants.append((words[:-1], 0.04, f"'{words[-1]}' names the {canonical.name}"))
    if canonical.type.upper().startswith(("DECIMAL", "DOUBLE", "NUMERIC")) and len(words) > 1:
        # "total_in_cents", "cost_usd", "amount_micros": the unit of the money, not another thing
        cut = len(words)
        while cut > 1 and (words[cut - 1] in lexicon.MONEY_UNITS
                           or words[cut - 1].upper() in patterns.CURRENCIES):
            cut -= 1
        if cut > 1 and words[cut - 1] == "in":
            cut -= 1
        if cut < len(words):
            variants.append((words[:cut], 0.03, f"'{' '.join(words[cut:])}' is the unit"))
    lead = 0
    while not ctx.tokens.tag_key and lead < len(words) - 1 and words[lead] in table_words:
        lead += 1
    if lead:
        variants.append((words[lead:], 0.03, "prefix repeats the table name"))
    best, best_note, best_label, best_words, best_exact = 0.0, "", "", (), False
    # a phrase matches only where all its words occur (match_words finds it as a run of words):
    # the others need not be tried (10,000 fields × every canonical field made this the hot loop)
    present = {w for vwords, _, _ in variants for w in vwords}
    phrases = tuple(ph for ph in phrases if present.issuperset(ph.words))
    if not phrases:
        return Score(canonical.name, 0.0, "")
    id_values = "identifier" in ctx.profile.patterns or ctx.kind == "integer"
    for vwords, vpen, vnote in variants:
        for ph in phrases:
            base, note = match_words(vwords, ph, related, foreign)
            if base <= 0:
                continue
            weight = ph.weight
            if ph.reference and ph.words[-1] not in ID_TAIL and id_values:
                # a bare "customer" column holding "cus_9s6XKzkNRiz8i3" is the reference
                weight = min(1.0, weight / 0.8 * 0.95)
                note = "; ".join(x for x in (note, "values look like ids") if x)
            s = base * weight * (0.97 if ph.canonical_name else 0.95) - vpen
            if s > best:
                best, best_label, best_words, best_exact = s, ph.label, ph.words, base >= 1.0
                best_note = "; ".join(x for x in (vnote, note) if x)
    if best <= 0:
        return Score(canonical.name, 0.0, "")
    how = "exact name" if best_label == canonical.name and best >= 0.96 else f"'{best_label}'"
    reason = [f"name '{ctx.field.name}' → {how}"]
    if best_note:
        reason.append(best_note)
    if canonical.name == "id" and not best_exact and best_words in {("id",), ("key",)}:
        # "project_id", "service.id" in a cost row: the id of that thing, not of the row; so is
        # another entity's word
        # ("customer_id" in a usage row): a reference to that record, never the row's own id.
        siblings = {w for f in entity.fields if f.name != "id" for w in f.name.split("_")}
        named = (siblings | foreign) & set(words[:-1]) - ID_TAIL
        if named:
            best *= 0.5
            reason.append(f"'{sorted(named)[0]}' says whose id it is")
    conflict = (set(words) & lexicon.CONFLICTS.get(canonical.name, set())) - set(best_words)
    if conflict:
        best *= 0.35
        reason.append(f"'{sorted(conflict)[0]}' makes it another thing than {canonical.name}")
    if words[0] in FLAG_WORDS and len(words) > 1:
        best *= 0.3
        reason.append("looks like a yes/no flag")
    if ctx.tokens.custom:
        best *= 0.85
        reason.append("custom field")
    tf, tnote = type_factor(ctx, canonical)
    best *= tf
    if tnote:
        reason.append(tnote)
    mult, boost, pnote = pattern_factor(ctx, canonical)
    best *= mult
    best += (0.99 - best) * boost * (best / 0.99) if boost else 0.0
    if pnote:
        reason.append(pnote)
    return Score(canonical.name, max(0.0, min(0.99, best)), "; ".join(reason), best_words,
                 best_exact)


def pattern_only(ctx: FieldContext, entity: Entity) -> list[Score]:
    """Weak candidates from values alone (a column of emails in an entity with ``email``)."""
    out: list[Score] = []
    if not ctx.profile.patterns or ctx.kind not in {"string", "unknown"}:
        return out
    for name, expected in patterns.EXPECTED.items():
        if name in {"probability", "employee_count", "annual_revenue"}:
            continue
        f = entity.field(name)
        if f is not None and ctx.profile.patterns & expected and ctx.kind in {"string", "unknown"}:
            pat = sorted(ctx.profile.patterns & expected)[0]
            out.append(Score(name, 0.6, f"values look like {pat} (name gives no hint)"))
    return out
