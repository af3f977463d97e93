"""The one rule that decides what a mapping is: ``accepted`` (it feeds the unified views),
``review`` (it waits in the review queue) or ``unmapped``.

``autonomos map``, a pipeline run, a review decision's republish, the API and the console all
ask these functions, so a field has the same status wherever it is shown (issue 12, item 1).
"""

from __future__ import annotations

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
