"""Bodies of ``/dcl`` and ``/aoa``. The graph types document :func:`autonomos.core.graph.build_graph`
exactly (the handler returns its dict unchanged; these types are what OpenAPI shows)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar.params import KwargDefinition

from autonomos.server.auth.schemas import Strict
from autonomos.server.resources.schemas import Config, ConnectorName, SourceName, SourceSelect

Callback = Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^https?://",
                                       description="POSTed (signed) when the task ends; an http(s) URL whose "
                                                   "host resolves to a public address (unless the operator "
                                                   "allows private ones, docs/tasks.md)")]
# A mapping id is a row id of the catalog's SQLite metadata: a positive signed 64-bit integer.
# Larger values would overflow in SQLite (500); the bounds make them a 422 naming the value.
# msgspec.Meta enforces them; Litestar documents the KwargDefinition (it drops a Meta inside a
# list). A Parameter's bounds reach the schema as floats (2**63-1 would read 2**63): the path
# parameter restates them in schema_extra.
MAX_MAPPING_ID = 2**63 - 1
MappingId = Annotated[int, msgspec.Meta(ge=1, le=MAX_MAPPING_ID), KwargDefinition(ge=1, le=MAX_MAPPING_ID)]


class _Node(msgspec.Struct, tag_field="kind"):
    id: str
    label: str


class SourceNode(_Node, tag="source"):
    """Layer 0: a connected source system."""

    layer: Literal[0]
    name: str
    connector: str
    icon: str
    status: str | None


class TableNode(_Node, tag="table"):
    """Layer 1: a table of a source (``fields``: its field count; ``entity``: the entity its
    accepted mappings point at, null while unmapped; ``review``: fields waiting in review)."""

    layer: Literal[1]
    source: str
    rows: int
    rejected: int
    fields: int
    entity: str | None
    review: int


class EntityNode(_Node, tag="entity"):
    """Layer 2: a unified entity (``fields``: the canonical fields mapped to it)."""

    layer: Literal[2]
    rows: int
    fields: list[str]


class AgentNode(_Node, tag="agent"):
    """Layer 3: an agent (``consumes``: the entities it reads; ``status``/``summary``: its last
    result's, null before it ran)."""

    layer: Literal[3]
    name: str
    consumes: list[str]
    status: str | None
    # The agent's own value, stored unchecked: a string by the Agent contract (core/agent.py),
    # but a plugin may return any JSON.
    summary: Annotated[Any, msgspec.Meta(description="the last result's summary: a string by the Agent "
                                                     "contract, passed on as the agent returned it")]


GraphNode = SourceNode | TableNode | EntityNode | AgentNode


class GraphEdge(msgspec.Struct):
    """``hierarchy``: system → table; ``dataflow``: table → entity (with ``mapped_fields`` and
    their mean ``confidence``) and entity → agent. ``rows``: the rows flowing along it."""

    id: str
    source: str
    target: str
    type: Literal["hierarchy", "dataflow"]
    rows: int
    mapped_fields: int | msgspec.UnsetType = msgspec.UNSET
    confidence: float | msgspec.UnsetType = msgspec.UNSET


class Graph(msgspec.Struct):
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class GraphSummary(msgspec.Struct):
    sources: int
    tables: int
    entities: int
    agents: int
    rows: int
    rejected: int
    mapped_fields: int
    review: int


class StateOut(msgspec.Struct):
    graph: Graph
    summary: GraphSummary


class InlineSource(Strict):
    """A source given in the request, validated as ``POST /api/v1/sources`` validates one."""

    name: SourceName
    connector: ConnectorName
    config: Config = {}
    select: SourceSelect | None = None


class ConnectIn(Strict):
    """``sources``: ``"demo"``, a stored source's name or id, or ``{name, connector, config}``."""

    sources: Annotated[list[str | InlineSource], msgspec.Meta(max_length=100)] = []
    agents: list[str] | None = None
    demo: bool = False
    callback_url: Callback | None = None
    exclusive: bool = False  # true: remove every connected source not listed here
    full_refresh: bool = False  # true: read and type every table again, even unchanged ones


class TableOut(msgspec.Struct):
    name: str
    rows: int
    rejected: int
    fields: int
    primary_key: list[str]
    updated_at: float | None = None


class DclSourceOut(msgspec.Struct):
    name: str
    connector: str
    title: str
    icon: str
    status: str | None
    last_run_id: str | None
    config: dict[str, Any]
    tables: list[TableOut]


class MappingOut(msgspec.Struct):
    id: int
    source: str
    table: str
    field: str
    field_type: str | None
    entity: str | None
    entity_confidence: float | None
    canonical: str | None
    confidence: float | None
    mapper: str | None
    reason: str | None
    status: str
    alternatives: list[Any]
    samples: list[Any]
    updated_at: float | None = None


class DecisionIn(Strict):
    decision: Literal["approve", "edit", "reject"]
    canonical: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class DecisionOut(msgspec.Struct):
    mapping: MappingOut
    version: int | None


class BulkIn(Strict):
    ids: Annotated[list[MappingId], msgspec.Meta(min_length=1, max_length=1000)]


class BulkOut(msgspec.Struct):
    mappings: list[MappingOut]
    version: int | None


class LineagePath(msgspec.Struct):
    source: str
    table: str
    field: str
    entity: str
    canonical: str | None
    status: str
    confidence: float | None
    agents: list[str]


class LineageOut(msgspec.Struct):
    q: str
    paths: list[LineagePath]
    highlight: list[str]


class ViewColumn(msgspec.Struct):
    name: str
    type: str


class ViewOut(msgspec.Struct):
    entity: str
    rows: int
    columns: list[ViewColumn]


class ViewRows(msgspec.Struct):
    entity: str
    version: int | None
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    next_offset: int | None = None


class QueryIn(Strict):
    sql: Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
    limit: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 1000


class QueryOut(msgspec.Struct):
    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    seconds: float


class AgentRunIn(Strict):
    callback_url: Callback | None = None


class AgentOut(msgspec.Struct):
    name: str
    title: str
    description: str
    consumes: list[str]
    enabled: bool
    last_run_id: str | None
    last_finished_at: float | None
    last_result: dict[str, Any] | None


class RemovedOut(msgspec.Struct):
    """A source removed from the catalog and the view version published without it."""

    removed: str
    version: int


class RelationOut(msgspec.Struct):
    """A relation the organization can query (``/dcl/query`` and the console's data browser).
    ``kind``: ``unified`` (``unified.<entity>`` and golden tables), ``source`` (a normalized table
    ``src_<source>.<table>``, mapped or not, with ``source``/``table`` and ``rejected``: the rows its
    quarantine lists, rows kept with a cell set to null included) or
    ``quarantine`` (a ``_rejected`` view: of one source, or ``unified._rejected`` of all)."""

    schema: str
    name: str
    kind: Literal["unified", "source", "quarantine"]
    rows: int
    columns: list[ViewColumn]
    source: str | None
    table: str | None
    rejected: int | None


class RelationRows(msgspec.Struct):
    """One page of a relation's rows in a stable order (every column), JSON-safe."""

    schema: str
    name: str
    kind: Literal["unified", "source", "quarantine"]
    version: int | None
    columns: list[str]
    types: list[str]
    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    next_offset: int | None = None


class RejectedCell(msgspec.Struct):
    """A cell Normalize could not read as its column's type."""

    column: str
    value: str
    expected_type: str
    reason: str


class RejectedRow(msgspec.Struct):
    """A quarantined row. ``row``: its row number in the stored raw table, or the file line a
    connector could not parse; null when unknown (a file typed straight from a scan). ``kept``:
    the row stayed in the table with its unreadable cells null (``bad_rows: keep``). ``raw``: the
    row's raw values as JSON (a typing reject) or the unparsed line; null when withheld."""

    source: str
    table: str
    row: int | None
    reason: str
    kept: bool
    raw: str | None
    cells: list[RejectedCell]


class SourceTableRef(msgspec.Struct):
    source: str
    table: str


class RejectedPage(msgspec.Struct):
    """What a relation quarantined: a source table's own rejects, a unified view's those of the
    tables feeding it (``tables``), a ``_rejected`` view's its own rows."""

    schema: str
    name: str
    kind: Literal["unified", "source", "quarantine"]
    tables: list[SourceTableRef]
    items: list[RejectedRow]
    total: int
    limit: int
    offset: int
    next_offset: int | None = None
