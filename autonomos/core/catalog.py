"""The per-tenant catalog: where a tenant's data lives and how readers see a consistent state.

Layout (every path built from the tenant UUID only)::

    <data dir>/tenants/<uuid>/
        meta.sqlite          metadata (sources, tables, mappings, review, runs, events)
        work.duckdb          raw tables and run state; only the lock holder opens it
        tables/<id>.duckdb   immutable normalized tables, one file each (``data``, ``rejected``)
        manifests/<n>.json   published states; ``current.json`` names the newest
        readers/<random>/    one reader's spill files, removed when the reader is closed
        writer.lock

Publishing is atomic: a run writes new table files, then a new manifest, then replaces
``current.json`` with ``os.replace``. A reader opens an in-memory DuckDB, attaches the files of
the current manifest read-only and creates the ``unified`` and ``src_<source>`` views, so readers never touch the
writer's file and never see a half-built state; a failed or killed run leaves the previous
manifest — and every file it names — in place.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
import weakref
from pathlib import Path
from typing import Any

import duckdb

from autonomos.core import guard, settings
from autonomos.core.errors import AutonomosError
from autonomos.core.locks import FileWriterLock, RedisWriterLock
from autonomos.core.metastore import MetaStore
from autonomos.core.sqltext import qi, ql

KEEP_MANIFESTS = 5
# a reader folder left by a process that died is removed by the next reader after this long
STALE_READER_SECONDS = 24 * 3600


class TenantCatalog:
    """One tenant's catalog. Cheap to construct; opens files lazily."""

    def __init__(self, tenant: str | uuid.UUID, data_dir: Path | None = None,
                 engine: settings.EngineSettings | None = None):
        self.settings = engine or settings.current()
        self.tenant_id = settings.tenant_uuid(tenant)
        self.root = (data_dir or self.settings.data_dir) / "tenants" / str(self.tenant_id)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "tables").mkdir(exist_ok=True)
        (self.root / "manifests").mkdir(exist_ok=True)
        (self.root / "scratch").mkdir(exist_ok=True)
        self._meta: MetaStore | None = None

    @property
    def meta(self) -> MetaStore:
        if self._meta is None:
            self._meta = MetaStore.open(self.root / "meta.sqlite")
        return self._meta

    @property
    def work_path(self) -> Path:
        return self.root / "work.duckdb"

    @property
    def scratch_dir(self) -> Path:
        return self.root / "scratch"

    def writer_lock(self) -> FileWriterLock | RedisWriterLock:
        """One writer per tenant: a Redis lock when ``AUTONOMOS_REDIS_URL`` is set (workers on
        several machines), else a file lock in the tenant's folder."""
        url = self.settings.redis_url
        if url:
            import redis

            return RedisWriterLock(redis.Redis.from_url(url), f"autonomos:lock:catalog:{self.tenant_id}")
        return FileWriterLock(self.root / "writer.lock")

    def open_work(self) -> duckdb.DuckDBPyConnection:
        """The writer's connection (call only while holding the writer lock)."""
        con = duckdb.connect(str(self.work_path))
        con.execute("SET TimeZone='UTC'")
        con.execute("SET enable_progress_bar=false")
        # the writer never relies on row order (dedup orders explicitly); unordered is ~15% faster
        con.execute("SET preserve_insertion_order=false")
        con.execute(f"SET temp_directory={ql(str(self.scratch_dir / 'duckdb_tmp'))}")
        return con

    def new_table_file(self) -> tuple[str, Path]:
        file_id = uuid.uuid4().hex
        return file_id, self.root / "tables" / f"{file_id}.duckdb"

    # -- manifests ------------------------------------------------------------------------
    def current_manifest(self) -> dict[str, Any] | None:
        path = self.root / "current.json"
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return None

    def publish(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Validate ``manifest`` by opening it as a reader, then make it current atomically."""
        prev = self.current_manifest()
        if "golden" not in manifest and (prev or {}).get("golden"):
            # a republish from metadata (a review decision) keeps the last run's golden records
            manifest["golden"] = prev["golden"]
        manifest["version"] = (prev or {}).get("version", 0) + 1
        manifest["published_at"] = time.time()
        con = self._open_manifest(manifest)
        try:
            for entity in manifest.get("entities", {}):
                con.execute(f"SELECT * FROM unified.{qi(entity)} LIMIT 0")
            for table in (manifest.get("golden") or {}).get("tables", ()):
                con.execute(f"SELECT * FROM unified.{qi(table)} LIMIT 0")
        finally:
            con.close()
        mpath = self.root / "manifests" / f"{manifest['version']:08d}.json"
        mpath.write_text(json.dumps(manifest, indent=1, default=str))
        tmp = self.root / f".current.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(manifest, default=str))
        os.replace(tmp, self.root / "current.json")
        self._collect_garbage()
        return manifest

    def _collect_garbage(self) -> None:
        """Delete table files no kept manifest names (open readers keep their inodes)."""
        manifests = sorted((self.root / "manifests").glob("*.json"))
        for old in manifests[:-KEEP_MANIFESTS]:
            old.unlink(missing_ok=True)
        referenced: set[str] = set()
        for m in manifests[-KEEP_MANIFESTS:]:
            try:
                data = json.loads(m.read_text())
                referenced |= {t["file"] for t in data.get("tables", {}).values()}
                if data.get("golden"):
                    referenced.add(data["golden"]["file"])
            except (OSError, ValueError):
                continue
        cutoff = time.time() - 60  # a file younger than that may belong to a run in progress
        for f in (self.root / "tables").glob("*.duckdb"):
            if f.name not in referenced and f.stat().st_mtime < cutoff:
                f.unlink(missing_ok=True)
                Path(str(f) + ".wal").unlink(missing_ok=True)

    # -- readers --------------------------------------------------------------------------
    def open_manifest(self, manifest: dict[str, Any]) -> duckdb.DuckDBPyConnection:
        """A writable in-memory DuckDB over ``manifest`` (published or not) with its views, for
        stages that compute from the unified views (resolve); no limits, files allowed."""
        return self._open_manifest(manifest)

    def _open_manifest(self, manifest: dict[str, Any]) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:")
        con.execute("SET TimeZone='UTC'")
        con.execute("SET enable_progress_bar=false")
        self._private_spill(con)
        for alias, t in manifest.get("tables", {}).items():
            path = self.root / "tables" / t["file"]
            con.execute(f"ATTACH {ql(str(path))} AS {qi(alias)} (READ_ONLY)")
        con.execute("CREATE SCHEMA unified")
        for entity, sql in manifest.get("entities", {}).items():
            con.execute(f"CREATE VIEW unified.{qi(entity)} AS {sql}")
        if golden := manifest.get("golden"):  # golden records (core/pipeline/resolve.py): one file
            con.execute(f"ATTACH {ql(str(self.root / 'tables' / golden['file']))} AS _golden (READ_ONLY)")
            for table in golden.get("tables", ()):
                if table not in manifest.get("entities", {}):
                    con.execute(f"CREATE VIEW unified.{qi(table)} AS SELECT * FROM _golden.main.{qi(table)}")
        self._source_views(con, manifest)
        rejected = [f"SELECT {ql(t['source'])} AS _source, {ql(t['table'])} AS _source_table, "
                    f"_row, reason, raw FROM {qi(a)}.main.rejected"
                    for a, t in manifest.get("tables", {}).items()]
        if rejected:
            con.execute("CREATE VIEW unified._rejected AS " + " UNION ALL ".join(rejected))
        return con

    @staticmethod
    def _source_views(con: duckdb.DuckDBPyConnection, manifest: dict[str, Any]) -> None:
        """``src_<source>.<table>`` for every normalized table, mapped or not, and
        ``src_<source>._rejected`` for what that source's tables quarantined (docs/engine.md)."""
        rejected: dict[str, list[str]] = {}
        tables: dict[str, set[str]] = {}
        for alias, t in manifest.get("tables", {}).items():
            schema = f"src_{t['source']}"
            if schema not in tables:
                con.execute(f"CREATE SCHEMA {qi(schema)}")
                tables[schema] = set()
            con.execute(f"CREATE VIEW {qi(schema)}.{qi(t['table'])} AS SELECT * FROM {qi(alias)}.main.data")
            tables[schema].add(t["table"])
            rejected.setdefault(schema, []).append(
                f"SELECT {ql(t['table'])} AS _source_table, _row, reason, raw FROM {qi(alias)}.main.rejected")
        for schema, parts in rejected.items():
            if "_rejected" not in tables[schema]:  # a table of that name wins; unified._rejected has both
                con.execute(f"CREATE VIEW {qi(schema)}._rejected AS " + " UNION ALL ".join(parts))

    def _private_spill(self, con: duckdb.DuckDBPyConnection) -> None:
        """Point ``con``'s spill files at a folder of its own, removed when it closes.

        DuckDB's default ``temp_directory`` (``.tmp`` in the working directory) is shared by every
        connection of the process and DuckDB lets ``glob()``/``read_blob()`` reach it even with
        external access off, so one tenant's reader could read another's spilled rows. A folder
        with a random name per connection is one no other connection is allowed to open.
        """
        base = self.root / "readers"
        base.mkdir(exist_ok=True)
        cutoff = time.time() - STALE_READER_SECONDS
        for old in base.iterdir():
            try:
                if old.stat().st_mtime < cutoff:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                continue
        spill = base / uuid.uuid4().hex
        con.execute(f"SET temp_directory={ql(str(spill))}")
        weakref.finalize(con, shutil.rmtree, str(spill), True)

    def reader(self, allow_files: bool = False) -> duckdb.DuckDBPyConnection:
        """A read-only view of the current published state (``unified.<entity>`` views).

        External access (files, URLs) is disabled unless ``allow_files`` is set.
        """
        manifest = self.current_manifest()
        if manifest is None:
            raise AutonomosError("nothing published yet for this tenant: run a pipeline first "
                                 "(e.g. `autonomos demo` or `autonomos run pipeline.yaml`)")
        con = self._open_manifest(manifest)
        if memory_limit := guard.limits().memory_limit:  # a task's run (an agent): its ceiling, before the lock
            con.execute(f"SET memory_limit={ql(guard.memory_literal(memory_limit))}")
        if not allow_files:
            con.execute("SET enable_external_access=false")
            con.execute("SET lock_configuration=true")
        return con

    def close(self) -> None:
        """Close this thread's metadata connection (the store itself stays open for reuse)."""
        if self._meta is not None:
            self._meta.close()

