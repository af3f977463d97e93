"""Schema drift: compare a table's previous normalized schema with the new one.

Changes are classified as ``added``, ``removed``, ``type_changed`` and ``renamed`` (a removed
and an added column of compatible type whose names are close, or whose sample values overlap).
A rename is reported with a proposal: carry the old column's mapping over to the new name.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

import attrs


@attrs.define
class Drift:
    added: list[str] = attrs.field(factory=list)
    removed: list[str] = attrs.field(factory=list)
    type_changed: list[dict[str, str]] = attrs.field(factory=list)
    renamed: list[dict[str, Any]] = attrs.field(factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.type_changed or self.renamed)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def classify(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> Drift:
    """``old``/``new`` are lists of ``{"name", "type", "samples"}`` dicts."""
    old_by, new_by = {f["name"]: f for f in old}, {f["name"]: f for f in new}
    drift = Drift()
    for name in old_by.keys() & new_by.keys():
        if old_by[name]["type"] != new_by[name]["type"]:
            drift.type_changed.append({"field": name, "from": old_by[name]["type"], "to": new_by[name]["type"]})
    removed = [n for n in old_by if n not in new_by]
    added = [n for n in new_by if n not in old_by]
    for r in list(removed):
        best, score = None, 0.0
        for a in added:
            if old_by[r]["type"] != new_by[a]["type"]:
                continue
            s = _similar(r, a)
            overlap = set(map(str, old_by[r].get("samples") or [])) & set(map(str, new_by[a].get("samples") or []))
            if overlap:
                s = max(s, 0.6 + 0.1 * len(overlap))
            if s > score:
                best, score = a, s
        if best is not None and score >= 0.6:
            drift.renamed.append({"from": r, "to": best, "confidence": round(min(score, 0.99), 2)})
            removed.remove(r)
            added.remove(best)
    drift.added, drift.removed = sorted(added), sorted(removed)
    return drift
