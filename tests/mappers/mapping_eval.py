"""Evaluate the heuristic mapper on the labelled schemas in tests/data/mapping/{dev,holdout}.

Run ``python tests/mappers/mapping_eval.py [dev|holdout|holdout2|holdout3] [-v]`` to print precision/recall per
entity and per canonical field; the tests import :func:`evaluate` to hold the floor.

Field precision = correct non-null proposals / non-null proposals; recall = correct non-null
proposals / non-null expected; accuracy counts nulls too. "accepted" restricts proposals to those
with confidence ≥ the accept threshold (the rest would go to human review).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from autonomos.core.models import Field, TableSchema
from autonomos.core.ontology import CRM_FINANCE
from autonomos.mappers.heuristic import HeuristicMapper

DATA = Path(__file__).resolve().parents[1] / "data" / "mapping"


def load(split: str) -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, json.loads(p.read_text())) for p in sorted((DATA / split).glob("*.json"))]


def to_document(fixture: dict[str, Any]) -> dict[str, Any]:
    """The fixture as a ``map`` input document (type/samples omitted where null/empty)."""
    tables = []
    for t in fixture["tables"]:
        fields = []
        for name, typ, samples, _ in t["fields"]:
            f: dict[str, Any] = {"name": name}
            if typ is not None:
                f["type"] = typ
            if samples:
                f["samples"] = samples
            fields.append(f)
        tables.append({"name": t["name"], "fields": fields})
    return {"source": fixture["source"], "tables": tables}


def evaluate(split: str, threshold: float = 0.85, verbose: bool = False) -> dict[str, Any]:
    mapper = HeuristicMapper()
    c: dict[str, int] = defaultdict(int)
    per_field: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_entity: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[str] = []
    for stem, fx in load(split):
        for t in fx["tables"]:
            schema = TableSchema(name=t["name"], fields=[
                Field(name=n, type=typ or "", samples=s or []) for n, typ, s, _ in t["fields"]])
            tm = mapper.map_table(schema, CRM_FINANCE)
            exp_e = t["expected_entity"]
            c["tables"] += 1
            ok_e = tm.entity == exp_e
            c["entity_ok"] += ok_e
            c["entity_accepted"] += tm.confidence >= threshold and tm.entity is not None
            c["entity_accepted_ok"] += tm.confidence >= threshold and ok_e and tm.entity is not None
            per_entity[str(exp_e)]["n"] += 1
            per_entity[str(exp_e)]["ok"] += ok_e
            if not ok_e:
                errors.append(f"{stem}/{t['name']}: entity {tm.entity} ({tm.confidence:.2f}) "
                              f"expected {exp_e} — {tm.reason}")
            for (name, _, _, expected), fm in zip(t["fields"], tm.fields):
                got = fm.canonical if tm.entity == exp_e else (
                    "WRONG-ENTITY" if fm.canonical else None)
                acc = fm.confidence >= threshold
                c["fields"] += 1
                c["field_ok"] += got == expected
                key = f"{exp_e}.{expected}" if expected else "null"
                per_field[key]["n"] += 1
                per_field[key]["ok"] += got == expected
                if expected is not None:
                    c["expected_nonnull"] += 1
                if fm.canonical is not None:
                    c["proposed"] += 1
                    c["proposed_ok"] += got == expected
                    if acc:
                        c["accepted"] += 1
                        c["accepted_ok"] += got == expected
                        c["accepted_recall_ok"] += got == expected
                if got != expected or (verbose and fm.confidence < threshold):
                    errors.append(f"{stem}/{t['name']}.{name}: got {fm.canonical} "
                                  f"({fm.confidence:.2f}) expected {expected} — {fm.reason}")
    div = lambda a, b: round(a / b, 3) if b else 0.0  # noqa: E731
    return {
        "tables": c["tables"], "fields": c["fields"],
        "entity_accuracy": div(c["entity_ok"], c["tables"]),
        "entity_accepted_precision": div(c["entity_accepted_ok"], c["entity_accepted"]),
        "field_accuracy": div(c["field_ok"], c["fields"]),
        "field_precision": div(c["proposed_ok"], c["proposed"]),
        "field_recall": div(c["proposed_ok"], c["expected_nonnull"]),
        "accepted_precision": div(c["accepted_ok"], c["accepted"]),
        "accepted_recall": div(c["accepted_ok"], c["expected_nonnull"]),
        "accepted_share": div(c["accepted"], c["proposed"]),
        "per_entity": {k: f"{v['ok']}/{v['n']}" for k, v in sorted(per_entity.items())},
        "per_field": {k: f"{v['ok']}/{v['n']}" for k, v in sorted(per_field.items())},
        "errors": errors,
    }


if __name__ == "__main__":
    split = sys.argv[1] if len(sys.argv) > 1 else "dev"
    report = evaluate(split, verbose="-v" in sys.argv)
    errs = report.pop("errors")
    per_field = report.pop("per_field")
    print(json.dumps(report, indent=1))
    if "-f" in sys.argv:
        print(json.dumps(per_field, indent=1))
    print("\n".join(errs))
