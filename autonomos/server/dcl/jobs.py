"""Task kinds that run the engine in a worker: ``dcl.connect``, ``pipeline.run``, ``agent.run``.

Request side (:func:`connect_payload`) resolves what to connect — inline sources, stored sources
by name or id, or the bundled demo — validates it, and seals secrets, so a task row never holds
a plaintext secret. Worker side unseals right before the run and calls the engine's
:class:`~autonomos.core.pipeline.runner.Runner` with the task's event bus.

Why a retry is safe: the run is an idempotent rebuild — it replaces its sources' catalog state
with what its sources hold now (full-refresh tables are replaced, never appended; the tenant's
other sources stay, unless the connect is ``exclusive``), and publishing is atomic, so a run killed half-way leaves the
previous views and a retried run never duplicates rows. The writer lock of a crashed worker
frees by itself (a file lock dies with its process; the Redis lock expires after its TTL), and a
retry waits up to :data:`LOCK_WAIT` seconds for it.

Configs pass the server policy again here (:mod:`autonomos.server.resources.configs`): no
``{"$env"}`` references (tenants get an empty environment), paths confined to the tenant's file
area, which is also the run's ``base_dir``.

LLM settings: each run reads its organization's (:mod:`autonomos.server.llm.service`) when it
starts and runs inside :func:`~autonomos.core.settings.using_llm` — a context variable, never
``os.environ``, so organizations running at once in one worker process each get their own
provider, model and key. ``dcl.connect`` turns LLM mapping on when the organization (or the
server's default) has a provider; a pipeline's ``mapping.use_llm`` decides for itself.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from autonomos.connectors.demo import demo_pipeline_path
from autonomos.core.errors import AutonomosError, ConfigError
from autonomos.core.events import Event
from autonomos.core.guard import LimitError, RunCancelled
from autonomos.core.models import MappingSettings, PipelineSpec, SourceSpec
from autonomos.core.pipeline.runner import Runner
from autonomos.core.plugins import get_host
from autonomos.core.redaction import is_ref
from autonomos.core.settings import LLMChoice, using_llm
from autonomos.core.spec import parse_pipeline, selection_from
from autonomos.server.errors import FieldError, Problem, invalid
from autonomos.server.llm.service import run_choice
from autonomos.server.resources.configs import SOURCE_NAME, config_errors, policy_errors
from autonomos.server.resources.models import Pipeline
from autonomos.server.resources.secrets import seal, tenant_key, unseal
from autonomos.server.resources.service import (files_root, find_source, selection_data, source_spec,
                                             tenant_visible, validate_pipeline)
from autonomos.server.settings import get_settings
from autonomos.server.tasks.registry import PermanentTaskError, TaskCancelled

log = logging.getLogger(__name__)

LOCK_WAIT = 60.0
DEMO = "demo"
_secret_key: str | None = None


def configure(secret_key: str) -> None:
    """Set the key that unseals source secrets in this process (the app does it at start-up;
    a worker without an app falls back to the settings from the environment)."""
    global _secret_key
    _secret_key = secret_key


def secret_key() -> str:
    if _secret_key is None:  # not installed by autonomos.server.services: the environment's
        return get_settings().auth.secret_key
    return _secret_key


# -- request side ------------------------------------------------------------------------------

def demo_spec() -> PipelineSpec:
    """The bundled demo pipeline (six systems, both built-in agents)."""
    path = demo_pipeline_path()
    return parse_pipeline(path.read_text(encoding="utf-8"), str(path))


def connect_payload(session: Any, tenant_id: uuid.UUID, sources: list[Any], agents: list[str] | None,
                    demo: bool = False) -> dict[str, Any]:
    """The ``dcl.connect`` payload: sealed sources and agent names; 422 naming the bad item.

    Each source is ``"demo"`` (the bundled demo systems), a stored source's name or id, or an
    inline ``{name, connector, config}``. ``demo: true`` adds the demo; agents default to the
    demo's when the demo is connected and none are named.
    """
    key = tenant_key(secret_key(), tenant_id)
    connectors = get_host().connectors()
    out: list[dict[str, Any]] = []
    use_demo = demo
    for i, item in enumerate(sources):
        where = f"sources[{i}]"
        if item == DEMO:
            use_demo = True
            continue
        if isinstance(item, str):
            row = find_source(session, item)
            if row is None:
                raise invalid(where, f"no stored source named or with id '{item}' (POST /api/v1/sources first, "
                                     "or give {name, connector, config})")
            out.append(source_spec(row))
            continue
        if not isinstance(item, dict):
            raise invalid(where, "expected a source name, a source id, \"demo\" or {name, connector, config}")
        unknown = sorted(set(item) - {"name", "connector", "config", "select"})
        if unknown:
            raise Problem(400, f"{where}: unknown field(s) {', '.join(unknown)}", slug="validation",
                          title="Validation failed", errors=[FieldError(f"{where}.{k}", "unknown field") for k in unknown])
        name, connector, config = item.get("name"), item.get("connector"), item.get("config", {})
        if not isinstance(name, str) or not SOURCE_NAME.fullmatch(name):
            raise invalid(f"{where}.name", "required: lowercase letters, digits and underscores, at most 63")
        if not isinstance(connector, str) or connector not in connectors:
            raise invalid(f"{where}.connector", f"unknown connector {connector!r} (known: {', '.join(sorted(connectors))})")
        errors = policy_errors(config, f"{where}.config") if isinstance(config, dict) else []
        errors = errors or config_errors(connectors[connector], config, f"{where}.config")
        if errors:
            raise Problem(422, "; ".join(f"{e.field}: {e.message}" for e in errors), slug="validation",
                          title="Validation failed", errors=errors)
        out.append({"name": name, "connector": connector, "config": seal(config, key),
                    "select": selection_data(item.get("select"), f"{where}.select")})
    agent_names = list(agents or [])
    if use_demo:
        spec = demo_spec()
        out = [{"name": s.name, "connector": s.connector, "config": s.config, "select": None}
               for s in spec.sources] + out
        if agents is None:
            agent_names = list(spec.agents)
    if not out:
        raise invalid("sources", "list at least one source (or \"demo\")")
    seen: set[str] = set()
    for i, s in enumerate(out):
        if s["name"] in seen:
            raise invalid(f"sources[{i}]", f"duplicate source name '{s['name']}'")
        seen.add(s["name"])
    known_agents = get_host().agents()
    for i, a in enumerate(agent_names):
        if a not in known_agents:
            raise invalid(f"agents[{i}]", f"unknown agent '{a}' (known: {', '.join(sorted(known_agents))})")
    return {"sources": out, "agents": agent_names}


# -- worker side -------------------------------------------------------------------------------

def _permanent(message: str) -> Exception:
    return PermanentTaskError(message)


def _plain_sources(sources: list[dict[str, Any]], tenant_id: uuid.UUID) -> list[SourceSpec]:
    """Unseal and re-check every source (the policy may be stricter than when it was queued)."""
    key = tenant_key(secret_key(), tenant_id)
    out = []
    for i, s in enumerate(sources):
        config = unseal(s.get("config") or {}, key, f"sources[{i}].config")
        problems = policy_errors(config, f"sources[{i}].config")
        if problems:
            raise ConfigError("; ".join(f"{p.field}: {p.message}" for p in problems))
        if is_ref(config):
            raise ConfigError(f"sources[{i}].config: environment references are not available on the server")
        out.append(SourceSpec(name=s["name"], connector=s["connector"], config=config,
                              select=selection_from(s.get("select"))))
    return out


def _progress_listener(ctx: Any, spec: PipelineSpec) -> Any:
    """Turn engine events into task progress: sources share 5-80 %, views 85 %, agents 90-99 %."""
    index = {s.name: i for i, s in enumerate(spec.sources)}
    n = max(1, len(spec.sources))
    agents_done: list[str] = []
    reached = [0.0]  # progress never goes back, whatever order the stages report in

    def on_event(event: Event) -> None:
        d = event.data
        if event.type == "stage_progress":
            i = index.get(d.get("source", ""), 0)
            part = (d.get("done", 0) / d["total"]) if d.get("stage") == "normalize" and d.get("total") else 0.0
            where = ".".join(x for x in (d.get("source"), d.get("table")) if x)
            reached[0] = max(reached[0], 0.05 + 0.75 * (i + part) / n)
            ctx.progress(reached[0], f"{d.get('stage')} {where}".strip())
        elif event.type == "views_published":
            ctx.progress(0.85, f"views published (version {d.get('version')})")
        elif event.type == "agent_finished":
            agents_done.append(d.get("agent", ""))
            ctx.progress(min(0.99, 0.9 + 0.09 * len(agents_done) / max(1, len(spec.agents))),
                         f"agent {d.get('agent')} {d.get('status')}")

    return on_event


def llm_choice(ctx: Any) -> LLMChoice | None:
    """The organization's effective LLM settings, read now. A context without a metadata
    database (engine-only callers) gets None: the environment's settings."""
    if not callable(getattr(ctx, "session", None)):
        return None
    with ctx.session() as s:
        return run_choice(s, ctx.tenant_id, secret_key())


def run_spec(ctx: Any, spec: PipelineSpec, pipeline_name: str, llm: LLMChoice | None = None,
             exclusive: bool = False, full_refresh: bool = False) -> dict[str, Any]:
    """Run ``spec`` for the task's tenant with its LLM settings; map engine failures onto task
    outcomes. Other sources stay unless ``exclusive``; unchanged tables are reused unless
    ``full_refresh``."""
    ctx.progress(0.01, f"starting {pipeline_name}")
    unsubscribe = ctx.event_bus.subscribe(_progress_listener(ctx, spec))
    try:
        with using_llm(llm):
            result = Runner(ctx.catalog, get_host(), ctx.event_bus).run(
                spec, base_dir=files_root(ctx.catalog), pipeline_name=pipeline_name, lock_timeout=LOCK_WAIT,
                should_cancel=ctx.should_cancel, env={},  # a tenant never reads the server's environment
                exclusive=exclusive, full_refresh=full_refresh)
    except (ConfigError, LimitError) as exc:  # a bad config or a too-wide table does not get better by retrying
        raise _permanent(tenant_visible(str(exc), ctx.catalog)) from None
    except RunCancelled as exc:  # the worker reads the guard's reason: cancel, timeout or shutdown
        raise TaskCancelled(str(exc)) from None
    except AutonomosError as exc:
        exc.args = (tenant_visible(str(exc), ctx.catalog),)  # same type: retry decisions keep working
        raise
    finally:
        unsubscribe()
    ctx.progress(1.0, "done")
    return {"run_id": result.run_id, "status": result.status, "stats": result.stats,
            "manifest_version": result.manifest_version}


def dcl_connect(ctx: Any) -> dict[str, Any]:
    """Load the payload's sources into the tenant's catalog (idempotent); the other sources stay
    unless the payload says ``exclusive``."""
    payload = ctx.payload
    try:
        sources = _plain_sources(list(payload.get("sources") or []), ctx.tenant_id)
    except ConfigError as exc:
        raise _permanent(str(exc)) from None
    llm = llm_choice(ctx)
    use_llm = bool(llm.provider) if llm is not None else False
    spec = PipelineSpec(sources=sources, agents=list(payload.get("agents") or []),
                        mapping=MappingSettings(use_llm=use_llm))
    return run_spec(ctx, spec, "dcl.connect", llm, exclusive=bool(payload.get("exclusive")),
                    full_refresh=bool(payload.get("full_refresh")))


def pipeline_run(ctx: Any) -> dict[str, Any]:
    """Run a stored pipeline (validated again: it may predate a policy change)."""
    pipeline_id = uuid.UUID(str(ctx.payload.get("pipeline_id")))
    with ctx.session() as s:
        row = s.get(Pipeline, pipeline_id)
        if row is None:
            raise _permanent(f"pipeline {pipeline_id} no longer exists")
        name, text = row.name, row.yaml
    try:
        validate_pipeline(text, name)
        spec = parse_pipeline(text, name)
    except ConfigError as exc:
        raise _permanent(str(exc)) from None
    return run_spec(ctx, spec, name, llm_choice(ctx), full_refresh=bool(ctx.payload.get("full_refresh")))


def agent_run(ctx: Any) -> dict[str, Any]:
    """Run one agent over the published views; its result is stored in the catalog too."""
    name = str(ctx.payload.get("agent"))
    if name not in get_host().agents():
        raise _permanent(f"unknown agent '{name}'")
    if ctx.catalog.current_manifest() is None:
        raise _permanent("nothing published yet: POST /dcl/connect first")
    ctx.progress(0.1, f"running agent {name}")
    with using_llm(llm_choice(ctx)):  # an agent plugin may ask an LLM too
        result = Runner(ctx.catalog, get_host(), ctx.event_bus).run_agent(name)
    ctx.progress(1.0, "done")
    return {"agent": name, "result": result}


