"""Bodies of ``/api/v1/sources``, ``/api/v1/connectors``, ``/api/v1/pipelines``, ``/api/v1/runs``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from autonomos.server.auth.schemas import Strict

SourceName = Annotated[str, msgspec.Meta(min_length=1, max_length=63, pattern=r"^[a-z_][a-z0-9_]*$",
                                         description="lowercase letters, digits, underscores (a DuckDB schema name)")]
ConnectorName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
PipelineName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\- ]+$")]
Config = Annotated[dict[str, Any], msgspec.Meta(description="the connector's config; secrets are stored "
                                                            "encrypted and shown as \"***\"")]


SelectName = Annotated[str, msgspec.Meta(min_length=1, max_length=255,
                                         description="a table or column name, or a glob pattern (audit_*)")]


class SourceSelect(Strict):
    """Which discovered tables to load and which columns to leave out (the pipeline YAML's
    ``select`` block, docs/pipelines.md#choosing-tables-and-columns). Names match
    case-insensitively (as the source spells them or snake_case); ``*``, ``?``, ``[…]`` make a
    glob. A plain name the source does not have fails the run, listing the known ones."""

    tables: list[SelectName] | None = msgspec.field(default=None)
    exclude_tables: list[SelectName] = []
    exclude_columns: dict[SelectName, list[SelectName]] = {}


class SourceIn(Strict):
    name: SourceName
    connector: ConnectorName
    config: Config = {}
    select: SourceSelect | None = None


class SourceUpdate(Strict):
    """Replace the config (``"***"`` keeps a stored secret), the selection (``null`` or absent:
    unchanged; ``{}``: load everything) and/or rename."""

    name: SourceName | None = None
    config: Config | None = None
    select: SourceSelect | None = None


class SourceOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    connector: str
    config: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    select: SourceSelect | None = None


class DiscoveredColumn(msgspec.Struct):
    name: str
    type: str


class DiscoveredTable(msgspec.Struct):
    """A table the connector discovered (names and types only: no sample values)."""

    name: str
    columns: list[DiscoveredColumn]
    row_count: int | None = None
    primary_key: list[str] = []
    cursor: str | None = None


class SourcePage(msgspec.Struct):
    items: list[SourceOut]
    next_cursor: str | None = None


class CheckOut(msgspec.Struct):
    """Result of ``POST /sources/{id}/test`` (the connector's ``check()`` and ``discover()``)."""

    ok: bool
    seconds: float
    error: str | None = None
    tables: list[str] = []
    discovered: list[DiscoveredTable] = []
    select_error: str | None = None  # the stored selection against what was discovered, when it fails


class ConnectorOut(msgspec.Struct):
    name: str
    title: str
    icon: str
    description: str
    config_schema: dict[str, Any]


class PipelineJson(Strict):
    name: PipelineName
    yaml: Annotated[str, msgspec.Meta(min_length=1)]


class SpecError(msgspec.Struct):
    """One problem in a pipeline YAML; ``line``/``column`` are 1-based when known."""

    field: str
    message: str
    line: int | None = None
    column: int | None = None


class PipelineOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    yaml: str
    spec: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class PipelinePage(msgspec.Struct):
    items: list[PipelineOut]
    next_cursor: str | None = None


class ValidationOut(msgspec.Struct):
    valid: bool
    spec: dict[str, Any] | None = None
    errors: list[SpecError] = []


class RunOut(msgspec.Struct):
    """One engine run. ``stats``: sources, tables, rows, rejected, deduplicated, mapped_fields,
    review, entities, seconds, agents; ``tables``: per-table rows and rejected counts now."""

    id: str
    status: str
    started_at: float
    finished_at: float | None = None
    pipeline: str | None = None
    stats: dict[str, Any] = {}
    error: str | None = None


class RunPage(msgspec.Struct):
    items: list[RunOut]


class RunTableFigures(msgspec.Struct, omit_defaults=True):
    """What one table went through in a run: rows read (connect), rows kept (normalize), its
    entity and mapped/review fields (map); ``rejected`` only while the run is the table's latest
    load (older runs' rejected rows are not kept). A figure the run did not reach is absent."""

    source: str
    table: str
    loaded: int | None = None
    rows: int | None = None
    rejected: int | None = None
    entity: str | None = None
    mapped: int | None = None
    review: int | None = None


class RunDetail(RunOut):
    events: list[dict[str, Any]] = []
    tables: list[RunTableFigures] = []


LogLevel = Literal["info", "warning", "error"]
LogStage = Literal["connect", "normalize", "map", "unify", "publish", "agents", "run"]


class RunLogLine(msgspec.Struct):
    """One line of a run's log. ``seq`` orders the lines and is the cursor (``?after=``);
    ``counts``: figures of the line (rows, rejected, bad_cells, mapped, review…)."""

    seq: int
    ts: float
    level: LogLevel
    stage: LogStage
    message: str
    source: str | None = None
    table: str | None = None
    counts: dict[str, int] | None = None


class RunLogPage(msgspec.Struct):
    """Lines after ``after``, oldest first. ``next_after``: pass it as ``after`` for the next
    lines. ``complete``: the run has finished and this page holds its last line (stop following)."""

    run_id: str
    status: str
    items: list[RunLogLine]
    next_after: int
    complete: bool
