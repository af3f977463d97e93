"""The run: Connect → Normalize → Map → Unify → publish → agents, with events and the writer lock.

Stages stay pure functions; the runner owns the lock, run state, events and the all-or-nothing
rule: metadata and views change only after every source loaded, normalized and mapped. A run
that fails leaves the previously published views, mappings and review queue untouched.

A run replaces only what it owns: the sources of its spec. A tenant's catalog is the union of
every pipeline and source it ran; the others stay as they are unless the run is ``exclusive``
(the catalog becomes exactly the spec's sources), and removing a source is its own act
(:meth:`Runner.remove_sources`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import traceback
import uuid
from pathlib import Path
from typing import Any, Callable, Mapping

import attrs
import duckdb

import autonomos
from autonomos.core import drift as drift_mod
from autonomos.core import guard
from autonomos.core import settings
from autonomos.core import ontology as ontology_mod
from autonomos.core import runlog
from autonomos.core.catalog import TenantCatalog
from autonomos.core.connector import Connector, ConnectorContext
from autonomos.core.errors import AutonomosError, BadRowsError, CatalogBusyError, ConfigError, ConnectorError
from autonomos.core.events import Event, EventBus
from autonomos.core.models import Field, MappingSettings, Ontology, PipelineSpec, Selection, SourceSpec, TableSchema
from autonomos.core.pipeline.connect import COPY_TABLE, STATE_TABLE, copy_raw, load_raw, raw_name
from autonomos.core.pipeline.normalize import OUTPUT_VERSION, NormalizeResult, adopt_copy, normalize_table
from autonomos.core.pipeline.publish import build_manifest, mapping_rows
from autonomos.core.pipeline.resolve import resolve_stage
from autonomos.core.pipeline.select import (Selected, SelectionError, apply_selection, filter_names,
                                            scrub_reason, scrub_rejects, wanted)
from autonomos.core.plugins import PluginHost, get_host
from autonomos.core.redaction import redact_spec
from autonomos.core.serde import structure, unstructure
from autonomos.core.sqltext import qi, ql

log = logging.getLogger(__name__)


@attrs.define
class RunResult:
    run_id: str
    status: str  # success | failed
    stats: dict[str, Any]
    error: str | None = None
    manifest_version: int | None = None


@attrs.define
class _TableOutcome:
    source: str
    schema: TableSchema
    file: str
    result: Any  # NormalizeResult
    rows_loaded: int
    rejected: int
    mapping: Any  # TableMapping
    drift: dict[str, Any] | None
    loaded_from: dict[str, Any] | None = None  # stored with the table: what it was built from
    reused: bool = False  # unchanged since the last run: that run's typed table, as it was


def resolve_ontology(host: PluginHost, name: str, extensions: dict[str, Any] | None) -> Ontology:
    ontologies = host.ontologies()
    if name not in ontologies:
        raise ConfigError(f"unknown ontology '{name}' (known: {', '.join(sorted(ontologies)) or 'none'})")
    return ontology_mod.extend(ontologies[name], extensions)


def _stopper(should_cancel: Callable[[], bool] | None) -> Callable[[], None]:
    """A check to call between stages: raises RunCancelled once the caller's ``should_cancel``
    says so or the run's guard was stopped (cancel, time ceiling, shutdown)."""
    def stop() -> None:
        guard.check()
        if should_cancel is not None and should_cancel():
            raise guard.RunCancelled("cancel")
    return stop


def _load_digest(connector_name: str, config: Any, bad_rows: str, select: Selection | None = None) -> str:
    """What a typed table depends on besides its data: the connector and its resolved config,
    the bad-row policy, the source's table and column selection and the code that types it. A
    table is reused only under the same one (so changing ``select`` reloads)."""
    parts = [connector_name, unstructure(config), bad_rows, autonomos.__version__, OUTPUT_VERSION]
    if select is not None and not select.is_empty():  # digests of sources without one stay as they were
        parts.append(unstructure(select))
    payload = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _acquire(lock: Any, timeout: float, stop: Callable[[], None]) -> None:
    """Take the writer lock, waiting up to ``timeout`` s in short slices so a stop is noticed."""
    deadline = time.monotonic() + timeout
    while True:
        stop()
        try:
            lock.acquire(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
            return
        except CatalogBusyError:
            if time.monotonic() >= deadline:
                raise


def _unchanged(connector: Connector, prev: dict[str, Any]) -> bool:
    """The connector's verdict on a stored table (a failing check counts as changed)."""
    try:
        return bool(connector.unchanged(prev["name"], (prev.get("loaded_from") or {}).get("state") or {}))
    except (OSError, AutonomosError):
        return False


def _note_unchanged(ctx: ConnectorContext, source: str, outcomes: list[_TableOutcome]) -> None:
    mine = [o for o in outcomes if o.source == source]
    reused = sum(o.reused for o in mine)
    if reused:
        ctx.note(f"{source}: {reused} of {len(mine)} table(s) unchanged since the last run, not read again "
                 f"(--full-refresh reads them)", level="info")


def _select(src: SourceSpec, discovered: list[TableSchema], ctx: ConnectorContext) -> list[Selected]:
    """The source's ``select`` applied to what it discovered; errors name the pipeline's line."""
    from autonomos.core.spec import source_error

    try:
        chosen = apply_selection(src.select, discovered)
    except SelectionError as exc:
        raise source_error(src, exc.path, exc.message) from None
    if not chosen:
        raise source_error(src, "select", f"no table selected (discovered: "
                           f"{', '.join(sorted(t.name for t in discovered))})")
    skipped = len(discovered) - len(chosen)
    if skipped:
        ctx.note(f"{src.name}: {skipped} of {len(discovered)} table(s) not selected, not read", level="info")
    for c in chosen:
        if c.excluded:
            ctx.note(f"{src.name}.{c.schema.name}: column(s) left out: {', '.join(c.excluded)}", level="info")
    return chosen


def _remove_table_file(path: Path) -> None:
    """A table file no manifest names (and its write-ahead log)."""
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


class Runner:
    """Runs pipelines for one tenant. ``bus`` receives every event (persisted in the catalog)."""

    def __init__(self, catalog: TenantCatalog, host: PluginHost | None = None, bus: EventBus | None = None):
        self.catalog = catalog
        self.host = host or get_host()
        self.bus = bus or EventBus(store=catalog.meta, emit=self.host.emit)
        self.tenant = str(catalog.tenant_id)
        self.run_id: str | None = None

    def _event(self, type_: str, **data: Any) -> None:
        self.bus.publish(Event(type=type_, tenant=self.tenant, data=data, run_id=self.run_id))

    def _progress(self, stage: str, done: int, total: int, **data: Any) -> None:
        self._event("stage_progress", stage=stage, done=done, total=total, **data)

    # -- the run --------------------------------------------------------------------------
    def run(self, spec: PipelineSpec, base_dir: Path | None = None, pipeline_name: str | None = None,
            lock_timeout: float = 0, should_cancel: Callable[[], bool] | None = None,
            env: Mapping[str, str] | None = None, exclusive: bool = False,
            full_refresh: bool = False) -> RunResult:
        """Run ``spec`` for this tenant. ``env`` is what ``{"$env": NAME}`` references resolve
        against (default ``os.environ``: the CLI user's own environment); the server passes a
        tenant-scoped mapping so a tenant can never read the server's variables. Sources the spec
        does not name are kept, unless ``exclusive``: then they are removed. A table whose data
        and config are unchanged since the last run is reused as it was, unless ``full_refresh``."""
        with settings.using(self.catalog.settings):  # what stages, mappers and providers read
            return self._run(spec, base_dir, pipeline_name, lock_timeout, should_cancel, env, exclusive, full_refresh)

    def _run(self, spec: PipelineSpec, base_dir: Path | None, pipeline_name: str | None, lock_timeout: float,
             should_cancel: Callable[[], bool] | None, env: Mapping[str, str] | None, exclusive: bool,
             full_refresh: bool) -> RunResult:
        from autonomos.core.spec import resolve_config  # spec validates configs; imported lazily

        self.run_id = uuid.uuid4().hex[:12]
        base_dir = base_dir or Path.cwd()
        started = time.time()
        stats: dict[str, Any] = {"sources": len(spec.sources), "tables": 0, "rows": 0, "rejected": 0,
                                 "mapped_fields": 0, "review": 0, "entities": 0, "deduplicated": 0}
        stop = _stopper(should_cancel)
        lock = self.catalog.writer_lock()
        _acquire(lock, lock_timeout, stop)
        tenant_token = settings.current_tenant.set(self.catalog.tenant_id)
        meta = self.catalog.meta
        meta.start_run(self.run_id, pipeline_name)
        self._event("run_started", pipeline=pipeline_name, sources=[s.name for s in spec.sources])
        rlog = runlog.RunLog(lambda line: self._event("run_log", **line))  # the run's log (core/runlog.py)
        for source_spec in spec.sources:  # known before anything is read: a captured message never quotes them
            rlog.leaves_out([c for cols in source_spec.select.exclude_columns.values() for c in cols])
        capturing = runlog.capture(rlog)
        capturing.__enter__()
        connectors: list[Connector] = []
        con = None
        try:
            ontology = resolve_ontology(self.host, spec.ontology, spec.ontology_extensions)
            con = self.catalog.open_work()
            guard.watch(con)  # the run's memory limit; a stop interrupts its statements
            outcomes: list[_TableOutcome] = []
            known_sources = {s["name"]: s for s in meta.sources()}
            learned = meta.decisions()
            for si, src in enumerate(spec.sources):
                stop()
                cls = self.host.connector(src.connector)
                config = resolve_config(src, cls, base_dir, env=env)
                ctx = ConnectorContext(source_name=src.name, work_dir=self.catalog.scratch_dir / src.name,
                                       base_dir=base_dir, bad_rows=spec.bad_rows,
                                       on_note=lambda m, level, name=src.name: rlog.note(name, m, level))
                rlog.at("connect", src.name)
                ctx.work_dir.mkdir(parents=True, exist_ok=True)
                connector = cls(config, ctx)
                connectors.append(connector)
                self._progress("connect", si, len(spec.sources), source=src.name, message="checking")
                connector.check()
                digest = _load_digest(src.connector, config, spec.bad_rows, src.select)
                previous = {} if full_refresh else {
                    t["name"]: t for t in meta.tables(src.name) if (t.get("loaded_from") or {}).get("digest") == digest}
                names = filter_names(src.select, connector.table_names()) if previous else None
                if names and all(n in previous and _unchanged(connector, previous[n]) for n in names):
                    for n in names:  # the whole source as it was: not even discovered again
                        outcomes.append(self._reuse(src.name, previous[n], ontology, spec.mapping, learned))
                    _note_unchanged(ctx, src.name, outcomes)
                    continue
                discovered = connector.discover()
                if not discovered:
                    raise ConnectorError(f"source '{src.name}' ({src.connector}) offers no tables")
                chosen = _select(src, discovered, ctx)
                tables = [c.schema for c in chosen]
                for t in meta.tables(src.name):  # a table no longer selected keeps no raw copy
                    if not wanted(src.select, t["name"]):
                        con.execute(f"DROP TABLE IF EXISTS {raw_name(src.name, t['name'])}")
                for ti, choice in enumerate(chosen):
                    stop()
                    table = choice.schema
                    rlog.at("connect", src.name, table.name)
                    prev = previous.get(table.name)
                    if prev and table.write_disposition != "append" and _unchanged(connector, prev):
                        outcomes.append(self._reuse(src.name, prev, ontology, spec.mapping, learned))
                    else:
                        outcomes.append(self._process_table(con, connector, src.name, table, ontology,
                                                            spec.mapping, learned, ctx, spec.bad_rows, digest, prev,
                                                            choice.excluded))
                    self._progress("normalize", ti + 1, len(tables), source=src.name, table=table.name,
                                   rows=outcomes[-1].result.row_count)
                    self._log_table(rlog, outcomes[-1])
                _note_unchanged(ctx, src.name, outcomes)
            stop()  # the last moment a stop leaves the published state as it was
            rlog.at("unify")
            stats.update(self._commit(spec, outcomes, known_sources if exclusive else {}, ontology, connectors))
            manifest = build_manifest(self.catalog, ontology, self.run_id)
            resolve_stage(self.catalog, manifest, spec, stats)  # golden records, published with the views
            rlog.at("publish")
            manifest = self.catalog.publish(manifest)
            stats["entities"] = len(manifest.get("entities", {}))
            self._event("views_published", version=manifest["version"], entities=sorted(manifest.get("entities", {})))
            # only the redacted spec is kept: configs may carry decrypted secrets
            meta.put("pipeline", {"spec": redact_spec(spec), "base_dir": str(base_dir), "name": pipeline_name})
            rlog.at("agents")
            stats["agents"] = self._run_agents(spec.agents)
            rlog.at("run")
            stats["seconds"] = round(time.time() - started, 3)
            rlog.finish()
            meta.finish_run(self.run_id, "success", stats)
            self._event("run_finished", status="success", stats=stats)
            return RunResult(self.run_id, "success", stats, manifest_version=manifest["version"])
        except BaseException as exc:
            message = str(exc) if isinstance(exc, AutonomosError) else f"{type(exc).__name__}: {exc}"
            if isinstance(exc, KeyboardInterrupt):
                message = "interrupted"
            log.debug("run %s failed: %s", self.run_id, traceback.format_exc())
            stats["seconds"] = round(time.time() - started, 3)
            try:
                where = {k: v for k, v in (("stage", rlog.stage), ("source", rlog.source), ("table", rlog.table)) if v}
                rlog.at("run")
                rlog.finish()
                self._event("fault", message=message, kind=type(exc).__name__, **where)  # where the run stopped
                meta.finish_run(self.run_id, "failed", stats, message)
                self._event("run_finished", status="failed", error=message, stats=stats)
            except Exception:  # pragma: no cover - reporting must not hide the real error
                log.exception("could not record the failed run")
            if isinstance(exc, AutonomosError):
                raise
            raise
        finally:
            for c in connectors:
                try:
                    c.close()
                except Exception:
                    pass
            if con is not None:
                con.close()
            capturing.__exit__(None, None, None)
            settings.current_tenant.reset(tenant_token)
            lock.release()

    def _log_table(self, rlog: runlog.RunLog, o: _TableOutcome) -> None:
        """A table's line after Normalize (rows kept, rejected, bad cells) and Normalize's notes."""
        level, message = runlog.counts_message(o.result.row_count, o.rejected, o.result.bad_cells,
                                               o.result.deduplicated, o.reused)
        rlog.line(level, message, stage="normalize", source=o.source, table=o.schema.name,
                  counts={"rows": o.result.row_count, "rejected": o.rejected, "bad_cells": o.result.bad_cells,
                          "deduplicated": o.result.deduplicated, "loaded": o.rows_loaded})
        for note in o.result.notes:
            rlog.line("warning", note, stage="normalize", source=o.source, table=o.schema.name)

    def _reuse(self, source: str, prev: dict[str, Any], ontology: Ontology, settings: MappingSettings,
               learned: list[dict[str, Any]]) -> _TableOutcome:
        """The last run's typed table of an unchanged source table, as it was (its file, counts
        and lineage); only the mapping is proposed again (settings and decisions may differ)."""
        from autonomos.core.pipeline.map import map_table

        fields = [structure(f, Field) for f in prev.get("schema") or []]
        pk = list(prev.get("primary_key") or [])
        result = NormalizeResult(fields=fields, row_count=int(prev.get("row_count") or 0), rejected_count=0,
                                 fingerprint=prev.get("fingerprint") or "", primary_key=pk, columns={},
                                 lineage=prev.get("lineage"))
        schema = TableSchema(name=prev["name"], fields=fields, primary_key=pk, location=prev.get("location"),
                             row_count=result.row_count)
        self._progress("connect", 1, 1, source=source, table=prev["name"], rows=0, message="unchanged")
        return _TableOutcome(source=source, schema=schema, file=prev["file"], result=result, rows_loaded=0,
                             rejected=int(prev.get("rejected_count") or 0),
                             mapping=map_table(schema, ontology, settings, source, learned), drift=None,
                             loaded_from=prev.get("loaded_from"), reused=True)

    def _process_table(self, con: Any, connector: Connector, source: str, table: TableSchema,
                       ontology: Ontology, settings: MappingSettings, learned: list[dict[str, Any]],
                       ctx: ConnectorContext, bad_rows: str, digest: str,
                       prev: dict[str, Any] | None, excluded: list[str] | None = None) -> _TableOutcome:
        if not excluded:
            return self._load_table(con, connector, source, table, ontology, settings, learned, ctx, bad_rows,
                                    digest, prev, [])
        try:
            return self._load_table(con, connector, source, table, ontology, settings, learned, ctx, bad_rows,
                                    digest, prev, excluded)
        except BadRowsError as exc:  # under bad_rows: fail the message may quote a left-out cell
            raise BadRowsError(scrub_reason(str(exc), excluded, f"{source}.{table.name}")) from None

    def _load_table(self, con: Any, connector: Connector, source: str, table: TableSchema,
                    ontology: Ontology, settings: MappingSettings, learned: list[dict[str, Any]],
                    ctx: ConnectorContext, bad_rows: str, digest: str,
                    prev: dict[str, Any] | None, excluded: list[str]) -> _TableOutcome:
        from autonomos.core.pipeline.map import map_table

        batch_id = self.run_id or uuid.uuid4().hex
        before = len(ctx.rejected)
        guard.check_columns(len(table.fields), f"{source}.{table.name}")
        file_id, path = self.catalog.new_table_file()
        try:
            loaded = copy_raw(con, connector, source, table, path, excluded=excluded)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        if loaded is None:
            loaded = load_raw(con, connector, source, table, batch_id, excluded=excluded)
        scrub_rejects(ctx.rejected[before:], excluded, table.name)
        raw_rows = None
        if loaded.is_table:
            raw_rows = int(con.execute(f"SELECT count(*) FROM {loaded.raw}").fetchall()[0][0])
            # an incremental table that received nothing new: the typed table built from exactly
            # these raw rows (a failed run may have appended rows since: then the counts differ)
            if (prev and table.write_disposition == "append" and not loaded.rows
                    and (prev.get("loaded_from") or {}).get("raw_rows") == raw_rows):
                outcome = self._reuse(source, prev, ontology, settings, learned)
                outcome.loaded_from = {"digest": digest, "state": loaded.state, "raw_rows": raw_rows}
                return outcome
        loaded_from = {"digest": digest, "state": loaded.state, "raw_rows": raw_rows}
        alias = "stage_" + file_id[:12]
        if (rlog := runlog.current()) is not None:
            rlog.at("normalize", source, table.name)
        unique_key = table.unique_key and table.write_disposition == "replace"
        con.execute(f"ATTACH {ql(str(path))} AS {qi(alias)}")
        written = False
        try:
            try:
                result = None
                if loaded.copied:  # kept as the typed table when typing changes nothing
                    result = adopt_copy(con, f"{qi(alias)}.{qi(COPY_TABLE)}", qi(alias), source, table.name,
                                        table.primary_key, location=table.location, batch_id=batch_id,
                                        unique_key=unique_key)
                    if result is None:  # typed into a file of its own; the copy's file goes
                        con.execute(f"DETACH {qi(alias)}")
                        copy_path, copy_alias = path, "copy_" + file_id[:12]
                        file_id, path = self.catalog.new_table_file()
                        alias = "stage_" + file_id[:12]
                        con.execute(f"ATTACH {ql(str(copy_path))} AS {qi(copy_alias)} (READ_ONLY)")
                        con.execute(f"ATTACH {ql(str(path))} AS {qi(alias)}")
                        try:
                            result = normalize_table(con, f"{qi(copy_alias)}.{qi(COPY_TABLE)}", qi(alias), source,
                                                     table.name, table.primary_key, bad_rows=bad_rows,
                                                     location=table.location, is_table=False, batch_id=batch_id,
                                                     unique_key=unique_key)
                        finally:
                            con.execute(f"DETACH {qi(copy_alias)}")
                            _remove_table_file(copy_path)
                else:
                    result = normalize_table(con, loaded.raw, qi(alias), source, table.name, table.primary_key,
                                             bad_rows=bad_rows, location=table.location, is_table=loaded.is_table,
                                             batch_id=batch_id, stream=loaded.stream, unique_key=unique_key)
            except duckdb.Error as exc:
                raise ConnectorError(f"{source}.{table.name}: {str(exc).strip().splitlines()[0]}") from None
            if not loaded.is_table:
                connector.collect_rejects(con, table)
            connector_rejects = ctx.rejected[before:]
            scrub_rejects(connector_rejects, excluded, table.name)
            if connector_rejects:
                con.executemany(f"INSERT INTO {qi(alias)}.rejected VALUES (?, ?, ?)",
                                [[r.line, r.reason, r.raw] for r in connector_rejects])
            written = True
        finally:
            try:
                con.execute(f"DETACH DATABASE IF EXISTS {qi(alias)}")
            finally:
                if not written:  # a failed load gives its disk back (a full disk stays full otherwise)
                    _remove_table_file(path)
        guard.check()
        _carry_minor_units(table, result)
        rows_loaded = loaded.rows if loaded.rows is not None else result.row_count + result.rejected_count + result.deduplicated
        self._progress("connect", 1, 1, source=source, table=table.name, rows=rows_loaded)
        previous = self.catalog.meta.table(source, table.name)
        drift = None
        new_fields = [unstructure(f) for f in result.fields]
        if previous and previous.get("fingerprint") != result.fingerprint:
            d = drift_mod.classify(previous["schema"] or [], new_fields)
            if d:
                drift = d.to_dict()
        normalized = TableSchema(name=table.name, fields=result.fields, primary_key=result.primary_key,
                                 location=table.location, row_count=result.row_count)
        mapping = map_table(normalized, ontology, settings, source, learned)
        return _TableOutcome(source=source, schema=normalized, file=path.name, result=result,
                             rows_loaded=rows_loaded, rejected=result.rejected_count + len(connector_rejects),
                             mapping=mapping, drift=drift, loaded_from=loaded_from)

    def _commit(self, spec: PipelineSpec, outcomes: list[_TableOutcome], known_sources: dict[str, Any],
                ontology: Ontology, connectors: list[Connector]) -> dict[str, Any]:
        """Write the run's metadata (all stages succeeded) and emit the per-table events.
        ``known_sources`` not in the spec are removed (an exclusive run passes them all)."""
        meta = self.catalog.meta
        stats = {"tables": len(outcomes), "rows": sum(o.result.row_count for o in outcomes),
                 "rejected": sum(o.rejected for o in outcomes),
                 "deduplicated": sum(o.result.deduplicated for o in outcomes), "mapped_fields": 0, "review": 0,
                 "bad_cells": sum(o.result.bad_cells for o in outcomes),
                 "unchanged": sum(o.reused for o in outcomes),
                 "notes": [n for c in connectors for n in getattr(c.context, "notes", ())]
                 + [n for o in outcomes for n in o.result.notes]}
        wanted = {s.name for s in spec.sources}
        for name in known_sources:
            if name not in wanted:
                meta.remove_source(name)
                self._event("source_removed", source=name)
        for src, connector in zip(spec.sources, connectors):
            icon = getattr(connector, "icon", "") or getattr(type(connector), "icon", "")
            # an instance's own title names this source (demo: "Salesforce (demo)"); the class's
            # names the connector kind ("Files (CSV, JSON, Parquet)"), so the source's name wins
            title = vars(connector).get("title") or src.name
            from autonomos.core.spec import redact

            is_new = meta.upsert_source(src.name, src.connector, redact(src.config), icon, title, self.run_id, "ok")
            if is_new:
                self._event("new_source", source=src.name, connector=src.connector, icon=icon)
            current = {o.schema.name for o in outcomes if o.source == src.name}
            for t in meta.tables(src.name):
                if t["name"] not in current:
                    meta.remove_table(src.name, t["name"])
        for o in outcomes:
            meta.upsert_table(o.source, o.schema.name, location=o.schema.location, row_count=o.result.row_count,
                              rejected_count=o.rejected, fingerprint=o.result.fingerprint,
                              schema=[unstructure(f) for f in o.result.fields], primary_key=o.result.primary_key,
                              file=o.file, raw_name=f"src_{o.source}.{o.schema.name}", lineage=o.result.lineage,
                              loaded_from=o.loaded_from)
            rows = mapping_rows(o.mapping, o.schema, spec.mapping.accept_threshold, ontology)
            meta.replace_mappings(o.source, o.schema.name, rows)
            accepted = [r for r in rows if r["status"] == "accepted"]
            review = [r for r in rows if r["status"] == "review"]
            stats["mapped_fields"] += len(accepted)
            stats["review"] += len(review)
            if o.drift:
                self._event("schema_drift", source=o.source, table=o.schema.name, **o.drift)
            self._event("mapping_proposed", source=o.source, table=o.schema.name, entity=o.mapping.entity,
                        confidence=round(o.mapping.confidence, 3), mapped=len(accepted), review=len(review),
                        fields=[{"field": r["field"], "canonical": r["canonical"], "confidence": r["confidence"],
                                 "reason": r["reason"], "status": r["status"]} for r in rows if r["canonical"]])
            for r in review:
                self._event("review_needed", source=o.source, table=o.schema.name, field=r["field"],
                            entity=r["entity"], canonical=r["canonical"], confidence=r["confidence"],
                            reason=r["reason"])
        return stats

    def remove_sources(self, names: list[str], lock_timeout: float = 30) -> dict[str, Any] | None:
        """Remove sources from the catalog (metadata, raw tables, cursors) and republish the views
        without them; the manifest published, or None when none of ``names`` was connected."""
        lock = self.catalog.writer_lock()
        lock.acquire(timeout=lock_timeout)
        try:
            meta = self.catalog.meta
            known = {s["name"] for s in meta.sources()}
            gone = [n for n in names if n in known]
            if not gone:
                return None
            con = self.catalog.open_work()
            try:
                has_state = con.execute("SELECT count(*) FROM information_schema.tables "
                                        f"WHERE table_name = {ql(STATE_TABLE)}").fetchone()
                for name in gone:
                    con.execute(f"DROP SCHEMA IF EXISTS {qi('src_' + name)} CASCADE")
                    if has_state and has_state[0]:
                        con.execute(f"DELETE FROM {STATE_TABLE} WHERE source = ?", [name])
            finally:
                con.close()
            for name in gone:
                meta.remove_source(name)
        finally:
            lock.release()
        from autonomos.core.review import republish_views  # review imports the runner's ontology helper

        manifest = republish_views(self.catalog, self.host)
        for name in gone:
            self._event("source_removed", source=name)
        self._event("views_published", version=manifest["version"], entities=sorted(manifest.get("entities", {})))
        return manifest

    def _run_agents(self, names: list[str]) -> dict[str, str]:
        results: dict[str, str] = {}
        for name in names:
            results[name] = self.run_agent(name).get("status", "ok")
        return results

    def run_agent(self, name: str) -> dict[str, Any]:
        """Run one agent over the published views and store its result."""
        with settings.using(self.catalog.settings):
            return self._run_agent(name)

    def _run_agent(self, name: str) -> dict[str, Any]:
        agent = self.host.agent(name)
        guard.check()
        con = self.catalog.reader()
        try:
            guard.watch(con, memory=False)  # the reader's configuration is locked; it has the limit
            result = agent.run(con)
            result = dict(result or {})
            result.setdefault("status", "ok")
        except Exception as exc:
            guard.check()  # a stopped run stops here, not as a failed agent
            result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
            self._event("fault", message=f"agent {name} failed: {exc}", kind="agent")
        finally:
            con.close()
        self.catalog.meta.save_agent_result(name, self.run_id, result)
        self._event("agent_finished", agent=name, status=result["status"], summary=result.get("summary"))
        return result


def _carry_minor_units(discovered: TableSchema, result: Any) -> None:
    """A connector's note that a discovered column is money in minor units follows the column
    into the normalized table (by its raw name), where publishing reads it."""
    units = {qi(f.name): f.minor_units for f in discovered.fields if f.minor_units}  # columns holds SQL: "total"
    for f in result.fields if units else []:
        raw = result.columns.get(f.name, qi(f.name))
        if raw in units:
            f.minor_units = units[raw]
