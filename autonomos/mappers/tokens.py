"""Turn raw or normalized column/table names into comparable word tokens.

``tokenize("BillingCity")``, ``tokenize("billing_city")`` and ``tokenize("billingcity")`` all
give ``["billing", "city"]``. Steps: split on punctuation (``.``, ``/``, ``_``, ``-``, ``:``,
spaces), camelCase and letter/digit boundaries; lowercase; segment glued words
(``numberofemployees``) with the lexicon's vocabulary; expand abbreviations (``amt`` → amount);
singularize. Custom-field markers (``__c``, ``cf_``, ``custom_``, ``x_``), lineage columns
(``_loaded_at``) and leading namespace segments (``properties.``) are reported as flags so the
scorer can weigh them instead of silently dropping meaning. A column inside a tag/label container
(``resourceTags/user:Project``, ``labels.env``, ``Tags.Project``) reports the tag key
(``["project"]``): the value is whatever the key names, not a tag or a resource. Words expanded
from ambiguous abbreviations (``res`` → resource) are reported so callers can trust them less.
"""

from __future__ import annotations

import functools
import re

import attrs

from autonomos.mappers import lexicon

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")
# Short words that would split real words ("foreign" → for, eign) if used for segmentation.
_NOT_GLUE = {"for", "in", "to", "x", "c", "cf", "ar", "co", "no", "cd", "ct", "pd", "ph", "tm",
             "nr", "dt"}
_KEEP_S = {"status", "address", "business", "class", "process", "alias", "analysis", "gas",
           "is", "has", "this", "was", "us", "plus", "bonus", "campus", "canvas", "news",
           "series", "species", "sales", "ss", "access", "success", "loss", "gross", "days",
           "terms", "goods", "basis", "nps", "aws", "gcp", "sms", "ids"}


@attrs.define
class Tokens:
    """Words of one name plus what was stripped from it (the scorer weighs these flags)."""

    raw: str
    words: list[str]
    custom: bool = False
    lineage: bool = False
    containers: list[str] = attrs.field(factory=list)
    tag_key: list[str] = attrs.field(factory=list)
    ambiguous: set[str] = attrs.field(factory=set)

    def phrase(self) -> str:
        return " ".join(self.words)


def singular(word: str) -> str:
    """Cheap English singular, enough to match ``employees``/``companies``/``Accounts``."""
    if len(word) <= 3 or word in _KEEP_S or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Every word the lexicon knows; glued tokens are split into these."""
    words: set[str] = set(lexicon.EXTRA_WORDS) | set(lexicon.QUALIFIERS) | set(lexicon.SECONDARY)
    words |= lexicon.MONEY_UNITS
    sources: list[list[lexicon.Phrase]] = list(lexicon.FIELD_SYNONYMS.values())
    sources += list(lexicon.ENTITY_SYNONYMS.values())
    for phrases in sources:
        for p in phrases:
            words.update((p[0] if isinstance(p, tuple) else p).split())
    for full in lexicon.ABBREVIATIONS.values():
        words.update(full.split())
    words |= {w.replace("_", " ") for w in lexicon.FIELD_SYNONYMS if "." not in w}
    words = {w for w in words if len(w) >= 2} - _NOT_GLUE
    return frozenset(words | {singular(w) for w in words})


def _known(piece: str) -> bool:
    vocab = vocabulary()
    return piece in vocab or singular(piece) in vocab


@functools.lru_cache(maxsize=4096)
def segment(word: str) -> tuple[str, ...]:
    """Split a glued lowercase word into known words, or return it unchanged.

    Dynamic programming over split points: a known piece costs 1, an unknown character costs 1
    and every extra piece costs 1, so ``closedate`` → close, date while ``void`` stays whole.
    """
    if len(word) < 5 or _known(word) or word in lexicon.ABBREVIATIONS or word.isdigit():
        return (word,)
    n = len(word)
    best: list[tuple[float, tuple[str, ...]]] = [(0.0, ())] + [(float("inf"), ())] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            cost_prev, parts = best[start]
            if cost_prev == float("inf"):
                continue
            piece = word[start:end]
            known = len(piece) >= 2 and _known(piece)
            cost = cost_prev + (1.0 if known else float(len(piece))) + (1.0 if parts else 0.0)
            if cost < best[end][0]:
                best[end] = (cost, parts + (piece,))
    cost, parts = best[n]
    unknown_chars = sum(len(p) for p in parts if not _known(p))
    if len(parts) <= 1 or cost >= n or unknown_chars > n / 2:
        return (word,)
    return parts


def _split(name: str) -> list[str]:
    out: list[str] = []
    for chunk in _SPLIT.split(name):
        if not chunk:
            continue
        out.extend(m.group(0) for m in _CAMEL.finditer(chunk))
    return out


def _namespace(word: str) -> bool:
    """A short unknown leading word such as a vendor prefix (``hs_``, ``mp_``)."""
    return len(word) <= 3 and not word.isdigit() and not _known(word) \
        and word not in lexicon.ABBREVIATIONS.values()


def tokenize(name: str, expand: bool = True) -> Tokens:
    """Tokenize a field or table name (see module docstring)."""
    raw = str(name)
    low = raw.strip().lower()
    custom = low.startswith(lexicon.CUSTOM_PREFIXES) or low.endswith(lexicon.CUSTOM_SUFFIXES)
    lineage = low.startswith(lexicon.LINEAGE_PREFIXES)
    stripped = raw.strip()
    for suffix in lexicon.CUSTOM_SUFFIXES:
        if low.endswith(suffix) and len(low) > len(suffix):
            stripped = stripped[: -len(suffix)]
            break
    pieces = [p.lower() for p in _split(stripped)]
    words: list[str] = []
    ambiguous: set[str] = set()
    for piece in pieces:
        if piece.isdigit():
            words.append(piece)
            continue
        for part in segment(piece):
            if expand and part in lexicon.ABBREVIATIONS:
                full = lexicon.ABBREVIATIONS[part].split()
                words.extend(full)
                if part in lexicon.AMBIGUOUS_ABBREVIATIONS:
                    ambiguous.update(singular(w) for w in full)
            else:
                words.append(part)
    words = [singular(w) for w in words]
    if low.startswith("_") and words and all(w in lexicon.LINEAGE for w in words):
        lineage = True
    containers: list[str] = []
    while len(words) > 1 and (words[0] in lexicon.CONTAINERS or _namespace(words[0])):
        containers.append(words.pop(0))
    if custom and words and words[0] == "custom" and len(words) > 1:
        words.pop(0)
    return Tokens(raw=raw, words=words, custom=custom, lineage=lineage, containers=containers,
                  tag_key=_tag_key(words), ambiguous=ambiguous)


def _tag_key(words: list[str]) -> list[str]:
    """The key of a tag/label column (``resource tag user project`` → ``project``), else []."""
    for i, w in enumerate(words[:3]):
        if w not in lexicon.TAG_CONTAINERS:
            continue
        if any(p not in lexicon.TAG_CONTAINER_PREFIXES for p in words[:i]):
            return []
        key = words[i + 1:]
        while len(key) > 1 and key[0] in lexicon.TAG_NAMESPACES:
            key = key[1:]
        return key
    return []


@functools.lru_cache(maxsize=4096)
def phrase_words(phrase: str) -> tuple[str, ...]:
    """Tokenize a lexicon phrase with the same rules as names."""
    return tuple(tokenize(phrase.replace(" ", "_")).words)
