"""The one rule that decides what a mapping is: ``accepted`` (it feeds the unified views),
``review`` (it waits in the review queue) or ``unmapped``.

``autonomos map``, a pipeline run, a review decision's republish, the API and the console all
ask these functions, so a field has the same status wherever it is shown (issue 12, item 1).
"""

from __future__ import annotations

from typing import Any

#: mappers whose word is a person's: a YAML ``overrides:`` entry, a review decision (``human``)
#: and a decision remembered from an earlier review (``review``), strongest first
HUMAN_MAPPERS: tuple[str, ...] = ("override", "human", "review")


def is_human(mapper: str | None) -> bool:
    return mapper in HUMAN_MAPPERS


def human_rank(mapper: str | None) -> int:
    """0 for the strongest human source (an override), larger for weaker; len() for machines."""
    return HUMAN_MAPPERS.index(mapper) if mapper in HUMAN_MAPPERS else len(HUMAN_MAPPERS)


def table_status(entity: str | None, confidence: float, mapper: str | None, threshold: float) -> str:
    """A table's entity: accepted when a person chose it or the mapper is confident enough."""
    if entity is None:
        return "unmapped"
    return "accepted" if is_human(mapper) or confidence >= threshold else "review"


def field_status(canonical: str | None, confidence: float, mapper: str | None, entity: str | None,
                 entity_confidence: float, entity_mapper: str | None, threshold: float) -> str:
    """A field's mapping. A person's mapping is accepted; a machine's is accepted only when it is
    confident enough *and* its table's entity is accepted: a field of a table whose entity is
    uncertain waits for review with its table (a field at 0.95 on an entity at 0.6 is review,
    in ``autonomos map`` and in a run alike)."""
    if canonical is None or entity is None:
        return "unmapped"
    if is_human(mapper):
        return "accepted"
    if confidence >= threshold and table_status(entity, entity_confidence, entity_mapper, threshold) == "accepted":
        return "accepted"
    return "review"


WAITING = "waits for review with its table"


def missing_defining(entity: Any, accepted_fields: set[str]) -> str | None:
    """Why a table cannot be published as ``entity`` (an :class:`~autonomos.core.models.Entity`
    or None): none of its defining fields is accepted. None when nothing is missing."""
    needs = list(getattr(entity, "defining", None) or [])
    if not needs or accepted_fields & set(needs):
        return None
    return (f"{WAITING}: {entity.name} needs {' or '.join(needs)}, "
            f"and no field of the table is accepted as {'one' if len(needs) > 1 else 'it'}")


def settle(rows: list[dict[str, Any]], entity: Any, threshold: float) -> list[dict[str, Any]]:
    """The statuses of one table's mapping rows (dicts with ``canonical``, ``confidence``,
    ``mapper``, ``entity``, ``entity_confidence``, ``status``), by :func:`field_status` and then
    the table rule: when none of the entity's defining fields is accepted, the machine-accepted
    fields wait for review with their table, the reason saying what is missing (a person's
    mappings stay accepted, rejected ones stay rejected). Changes and returns ``rows``."""
    for r in rows:
        if r.get("status") == "rejected":
            continue
        r["status"] = field_status(r.get("canonical"), float(r.get("confidence") or 0.0), r.get("mapper"),
                                   r.get("entity"), float(r.get("entity_confidence") or 0.0),
                                   r.get("entity_mapper"), threshold)
    accepted = {r["canonical"] for r in rows if r.get("status") == "accepted" and r.get("canonical")}
    why = missing_defining(entity, accepted)
    for r in rows:  # a table that has what it needs now: the waiting note goes
        reason = r.get("reason") or ""
        if reason.startswith(WAITING) and (not why or r.get("status") != "accepted"):
            r["reason"] = reason.split("; ", 1)[1] if "; " in reason else ""
    if why:
        for r in rows:
            if r.get("status") == "accepted" and not is_human(r.get("mapper")):
                r["status"] = "review"
                if why not in (r.get("reason") or ""):
                    r["reason"] = f"{why}; {r.get('reason') or ''}".rstrip("; ")
    return rows
