"""Domain models shared by every stage. Plain attrs classes; (de)serialised by ``core.serde``."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.define
class Field:
    """One column of a source or normalized table. ``type`` is a DuckDB type name.

    ``minor_units``: the column holds money in the currency's smallest unit and this many make
    one (100: cents), as the source itself documents it (Stripe's API gives every amount in
    cents) where the column's name does not say so; the unified views divide by it."""

    name: str
    type: str = "VARCHAR"
    samples: list[Any] = attrs.field(factory=list)
    nullable: bool = True
    minor_units: int | None = None


@attrs.define
class TableSchema:
    """A table as a connector discovered it (or as normalize produced it).

    ``primary_key`` drives dedup (latest wins); ``cursor`` drives incremental reads.
    ``unique_key``: the source itself guarantees ``primary_key`` is unique within one full read
    (a database PRIMARY KEY constraint), so a full-refresh table needs no dedup pass.
    ``location`` is connector-private (a file path, a schema-qualified table name…).
    """

    name: str
    fields: list[Field] = attrs.field(factory=list)
    primary_key: list[str] = attrs.field(factory=list)
    cursor: str | None = None
    location: str | None = None
    row_count: int | None = None
    write_disposition: str = "replace"  # "replace" (full refresh) or "append" (incremental)
    unique_key: bool = False

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


@attrs.define
class RejectedRow:
    """A row a connector or normalize could not accept; kept in ``_rejected`` with the reason."""

    table: str
    reason: str
    line: int | None = None
    raw: str | None = None


@attrs.define
class Selection:
    """The ``select:`` block of a source: which discovered tables to load, which columns to
    leave out (see ``autonomos.core.pipeline.select``). Names or glob patterns (``audit_*``);
    ``exclude_columns`` maps a table name or pattern (``"*"``: every table) to columns."""

    tables: list[str] | None = None
    exclude_tables: list[str] = attrs.field(factory=list)
    exclude_columns: dict[str, list[str]] = attrs.field(factory=dict)

    def is_empty(self) -> bool:
        return self.tables is None and not self.exclude_tables and not self.exclude_columns


@attrs.define
class SourceSpec:
    """A configured source: a name unique per tenant, a connector name, its raw config and
    which of its tables and columns to load (``select``)."""

    name: str
    connector: str
    config: dict[str, Any] = attrs.field(factory=dict)
    select: Selection = attrs.field(factory=Selection)


@attrs.define
class OntologyField:
    name: str
    type: str
    description: str = ""
    synonyms: list[str] = attrs.field(factory=list)


@attrs.define
class Entity:
    name: str
    fields: list[OntologyField]
    description: str = ""
    synonyms: list[str] = attrs.field(factory=list)
    # a table is published as this entity only when one of these fields is accepted (an account
    # needs its name, a contact a name or an email…); empty: no such requirement
    defining: list[str] = attrs.field(factory=list)

    def field(self, name: str) -> OntologyField | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


@attrs.define
class Ontology:
    name: str
    entities: list[Entity]
    description: str = ""

    def entity(self, name: str) -> Entity | None:
        for e in self.entities:
            if e.name == name:
                return e
        return None

    def entity_names(self) -> list[str]:
        return [e.name for e in self.entities]


@attrs.define
class Candidate:
    """An alternative a mapper considered: canonical target, confidence and why."""

    canonical: str
    confidence: float
    reason: str = ""


@attrs.define
class FieldMapping:
    """Source field → canonical field. ``canonical`` is None when nothing fits."""

    field: str
    canonical: str | None
    confidence: float
    mapper: str = "heuristic"
    reason: str = ""
    alternatives: list[Candidate] = attrs.field(factory=list)


@attrs.define
class TableMapping:
    """Source table → entity (None when nothing fits) with its field mappings."""

    table: str
    entity: str | None
    confidence: float
    fields: list[FieldMapping] = attrs.field(factory=list)
    reason: str = ""
    mapper: str = "heuristic"


@attrs.define
class MappingSettings:
    """The ``mapping:`` section of a pipeline: threshold and human overrides.

    ``overrides`` keys are ``source.table.field`` and values ``entity.field`` (or null to unmap).
    """

    accept_threshold: float = 0.85
    overrides: dict[str, str | None] = attrs.field(factory=dict)
    use_llm: bool = False


@attrs.define
class PipelineSpec:
    """A parsed pipeline YAML."""

    sources: list[SourceSpec]
    ontology: str = "crm_finance"
    mapping: MappingSettings = attrs.field(factory=MappingSettings)
    agents: list[str] = attrs.field(factory=list)
    bad_rows: str = "keep"  # a bad cell set to null (listed in _rejected); or "quarantine" (the row), "fail"
    ontology_extensions: dict[str, Any] = attrs.field(factory=dict)
    schedule: dict[str, Any] | None = None  # {cron, timezone, catch_up, paused}: run on this schedule when stored
