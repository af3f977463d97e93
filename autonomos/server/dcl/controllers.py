"""``/dcl`` (the engine over HTTP) and ``/aoa`` (agents). Thin handlers: logic in :mod:`.service`,
:mod:`.query` and :mod:`.jobs`. Task-creating routes answer 202 with the task (poll
``GET /api/v1/tasks/{id}`` or follow ``/ws/events``)."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_202_ACCEPTED

from autonomos.core.catalog import TenantCatalog
from autonomos.core.graph import build_graph
from autonomos.core.pipeline.runner import Runner
from autonomos.core.plugins import get_host
from autonomos.server.context import TenantContext
from autonomos.server.db.session import TenantSession
from autonomos.server.dcl import jobs, query, service, tables
from autonomos.server.dcl.schemas import (MAX_MAPPING_ID, AgentOut, AgentRunIn, BulkIn, BulkOut, ConnectIn,
                                          DclSourceOut, DecisionIn, DecisionOut, LineageOut, MappingOut, QueryIn,
                                          QueryOut, RejectedPage, RelationOut, RelationRows, RemovedOut, StateOut,
                                          ViewOut, ViewRows)
from autonomos.server.errors import Problem, not_found, problem_responses
from autonomos.server.tasks.http import start_task
from autonomos.server.tasks.service import TaskOut


def actor(ctx: TenantContext) -> str:
    return f"user:{ctx.user_id}" if ctx.user_id else f"api_key:{ctx.api_key_id}"


TASK = {HTTP_202_ACCEPTED: None}


class DclController(Controller):
    path = "/dcl"
    tags = ["dcl"]

    @post("/connect", operation_id="dclConnect", sync_to_thread=True, status_code=HTTP_202_ACCEPTED,
          summary="Connect sources (idempotent rebuild) → task", responses=problem_responses(400, 422))
    def connect(self, data: ConnectIn, ctx: TenantContext, db_session: TenantSession) -> Response[TaskOut]:
        """Rebuild the organization's catalog from ``sources`` as a background task.

        ``sources`` items: ``"demo"`` (the bundled six-system demo; or set ``"demo": true``), a
        stored source's name or id (``/api/v1/sources``), or ``{name, connector, config}``.
        ``agents`` default to the demo's when the demo is connected. Only the listed sources are
        (re)loaded: the organization's other sources stay as they are, unless ``exclusive`` is
        true, which removes every connected source not listed (``DELETE /dcl/sources/{name}``
        removes one). Tables unchanged since the last run are reused as they are, unless
        ``full_refresh`` is true.
        """
        sources = [s if isinstance(s, str) else msgspec.structs.asdict(s) for s in data.sources]
        payload = jobs.connect_payload(db_session, ctx.tenant_id, sources, data.agents, data.demo)
        payload["exclusive"] = data.exclusive
        payload["full_refresh"] = data.full_refresh
        return start_task(db_session, ctx, "dcl.connect", payload, data.callback_url)

    @get("/state", operation_id="dclState", sync_to_thread=True, summary="The DCL graph and summary")
    def state(self, catalog: TenantCatalog) -> StateOut:
        """Exactly ``build_graph(catalog)``: nodes with ``layer`` 0-3 (source, table, entity,
        agent) and edges of type ``hierarchy`` / ``dataflow``."""
        return build_graph(catalog)  # type: ignore[return-value]  # the dict, unchanged

    @get("/sources", operation_id="dclSources", sync_to_thread=True, summary="Connected sources and tables")
    def sources(self, catalog: TenantCatalog) -> list[DclSourceOut]:
        """Sources of the last successful connect, with tables, rows and rejected rows
        (configs redacted)."""
        return service.sources(catalog)  # type: ignore[return-value]

    @delete("/sources/{name:str}", operation_id="dclRemoveSource", sync_to_thread=True, status_code=200,
            summary="Remove a connected source", responses=problem_responses(404, 409))
    def remove_source(self, name: str, catalog: TenantCatalog) -> RemovedOut:
        """Removes the source from the catalog (its tables, mappings and cursors) and republishes
        the views without it. Runs and connects never remove another source unless asked
        (``exclusive``); this is the explicit way. The stored source (``/api/v1/sources``) stays."""
        manifest = Runner(catalog, get_host()).remove_sources([name])
        if manifest is None:
            raise not_found("connected source")
        return RemovedOut(removed=name, version=int(manifest["version"]))

    @get("/mappings", operation_id="dclMappings", sync_to_thread=True, summary="Field mappings")
    def mappings(self, catalog: TenantCatalog, source: str | None = None, table: str | None = None,
                 status: str | None = Parameter(query="status", required=False,
                                                description="accepted | review | rejected | unmapped")) -> list[MappingOut]:
        """Every source field's mapping (canonical field, confidence, mapper, reason), filtered."""
        return service.mappings(catalog, source, table, status)  # type: ignore[return-value]

    @get("/review", operation_id="dclReviewQueue", sync_to_thread=True, summary="Intelligence Review queue")
    def review(self, catalog: TenantCatalog) -> list[MappingOut]:
        """Mappings below the accept threshold, lowest confidence first, with samples,
        confidence, the mapper's reason and alternatives."""
        return service.review_queue(catalog)  # type: ignore[return-value]

    @post("/review/bulk", operation_id="dclReviewBulkApprove", sync_to_thread=True, status_code=200,
          summary="Approve many proposals", responses=problem_responses(404, 409, 422))
    def review_bulk(self, data: BulkIn, ctx: TenantContext, catalog: TenantCatalog) -> BulkOut:
        """Approve every listed mapping (all are checked first: nothing changes if one is bad),
        then republish the views once."""
        return service.approve_many(catalog, list(data.ids), actor(ctx))  # type: ignore[return-value]

    @post("/review/{mapping_id:int}", operation_id="dclReviewDecide", sync_to_thread=True, status_code=200,
          summary="Approve, edit or reject one proposal", responses=problem_responses(404, 409, 422))
    def review_decide(self, data: DecisionIn, ctx: TenantContext, catalog: TenantCatalog,
                      mapping_id: int = Parameter(ge=1, le=MAX_MAPPING_ID, schema_extra={
                          "minimum": 1, "maximum": MAX_MAPPING_ID})) -> DecisionOut:
        """``edit`` needs ``canonical`` (``entity.field`` or ``field``). The views are republished;
        the answer has the updated mapping and the new view version."""
        if data.decision == "edit" and not data.canonical:
            raise Problem(422, "canonical: required for edit", slug="validation", title="Validation failed")
        return service.decide_one(catalog, mapping_id, data.decision, data.canonical, actor(ctx))  # type: ignore[return-value]

    @get("/lineage", operation_id="dclLineage", sync_to_thread=True, summary="Field → entity → agent paths",
         responses=problem_responses(422))
    def lineage(self, catalog: TenantCatalog, q: str = Parameter(query="q", min_length=1, max_length=200)) -> LineageOut:
        """Paths whose source field, canonical field, entity, table or source contains ``q``,
        plus the graph node ids to highlight."""
        return service.lineage(catalog, q)  # type: ignore[return-value]

    @get("/views", operation_id="dclViews", sync_to_thread=True, summary="Unified views with row counts")
    def views(self, catalog: TenantCatalog) -> list[ViewOut]:
        """Published ``unified.<entity>`` views with row counts and columns."""
        return service.views(catalog)  # type: ignore[return-value]

    @get("/views/{entity:str}", operation_id="dclViewRows", sync_to_thread=True, summary="Rows of one view",
         responses=problem_responses(404))
    def view_rows(self, entity: str, catalog: TenantCatalog,
                  limit: int = Parameter(query="limit", ge=1, le=1000, default=100),
                  offset: int = Parameter(query="offset", ge=0, le=10_000_000, default=0)) -> ViewRows:
        """Rows of ``unified.<entity>`` in a stable order, JSON-safe (decimals, dates, blobs)."""
        return service.view_rows(catalog, entity, limit, offset)  # type: ignore[return-value]

    @get("/tables", operation_id="dclTables", sync_to_thread=True, summary="Every queryable table and view")
    def list_tables(self, catalog: TenantCatalog) -> list[RelationOut]:
        """``unified.<entity>`` views, every ``src_<source>.<table>`` (mapped or not) and the
        ``_rejected`` quarantine views, with kind, row count and columns with their types."""
        return tables.listing(catalog)  # type: ignore[return-value]

    @get("/tables/{schema:str}/{name:str}/rows", operation_id="dclTableRows", sync_to_thread=True,
         summary="A preview of one table or view", responses=problem_responses(404, 422))
    def table_rows(self, schema: str, name: str, catalog: TenantCatalog,
                   limit: int = Parameter(query="limit", ge=1, le=1000, default=100),
                   offset: int = Parameter(query="offset", ge=0, le=10_000_000, default=0)) -> RelationRows:
        """Rows of a relation ``GET /dcl/tables`` lists (any other name is 404) in a stable
        order, JSON-safe (decimals, dates, blobs), read through the same locked reader as
        ``/dcl/query``."""
        return tables.rows(catalog, schema, name, limit, offset)  # type: ignore[return-value]

    @get("/tables/{schema:str}/{name:str}/rejected", operation_id="dclTableRejected", sync_to_thread=True,
         summary="The rows and cells one table quarantined, with reasons", responses=problem_responses(404, 422))
    def table_rejected(self, schema: str, name: str, catalog: TenantCatalog,
                       limit: int = Parameter(query="limit", ge=1, le=1000, default=100),
                       offset: int = Parameter(query="offset", ge=0, le=10_000_000, default=0)) -> RejectedPage:
        """Each rejected row with its reason, raw values, row or line number where known, and the
        cells that could not be read (column, raw value, expected type). For a unified view: the
        rejects of the tables that feed it; for a ``_rejected`` view: its own rows."""
        return tables.rejected(catalog, schema, name, limit, offset)  # type: ignore[return-value]

    @post("/query", operation_id="dclQuery", sync_to_thread=True, status_code=200, opt={"scope": "read"},
          summary="Read-only SQL over the unified views", responses=problem_responses(400, 408, 409, 422))
    def run_query(self, data: QueryIn, catalog: TenantCatalog) -> QueryOut:
        """One ``SELECT`` (or ``WITH … SELECT``) over the organization's own ``unified.<entity>``
        views. Files, URLs, ``COPY``, ``ATTACH``, ``INSTALL``, ``SET``, several statements are
        refused (422); a query running past the time limit is stopped (408)."""
        if catalog.current_manifest() is None:
            raise Problem(409, service.NOTHING_PUBLISHED, slug="not-published")
        return query.run_query(catalog, data.sql, data.limit, query.DEFAULT_TIMEOUT)  # type: ignore[return-value]


class AoaController(Controller):
    path = "/aoa"
    tags = ["aoa"]

    @get("/agents", operation_id="aoaAgents", sync_to_thread=True, summary="Agents and their last results")
    def agents(self, catalog: TenantCatalog) -> list[AgentOut]:
        """Registered agents, the entities they consume, whether the connected pipeline enables
        them, and their last results."""
        return service.agents(catalog)  # type: ignore[return-value]

    @post("/agents/{name:str}/run", operation_id="aoaRunAgent", sync_to_thread=True, status_code=HTTP_202_ACCEPTED,
          summary="Run one agent → task", responses=problem_responses(404, 409, 422))
    def run_agent(self, name: str, ctx: TenantContext, db_session: TenantSession, catalog: TenantCatalog,
                  data: AgentRunIn | None = None) -> Response[TaskOut]:
        """Run an agent over the published views as a background task."""
        if name not in get_host().agents():
            raise not_found("agent")
        if catalog.current_manifest() is None:
            raise Problem(409, service.NOTHING_PUBLISHED, slug="not-published")
        return start_task(db_session, ctx, "agent.run", {"agent": name}, data.callback_url if data else None)


controllers = [DclController, AoaController]
