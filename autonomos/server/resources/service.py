"""Sources and pipelines of one tenant: validation, sealing secrets, and the stored rows.

Handlers stay thin; everything here takes the tenant-scoped session (so another tenant's rows
are invisible by construction) and raises problem details naming the field.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from autonomos.core.catalog import TenantCatalog
from autonomos.core.connector import ConnectorContext
from autonomos.core.models import SourceSpec
from autonomos.core.plugins import get_host
from autonomos.core.redaction import redact_spec
from autonomos.core.spec import PipelineError, parse_pipeline, selection_from, selection_issues
from autonomos.core.yamlsafe import ConfigFileError, load_yaml
from autonomos.server.db.session import TenantSession
from autonomos.server.errors import FieldError, Problem, invalid, not_found
from autonomos.server.resources.configs import config_errors, policy_errors
from autonomos.server.resources.models import Pipeline, Source
from autonomos.server.resources.schemas import (CheckOut, DiscoveredColumn, DiscoveredTable, SourceOut, SourceSelect,
                                                SpecError)
from autonomos.server.resources.secrets import keep_masked, mask, seal, tenant_key, unseal

CHECK_TIMEOUT = 20.0


def files_root(catalog: TenantCatalog) -> Path:
    """The organization's file area: relative paths in configs resolve here (and only here)."""
    root = catalog.root / "files"
    root.mkdir(exist_ok=True)
    return root


def tenant_visible(message: str, catalog: TenantCatalog) -> str:
    """``message`` without the server's folder layout: paths in the file area become relative
    (as the tenant wrote them in the config), the rest of the organization's folder is named."""
    files = str(catalog.root / "files")
    return message.replace(files + os.sep, "").replace(files, ".").replace(str(catalog.root), "<organization folder>")


def tenant_visible_data(value: Any, catalog: TenantCatalog) -> Any:
    """:func:`tenant_visible` applied to every string inside ``value`` (event data, run stats)."""
    if isinstance(value, str):
        return tenant_visible(value, catalog)
    if isinstance(value, dict):
        return {k: tenant_visible_data(v, catalog) for k, v in value.items()}
    if isinstance(value, list):
        return [tenant_visible_data(v, catalog) for v in value]
    return value


def _problem(errors: list[FieldError], what: str = "config") -> Problem:
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return Problem(422, detail or f"invalid {what}", slug="validation", title="Validation failed", errors=errors)


def validate_source(connector: str, config: dict[str, Any], root: str = "config") -> None:
    """422 naming every bad field: unknown connector, server policy, the connector's Config."""
    connectors = get_host().connectors()
    if connector not in connectors:
        raise invalid("connector", f"unknown connector '{connector}' (known: {', '.join(sorted(connectors))})")
    errors = policy_errors(config, root) or config_errors(connectors[connector], config, root)
    if errors:
        raise _problem(errors)


def selection_data(select: SourceSelect | dict[str, Any] | None, root: str = "select") -> dict[str, Any] | None:
    """A source's ``select`` as stored (plain data; None: everything), or 422 naming each bad
    field. An empty selection is stored as None."""
    if select is None:
        return None
    import msgspec

    data = msgspec.to_builtins(select) if isinstance(select, SourceSelect) else select
    issues = selection_issues(data, root)
    if issues:
        raise _problem([FieldError(path, message) for path, message, _ in issues], "select")
    clean = {k: v for k, v in data.items() if v not in (None, [], {})}
    return clean or None


def source_out(row: Source) -> SourceOut:
    select = SourceSelect(**row.selection) if row.selection else None
    return SourceOut(id=row.id, name=row.name, connector=row.connector, config=mask(row.config),
                     created_at=row.created_at, updated_at=row.updated_at, select=select)


def commit_unique(session: TenantSession, what: str, name: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Problem(409, f"a {what} named '{name}' already exists", slug="conflict", title="Conflict",
                      errors=[FieldError("name", "already exists")]) from None


def create_source(session: TenantSession, tenant_id: uuid.UUID, secret_key: str, name: str, connector: str,
                  config: dict[str, Any], select: SourceSelect | None = None) -> Source:
    validate_source(connector, config)
    selection = selection_data(select)
    row = Source(name=name, connector=connector, config=seal(config, tenant_key(secret_key, tenant_id)),
                 selection=selection)
    session.add(row)
    commit_unique(session, "source", name)
    return row


def get_source(session: TenantSession, source_id: uuid.UUID) -> Source:
    row = session.get(Source, source_id)
    if row is None:
        raise not_found("source")
    return row


def update_source(session: TenantSession, tenant_id: uuid.UUID, secret_key: str, row: Source,
                  name: str | None, config: dict[str, Any] | None,
                  select: SourceSelect | None = None) -> Source:
    key = tenant_key(secret_key, tenant_id)
    if select is not None:
        row.selection = selection_data(select)
    if config is not None:
        merged = keep_masked(config, row.config)
        validate_source(row.connector, unseal(merged, key))
        row.config = seal(merged, key)
    if name is not None:
        row.name = name
    commit_unique(session, "source", name or row.name)
    return row


def source_spec(row: Source) -> dict[str, Any]:
    """The sealed source as a pipeline source (what task payloads carry: no plaintext secrets)."""
    return {"name": row.name, "connector": row.connector, "config": row.config, "select": row.selection}


def find_source(session: TenantSession, ref: str) -> Source | None:
    """A stored source by name or id."""
    try:
        row = session.get(Source, uuid.UUID(ref))
        if row is not None:
            return row
    except ValueError:
        pass
    return session.scalars(select(Source).where(Source.name == ref)).first()


def check_source(row: Source, tenant_id: uuid.UUID, secret_key: str, catalog: TenantCatalog,
                 timeout: float = CHECK_TIMEOUT) -> CheckOut:
    """Run the connector's ``check()`` and ``discover()`` synchronously, in a thread, with a
    time limit (a check that hangs answers ``ok: false`` after ``timeout`` seconds)."""
    import concurrent.futures

    from autonomos.core.spec import resolve_config

    started = time.monotonic()
    host = get_host()
    base = files_root(catalog)
    spec = SourceSpec(name=row.name, connector=row.connector,
                      config=unseal(row.config, tenant_key(secret_key, tenant_id)),
                      select=selection_from(row.selection))
    refused = policy_errors(spec.config)  # re-checked: the policy or DNS may have changed since saved
    if refused:
        return CheckOut(ok=False, seconds=round(time.monotonic() - started, 3),
                        error="; ".join(f"{e.field}: {e.message}" for e in refused))

    def run() -> list[Any]:
        # the check runs as the organization's work: its tenant (rate budgets, caches) and settings
        from autonomos.core import settings as engine_settings

        token = engine_settings.current_tenant.set(tenant_id)
        try:
            with engine_settings.using(catalog.settings):
                return probe()
        finally:
            engine_settings.current_tenant.reset(token)

    def probe() -> list[str]:
        cls = host.connector(spec.connector)
        config = resolve_config(spec, cls, base, env={})
        ctx = ConnectorContext(source_name=spec.name, work_dir=catalog.scratch_dir / f"check_{spec.name}", base_dir=base)
        ctx.work_dir.mkdir(parents=True, exist_ok=True)
        conn = cls(config, ctx)
        try:
            conn.check()
            return conn.discover()
        finally:
            conn.close()

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="source-check")
    future = pool.submit(run)
    try:
        tables = future.result(timeout=timeout)
        return CheckOut(ok=True, seconds=round(time.monotonic() - started, 3), tables=[t.name for t in tables],
                        discovered=[discovered_table(t) for t in tables],
                        select_error=_select_error(spec, tables, catalog))
    except concurrent.futures.TimeoutError:
        return CheckOut(ok=False, seconds=round(time.monotonic() - started, 3),
                        error=f"the check did not finish within {timeout:g} s")
    except Exception as exc:
        return CheckOut(ok=False, seconds=round(time.monotonic() - started, 3),
                        error=tenant_visible(str(exc) or type(exc).__name__, catalog))
    finally:
        pool.shutdown(wait=False)


def discovered_table(table: Any) -> DiscoveredTable:
    """What the console offers for selection: names and types, never the discovery samples."""
    return DiscoveredTable(name=table.name, columns=[DiscoveredColumn(f.name, f.type) for f in table.fields],
                           row_count=table.row_count, primary_key=list(table.primary_key), cursor=table.cursor)


def _select_error(spec: SourceSpec, tables: list[Any], catalog: TenantCatalog) -> str | None:
    """Why the stored selection would fail the next run (a table or column no longer there)."""
    from autonomos.core.pipeline.select import SelectionError, apply_selection

    try:
        if not apply_selection(spec.select, tables):
            return "select: no table selected"
    except SelectionError as exc:
        return tenant_visible(str(exc), catalog)
    return None


# -- pipelines ---------------------------------------------------------------------------------

def spec_errors(exc: ConfigFileError) -> list[SpecError]:
    return [SpecError(field=i.path, message=i.message, line=i.line, column=i.column) for i in exc.issues]


def validate_pipeline(text: str, filename: str) -> dict[str, Any]:
    """Parse and validate YAML, then apply the server policy to every source config.

    Returns the redacted spec; raises :class:`PipelineError` with line numbers otherwise.
    """
    spec = parse_pipeline(text, filename)
    positions = load_yaml(text, filename).positions
    issues = []
    for i, source in enumerate(spec.sources):
        for e in policy_errors(source.config, f"sources[{i}].config"):
            issues.append(positions.issue(e.field, e.message))
    if issues:
        raise PipelineError(issues)
    return redact_spec(spec)


def get_pipeline(session: TenantSession, pipeline_id: uuid.UUID) -> Pipeline:
    row = session.get(Pipeline, pipeline_id)
    if row is None:
        raise not_found("pipeline")
    return row
