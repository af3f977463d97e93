"""``/api/v1/sources``, ``/api/v1/connectors``, ``/api/v1/pipelines``, ``/api/v1/runs``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED
from sqlalchemy import select

from autonomos.core.catalog import TenantCatalog
from autonomos.core.plugins import get_host
from autonomos.core.yamlsafe import ConfigFileError
from autonomos.server.context import TenantContext
from autonomos.server.db.session import TenantSession
from autonomos.server.errors import MEDIA_TYPE, Problem, invalid, not_found, problem_responses
from autonomos.server.pagination import Cursor, Limit, paginate
from autonomos.server.names import VISIBLE_TEXT, text_problem
from autonomos.server.resources import service
from autonomos.server.resources.configs import config_schema
from autonomos.server.resources.models import Pipeline, Source
from autonomos.server.schedules import service as schedules
from autonomos.server.resources.schemas import (CheckOut, ConnectorOut, PipelineJson, PipelineName, PipelineOut,
                                                PipelinePage, RunDetail, RunLogLine, RunLogPage, RunOut, RunPage,
                                                RunTableFigures, SourceIn, SourceOut, SourcePage, SourceUpdate,
                                                ValidationOut)
from autonomos.server.settings import Settings
from autonomos.server.tasks.service import TaskOut
from autonomos.server.tasks.http import start_task

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")


class PipelineProblem(Problem):
    """422 whose ``errors`` carry ``line`` and ``column`` (the console marks them in the editor)."""

    def __init__(self, exc: ConfigFileError):
        self.spec_errors = service.spec_errors(exc)
        first = self.spec_errors[0] if self.spec_errors else None
        where = f"line {first.line}: " if first and first.line else ""
        super().__init__(422, f"{len(self.spec_errors)} problem(s) in the pipeline; {where}"
                         f"{first.field + ': ' if first and first.field else ''}{first.message if first else ''}",
                         slug="pipeline", title="Invalid pipeline")


def _pipeline_problem(request: Request, exc: PipelineProblem) -> Response[dict[str, Any]]:
    body = {"type": "urn:autonomos:problem:pipeline", "title": exc.title, "status": 422, "detail": exc.detail,
            "instance": request.url.path, "errors": [msgspec.to_builtins(e) for e in exc.spec_errors]}
    return Response(body, status_code=422, media_type=MEDIA_TYPE)


class SourceController(Controller):
    path = "/api/v1/sources"
    tags = ["sources"]

    @get("/", operation_id="listSources", sync_to_thread=True, summary="Stored sources")
    def list_sources(self, db_session: TenantSession, limit: int | None = Limit,
                     cursor: str | None = Cursor) -> SourcePage:
        """Sources with masked configs (secrets as ``"***"``), oldest first."""
        rows, next_cursor = paginate(db_session, select(Source), Source, limit, cursor)
        return SourcePage(items=[service.source_out(r) for r in rows], next_cursor=next_cursor)

    @post("/", operation_id="createSource", sync_to_thread=True, status_code=HTTP_201_CREATED,
          summary="Add a source", responses=problem_responses(400, 409, 422))
    def create_source(self, data: SourceIn, ctx: TenantContext, db_session: TenantSession,
                      settings: Settings) -> SourceOut:
        """The config is validated by the connector's Config class (422 names the field path);
        secrets are encrypted at rest and never returned. ``{"$env": …}`` is refused: tenants
        cannot read the server's environment."""
        row = service.create_source(db_session, ctx.tenant_id, settings.auth.secret_key, data.name,
                                    data.connector, data.config, data.select)
        return service.source_out(row)

    @get("/{source_id:uuid}", operation_id="getSource", sync_to_thread=True, summary="One stored source",
         responses=problem_responses(404))
    def get_source(self, source_id: uuid.UUID, db_session: TenantSession) -> SourceOut:
        """The source with its config masked (secrets as ``"***"``)."""
        return service.source_out(service.get_source(db_session, source_id))

    @patch("/{source_id:uuid}", operation_id="updateSource", sync_to_thread=True, summary="Change a source",
           responses=problem_responses(400, 404, 409, 422))
    def update_source(self, source_id: uuid.UUID, data: SourceUpdate, ctx: TenantContext,
                      db_session: TenantSession, settings: Settings) -> SourceOut:
        """Rename and/or replace the config; a ``"***"`` value keeps the stored secret."""
        row = service.get_source(db_session, source_id)
        row = service.update_source(db_session, ctx.tenant_id, settings.auth.secret_key, row, data.name, data.config,
                                    data.select)
        return service.source_out(row)

    @delete("/{source_id:uuid}", operation_id="deleteSource", sync_to_thread=True, summary="Delete a source",
            responses=problem_responses(404))
    def delete_source(self, source_id: uuid.UUID, db_session: TenantSession) -> None:
        """Forget the stored source (connected data stays until the next connect)."""
        db_session.delete(service.get_source(db_session, source_id))
        db_session.commit()

    @post("/{source_id:uuid}/test", operation_id="testSource", sync_to_thread=True, status_code=200,
          summary="Check a source (synchronous, time-limited)", responses=problem_responses(404))
    def test_source(self, source_id: uuid.UUID, ctx: TenantContext, db_session: TenantSession,
                    settings: Settings, catalog: TenantCatalog) -> CheckOut:
        """Runs the connector's ``check()`` and ``discover()`` in this request, stopped after
        20 s; answers ``ok`` with the tables found (``discovered``: their columns and types, for
        choosing ``select``; ``select_error``: the stored selection no longer fits), or the error."""
        row = service.get_source(db_session, source_id)
        return service.check_source(row, ctx.tenant_id, settings.auth.secret_key, catalog)


class ConnectorController(Controller):
    path = "/api/v1/connectors"
    tags = ["sources"]

    @get("/", operation_id="listConnectors", sync_to_thread=True, summary="Connectors and their config schemas")
    def list_connectors(self) -> list[ConnectorOut]:
        """Every installed connector with a JSON schema of its config (types, required,
        defaults; ``x-secret`` marks fields stored encrypted) for generated forms."""
        out = []
        for name, cls in sorted(get_host().connectors().items()):
            doc = (cls.__doc__ or "").strip().split("\n\n")[0]
            out.append(ConnectorOut(name=name, title=getattr(cls, "title", "") or name,
                                    icon=getattr(cls, "icon", "") or "database", description=" ".join(doc.split()),
                                    config_schema=config_schema(cls.Config)))
        return out


async def _pipeline_body(request: Request, name: str | None) -> tuple[str, str]:
    """(name, yaml) from a YAML text body (``?name=``) or JSON ``{name, yaml}``."""
    raw = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        try:
            body = msgspec.json.decode(raw, type=PipelineJson)
        except msgspec.ValidationError as exc:
            raise Problem(400 if "unknown field" in str(exc) else 422, f"body: {exc}", slug="validation",
                          title="Validation failed") from None
        except msgspec.DecodeError as exc:
            raise Problem(400, f"body: JSON is malformed ({exc})", slug="malformed", title="Malformed request") from None
        return body.name, body.yaml
    if media not in YAML_TYPES:
        raise Problem(415, f"send YAML ({', '.join(YAML_TYPES[:3])}) or JSON {{name, yaml}}; got {media or 'nothing'}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid("body", f"not valid UTF-8 (byte {exc.start})") from None
    if not name:
        raise invalid("name", "required as ?name= when the body is YAML")
    if problem := text_problem(name, "the pipeline name"):
        raise invalid("name", problem)
    return name, text


def _pipeline_request_body() -> RequestBody:
    """The two bodies :func:`_pipeline_body` reads, for OpenAPI (so the generated client types them)."""
    text = Schema(type=OpenAPIType.STRING, description="the pipeline YAML; its name goes in ?name=")
    name: msgspec.Meta = PipelineName.__metadata__[0]  # the same limits PipelineJson enforces
    json = Schema(type=OpenAPIType.OBJECT, required=["name", "yaml"], additional_properties=False, properties={
        "name": Schema(type=OpenAPIType.STRING, min_length=name.min_length, max_length=name.max_length,
                       pattern=name.pattern),
        "yaml": Schema(type=OpenAPIType.STRING, min_length=1, description="the pipeline YAML"),
    })
    return RequestBody(required=True, description="YAML text (name in ?name=) or JSON {name, yaml}",
                       content={"application/yaml": OpenAPIMediaType(schema=text),
                                "application/json": OpenAPIMediaType(schema=json)})


@dataclass
class PipelineBodyOperation(Operation):
    """Declares the YAML/JSON request body: the handlers read the raw body themselves (Litestar's
    ``data`` cannot accept a YAML text and a JSON object on one route), so Litestar cannot infer it."""

    def __post_init__(self) -> None:
        self.request_body = _pipeline_request_body()


class PipelineController(Controller):
    path = "/api/v1/pipelines"
    tags = ["pipelines"]
    exception_handlers = {PipelineProblem: _pipeline_problem}

    @get("/", operation_id="listPipelines", sync_to_thread=True, summary="Stored pipelines")
    def list_pipelines(self, db_session: TenantSession, limit: int | None = Limit,
                       cursor: str | None = Cursor) -> PipelinePage:
        """Pipelines with their YAML and parsed (redacted) spec, oldest first."""
        rows, next_cursor = paginate(db_session, select(Pipeline), Pipeline, limit, cursor)
        return PipelinePage(items=[_pipeline_out(r) for r in rows], next_cursor=next_cursor)

    @post("/", operation_id="createPipeline", status_code=HTTP_201_CREATED, summary="Upload a pipeline YAML",
          operation_class=PipelineBodyOperation, responses=problem_responses(400, 409, 413, 415, 422))
    async def create_pipeline(self, request: Request, state: State, ctx: TenantContext,
                              name: str | None = Parameter(query="name", required=False, max_length=100,
                                                           pattern=VISIBLE_TEXT)) -> PipelineOut:
        """Body: the YAML (``Content-Type: application/yaml``, name in ``?name=``) or JSON
        ``{name, yaml}``. Invalid YAML answers 422 with ``errors: [{field, message, line, column}]``;
        nothing is stored then."""
        name, text = await _pipeline_body(request, name)
        from litestar.concurrency import sync_to_thread

        return await sync_to_thread(_store_pipeline, state, ctx, name, text)

    @post("/validate", operation_id="validatePipeline", status_code=200, summary="Validate YAML without saving",
          opt={"scope": "read"}, operation_class=PipelineBodyOperation,
          responses=problem_responses(400, 413, 415))
    async def validate(self, request: Request, name: str | None = Parameter(query="name", required=False,
                                                                             max_length=100, pattern=VISIBLE_TEXT)
                       ) -> ValidationOut:
        """``valid`` with the parsed (redacted) spec, or ``errors`` with line numbers (200 either way)."""
        name, text = await _pipeline_body(request, name or "pipeline.yaml")
        try:
            return ValidationOut(valid=True, spec=service.validate_pipeline(text, name))
        except ConfigFileError as exc:
            return ValidationOut(valid=False, errors=service.spec_errors(exc))

    @get("/{pipeline_id:uuid}", operation_id="getPipeline", sync_to_thread=True, summary="One pipeline",
         responses=problem_responses(404))
    def get_pipeline(self, pipeline_id: uuid.UUID, db_session: TenantSession) -> PipelineOut:
        """The YAML as uploaded and the parsed spec (secrets redacted)."""
        return _pipeline_out(service.get_pipeline(db_session, pipeline_id))

    @delete("/{pipeline_id:uuid}", operation_id="deletePipeline", sync_to_thread=True, summary="Delete a pipeline",
            responses=problem_responses(404))
    def delete_pipeline(self, pipeline_id: uuid.UUID, db_session: TenantSession) -> None:
        """Forget the pipeline (connected data stays)."""
        db_session.delete(service.get_pipeline(db_session, pipeline_id))
        db_session.commit()

    @post("/{pipeline_id:uuid}/run", operation_id="runPipeline", sync_to_thread=True, status_code=HTTP_202_ACCEPTED,
          summary="Run a stored pipeline → task", responses=problem_responses(404, 422))
    def run_pipeline(self, pipeline_id: uuid.UUID, ctx: TenantContext, db_session: TenantSession,
                     callback_url: str | None = Parameter(query="callback_url", required=False, max_length=2000,
                                                           pattern=r"^https?://"),
                     full_refresh: bool = Parameter(query="full_refresh", default=False,
                                                    description="Read and type every table again, even unchanged ones.")
                     ) -> Response[TaskOut]:
        """Queue a run (an idempotent rebuild of the catalog from this pipeline's sources); tables
        unchanged since the last run are reused as they are unless ``full_refresh``."""
        row = service.get_pipeline(db_session, pipeline_id)
        payload = {"pipeline_id": str(row.id), "name": row.name, "full_refresh": full_refresh}
        return start_task(db_session, ctx, "pipeline.run", payload, callback_url)


def _store_pipeline(state: State, ctx: TenantContext, name: str, text: str) -> PipelineOut:
    try:
        spec = service.validate_pipeline(text, name)
    except ConfigFileError as exc:
        raise PipelineProblem(exc) from None
    with state.db.session(ctx.tenant_id) as session:
        row = Pipeline(name=name, yaml=text)
        session.add(row)
        service.commit_unique(session, "pipeline", name)
        schedules.apply_spec(session, row.id, spec.get("schedule"))  # the YAML's schedule: block, if any
        return PipelineOut(id=row.id, name=row.name, yaml=row.yaml, spec=spec, created_at=row.created_at,
                           updated_at=row.updated_at)


def _pipeline_out(row: Pipeline) -> PipelineOut:
    try:
        spec = service.validate_pipeline(row.yaml, row.name)
    except ConfigFileError:
        spec = {}
    return PipelineOut(id=row.id, name=row.name, yaml=row.yaml, spec=spec, created_at=row.created_at,
                       updated_at=row.updated_at)


class RunController(Controller):
    path = "/api/v1/runs"
    tags = ["runs"]

    @get("/", operation_id="listRuns", sync_to_thread=True, summary="Run history")
    def list_runs(self, catalog: TenantCatalog,
                  limit: int = Parameter(query="limit", ge=1, le=500, default=50)) -> RunPage:
        """Newest first: status, per-stage figures and rejected-row counts in ``stats``."""
        return RunPage(items=[_run_out(r, catalog) for r in catalog.meta.runs(limit)])

    @get("/{run_id:str}", operation_id="getRun", sync_to_thread=True, summary="One run", responses=problem_responses(404))
    def get_run(self, run_id: str, catalog: TenantCatalog) -> RunDetail:
        """One run with its events (stage progress, faults, drift…) and per-table figures."""
        rows = catalog.meta.query("SELECT * FROM runs WHERE id=?", run_id)
        if not rows:
            raise not_found("run")
        r = rows[0]
        events = catalog.meta.query("SELECT * FROM events WHERE run_id=? AND type != 'run_log' ORDER BY id LIMIT 5000",
                                    run_id)  # its log lines: GET /api/v1/runs/{id}/logs
        base = _run_out(r, catalog)
        return RunDetail(**{f: getattr(base, f) for f in base.__struct_fields__},
                         events=[{"id": e["id"], "ts": e["ts"], "type": e["type"],
                                  "data": service.tenant_visible_data(e["data"], catalog)} for e in events],
                         tables=_table_figures(catalog, r, events))


    @get("/{run_id:str}/logs", operation_id="getRunLogs", sync_to_thread=True, summary="A run's log lines",
         responses=problem_responses(404))
    def get_run_logs(self, run_id: str, catalog: TenantCatalog,
                     after: int = Parameter(query="after", ge=0, default=0,
                                            description="Only lines with a greater seq (the last seq seen)."),
                     limit: int = Parameter(query="limit", ge=1, le=1000, default=500)) -> RunLogPage:
        """The run's log, oldest first: stage, source, table, message and counts, warnings and
        errors. Follow a running run with ``?after=<next_after>`` (on each ``/ws/events`` event of
        the run, or by polling) until ``complete``. Another organization's run is 404."""
        from autonomos.core import runlog

        rows = catalog.meta.query("SELECT id, status FROM runs WHERE id=?", run_id)
        if not rows:
            raise not_found("run")
        # the end is the run_finished event (stored after the run's status changes): read it first
        end = catalog.meta.query("SELECT max(id) AS id FROM events WHERE run_id=? AND type='run_finished'", run_id)
        end_id = end[0]["id"] if end and end[0]["id"] is not None else None
        lines = runlog.lines(catalog.meta, run_id, after=after, limit=limit)
        next_after = lines[-1]["seq"] if lines else after
        items = [msgspec.convert(service.tenant_visible_data(line, catalog), RunLogLine) for line in lines]
        return RunLogPage(run_id=run_id, status=rows[0]["status"], items=items, next_after=next_after,
                          complete=end_id is not None and next_after >= end_id)


def _table_figures(catalog: TenantCatalog, run: dict[str, Any], events: list[dict[str, Any]]) -> list[RunTableFigures]:
    """Per table of this run, from its events: rows loaded (connect), rows kept (normalize),
    entity, mapped and review counts (map); rejected rows while the run is the latest load."""
    tables: dict[tuple[str, str], dict[str, Any]] = {}
    for e in events:
        d = e["data"] if isinstance(e["data"], dict) else {}
        if not d.get("source") or not d.get("table"):
            continue
        t = tables.setdefault((d["source"], d["table"]), {"source": d["source"], "table": d["table"]})
        if e["type"] == "stage_progress" and d.get("rows") is not None:
            t["loaded" if d.get("stage") == "connect" else "rows"] = d["rows"]
        elif e["type"] == "mapping_proposed":
            t.update(entity=d.get("entity"), mapped=d.get("mapped"), review=d.get("review"))
    latest = {(t["source"], t["name"]): t for t in catalog.meta.tables()}
    last_runs = {s["name"]: s.get("last_run_id") for s in catalog.meta.sources()}
    for key, t in tables.items():
        if last_runs.get(key[0]) == run["id"] and key in latest:
            t["rejected"] = latest[key].get("rejected_count") or 0
    fields = set(RunTableFigures.__struct_fields__)
    return [RunTableFigures(**{k: v for k, v in t.items() if k in fields}) for t in tables.values()]


def _run_out(r: dict[str, Any], catalog: TenantCatalog) -> RunOut:
    """A run as the organization sees it (messages name files as its configs do)."""
    return RunOut(id=r["id"], status=r["status"], started_at=r["started_at"], finished_at=r.get("finished_at"),
                  pipeline=r.get("pipeline"), stats=service.tenant_visible_data(r.get("stats") or {}, catalog),
                  error=service.tenant_visible(r["error"], catalog) if r.get("error") else None)


controllers = [SourceController, ConnectorController, PipelineController, RunController]
