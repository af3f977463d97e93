"""``autonomos backup`` / ``restore``: organizations (metadata rows and catalogs) in one checked archive.

An archive (``.tar.gz``) holds::

    metadata/<table>.json           the organizations' rows of each metadata table, with column types
    catalogs/<tenant uuid>/<path>   each organization's catalog folder (DuckDB files, manifests,
                                    meta.sqlite, uploaded files)
    manifest.json                   format, AutonomOS version, schema revision, created_at,
                                    organizations, sha256 and size of every other member, and the
                                    fingerprint of the secret key the sealed secrets need

Metadata is exported as rows per table, not as a database dump, because a row export is the one
form that restores *one* organization into an installation that holds others, and moves between
SQLite and PostgreSQL; every value carries its column's type (uuid, datetime, json…) so it
comes back equal, not merely similar. Rows of an older schema revision are restored through a
scratch SQLite database at that revision, upgraded to head by the migrations themselves.

Consistency: the writer lock of every included catalog is held for the whole backup (no run
publishes meanwhile), the metadata is read in one snapshot (SQLite: the online backup API;
PostgreSQL: one REPEATABLE READ transaction), and each per-tenant ``meta.sqlite`` is copied with
the online backup API too (review decisions write it without the catalog lock).

Sealed secrets (source passwords, LLM keys, webhook signing secrets) stay sealed: the archive
never holds ``AUTONOMOS_SECRET_KEY``, only a fingerprint of it, and a restore under another key
is refused instead of leaving secrets that no longer open.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import time
import uuid
import zlib
from contextlib import ExitStack
from pathlib import Path, PurePosixPath
from typing import IO, Any, Iterable, Sequence

from sqlalchemy import (JSON, Boolean, Column, Connection, DateTime, Float, Integer, MetaData, Table, Uuid,
                        create_engine, inspect, select, text)
from sqlalchemy import pool as sa_pool

from autonomos import __version__
from autonomos.core.catalog import TenantCatalog
from autonomos.core.errors import AutonomosError, CatalogBusyError
from autonomos.server.db.base import UTCDateTime
from autonomos.server.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
# transient or global-only tables: login throttling memory and worker liveness are not a tenant's data
SKIPPED_TABLES = frozenset({"alembic_version", "login_attempts", "worker_heartbeats"})
# what a catalog folder holds that is not state: reader spill, run scratch, caches, the lock, temp files
SKIPPED_CATALOG_PARTS = frozenset({"readers", "scratch", "cache", "writer.lock", "meta.sqlite-wal", "meta.sqlite-shm"})
KEY_CHECK = b"autonomos backup key check v1"
_MEMBER = re.compile(r"^(manifest\.json|metadata/[a-z_][a-z0-9_]*\.json|catalogs/[0-9a-f-]{36}/[^\x00]+)$")


class BackupError(AutonomosError):
    """A backup cannot be made, or an archive cannot be restored; the message says why and what to do."""


def key_fingerprint(secret_key: str) -> str:
    """Names the secret key without revealing it (an HMAC of a fixed text)."""
    return hmac.new(secret_key.encode(), KEY_CHECK, hashlib.sha256).hexdigest()[:16]


# -- values ---------------------------------------------------------------------------------
def _tag(column_type: Any) -> str:
    """The type tag stored with a column, which decides how its values are written as JSON."""
    if isinstance(column_type, Uuid):
        return "uuid"
    if isinstance(column_type, (UTCDateTime, DateTime)):
        return "datetime"
    if isinstance(column_type, JSON):
        return "json"
    if isinstance(column_type, Boolean):
        return "bool"
    if isinstance(column_type, Integer):
        return "int"
    if isinstance(column_type, Float):
        return "float"
    return "str"


_TYPES = {"uuid": Uuid, "datetime": UTCDateTime, "json": JSON, "bool": Boolean, "int": Integer, "float": Float}


def _encode(value: Any, tag: str) -> Any:
    if value is None or tag == "json":
        return value
    if tag == "uuid":
        return str(value)
    if tag == "datetime":
        return value.isoformat()
    return value


def _decode(value: Any, tag: str) -> Any:
    if value is None or tag == "json":
        return value
    if tag == "uuid":
        return uuid.UUID(value)
    if tag == "datetime":
        return dt.datetime.fromisoformat(value)
    return value


def _typed_table(name: str, columns: dict[str, str]) -> Table:
    """A Core table whose columns have the types the tags name (for reading and writing rows)."""
    from sqlalchemy import String

    return Table(name, MetaData(), *(Column(c, _TYPES.get(tag, String)()) for c, tag in columns.items()))


# -- backup ---------------------------------------------------------------------------------
def _resolve_orgs(con: Connection, wanted: Sequence[str]) -> list[dict[str, Any]]:
    """The organizations to back up (all when ``wanted`` is empty), by id, slug or name."""
    from autonomos.server.auth.service import slugify

    orgs = [dict(r._mapping) for r in con.execute(text("SELECT id, name, slug FROM organizations ORDER BY slug"))]
    for o in orgs:
        o["id"] = str(uuid.UUID(str(o["id"])))
    if not wanted:
        return orgs
    chosen = []
    for w in wanted:
        match = [o for o in orgs if w in (o["id"], o["slug"], o["name"]) or o["slug"] == slugify(w)]
        if not match:
            raise BackupError(f"--org {w!r}: no such organization (have: {', '.join(o['slug'] for o in orgs) or 'none'})")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def _export_rows(con: Connection, tenant_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Every metadata table's rows of these organizations, with column type tags.

    Columns are read from the database itself (so a database not yet migrated to the code's head
    — the backup before an upgrade — exports what it has); a column's type comes from the models
    where they know it, as SQLite's reflected types lose it (a UUID is CHAR(32) there)."""
    from autonomos.server.db.registry import metadata

    ids = [uuid.UUID(t) for t in tenant_ids]
    insp = inspect(con)
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(insp.get_table_names()):
        if name in SKIPPED_TABLES:
            continue
        model = metadata.tables.get(name)
        reflected = insp.get_columns(name)
        types = {c["name"]: (model.c[c["name"]].type if model is not None and c["name"] in model.c else c["type"])
                 for c in reflected}
        table = Table(name, MetaData(), *(Column(c, t) for c, t in types.items()))
        if name == "organizations":
            where = table.c.id.in_(ids)
        elif name == "users":
            members = Table("memberships", MetaData(), Column("user_id", Uuid), Column("tenant_id", Uuid))
            where = table.c.id.in_(select(members.c.user_id).where(members.c.tenant_id.in_(ids)))
        elif "tenant_id" in table.c:
            where = table.c.tenant_id.in_(ids)
        else:
            continue  # a global table that is not a tenant's (none today besides the skipped ones)
        pk = insp.get_pk_constraint(name).get("constrained_columns") or list(types)
        rows = con.execute(select(table).where(where).order_by(*(table.c[c] for c in pk))).all()
        tags = {c: _tag(t) for c, t in types.items()}
        out[name] = {"columns": tags, "rows": [[_encode(v, tags[c]) for c, v in zip(types, r)] for r in rows]}
    return out


def _count_sealed(rows: dict[str, dict[str, Any]]) -> int:
    """How many sealed secrets the rows carry (each needs the server's secret key to open)."""
    def in_config(value: Any) -> int:
        if isinstance(value, dict):
            return 1 if set(value) == {"$secret"} else sum(in_config(v) for v in value.values())
        if isinstance(value, list):
            return sum(in_config(v) for v in value)
        return 0

    count = 0
    for table, column in (("sources", "config"), ("llm_settings", "api_key"), ("webhook_settings", "secret_sealed")):
        data = rows.get(table)
        if not data or column not in data["columns"]:
            continue
        i = list(data["columns"]).index(column)
        count += sum(in_config(r[i]) if table == "sources" else int(r[i] is not None) for r in data["rows"])
    return count


def _metadata_snapshot(settings: Settings, stack: ExitStack) -> Connection:
    """A connection that sees one consistent state of the metadata database, inside ``stack``."""
    if settings.db.is_sqlite:
        path = Path(settings.db.url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise BackupError(f"no metadata database at {path}: nothing to back up (run `autonomos migrate` first?)")
        snap = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="autonomos-backup-"))) / "meta.sqlite"
        _sqlite_copy(path, snap)
        engine = create_engine(f"sqlite:///{snap}", poolclass=sa_pool.NullPool)
        stack.callback(engine.dispose)
        return stack.enter_context(engine.connect())
    engine = create_engine(settings.db.url, poolclass=sa_pool.NullPool)
    stack.callback(engine.dispose)
    con = stack.enter_context(engine.connect().execution_options(isolation_level="REPEATABLE READ"))
    stack.enter_context(con.begin())
    con.execute(text("SELECT set_config('autonomos.system', 'on', true)"))  # row-level security: every tenant
    return con


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (writers may go on; WAL content included)."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _catalog_files(root: Path) -> Iterable[tuple[str, Path]]:
    """(relative path, file) of the state in one catalog folder, in a stable order."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if (rel.parts[0] in SKIPPED_CATALOG_PARTS or any(p.startswith(".") for p in rel.parts)
                or not path.is_file() or path.is_symlink()):
            continue
        yield rel.as_posix(), path


class _Writer:
    """Adds members to the archive and records their checksums."""

    def __init__(self, tar: tarfile.TarFile):
        self.tar = tar
        self.files: dict[str, dict[str, Any]] = {}

    def add_bytes(self, name: str, data: bytes, mtime: float | None = None) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), mtime or time.time(), 0o600
        self.tar.addfile(info, io.BytesIO(data))
        self.files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    def add_file(self, name: str, path: Path, mtime: float | None = None) -> None:
        st = path.stat()
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = st.st_size, mtime if mtime is not None else st.st_mtime, 0o600
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            self.tar.addfile(info, _Hashing(fh, digest))
        self.files[name] = {"sha256": digest.hexdigest(), "size": st.st_size}


class _Hashing:
    """A reader that hashes what passes through it."""

    def __init__(self, fh: IO[bytes], digest: Any):
        self.fh, self.digest = fh, digest

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def create_backup(settings: Settings, out: Path, orgs: Sequence[str] = (), wait: float = 60.0) -> dict[str, Any]:
    """Write the archive of ``orgs`` (every organization when empty) to ``out``; returns its manifest.

    Waits up to ``wait`` seconds for each catalog's writer lock (a run in progress finishes
    first). ``out`` appears complete or not at all (written beside it, then renamed)."""
    from autonomos.server.db.migrate import current_revision

    revision = current_revision(settings.db.url) if not settings.db.is_sqlite or \
        Path(settings.db.url.removeprefix("sqlite:///")).is_file() else None
    if revision is None:
        raise BackupError("the metadata database was never migrated: nothing to back up")
    _known_revision(revision, "the database")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.part")
    with ExitStack() as stack:
        # the tenants first (a cheap read), then their locks, then the snapshot the locks make consistent
        probe = create_engine(settings.db.url, poolclass=sa_pool.NullPool)
        try:
            with probe.connect() as con:
                tenants = _resolve_orgs(con, orgs)
        finally:
            probe.dispose()
        for t in sorted(tenants, key=lambda t: t["id"]):
            lock = TenantCatalog(t["id"], settings.data_dir).writer_lock()
            try:
                lock.acquire(timeout=wait)
            except CatalogBusyError:
                raise BackupError(f"organization {t['slug']}: a run is still writing its catalog after {wait:g} s; "
                                  "try again when it finishes (or pass a longer --wait)") from None
            stack.callback(lock.release)
        con = _metadata_snapshot(settings, stack)
        tenants = _resolve_orgs(con, [t["id"] for t in tenants])
        rows = _export_rows(con, [t["id"] for t in tenants])
        try:
            with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
                writer = _Writer(tar)
                for table, data in rows.items():
                    writer.add_bytes(f"metadata/{table}.json", json.dumps(data, ensure_ascii=False).encode())
                scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="autonomos-backup-")))
                for t in tenants:
                    root = settings.data_dir / "tenants" / t["id"]
                    if not root.is_dir():
                        continue
                    for rel, path in _catalog_files(root):
                        name = f"catalogs/{t['id']}/{rel}"
                        if rel == "meta.sqlite":
                            copy = scratch / f"{t['id']}.sqlite"
                            _sqlite_copy(path, copy)
                            writer.add_file(name, copy, mtime=path.stat().st_mtime)
                        else:
                            writer.add_file(name, path)
                manifest = {
                    "format": FORMAT,
                    "autonomos_version": __version__,
                    "schema_revision": revision,
                    "database": "sqlite" if settings.db.is_sqlite else "postgresql",
                    "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                    "tenants": tenants,
                    "secrets": {"sealed_values": _count_sealed(rows),
                                "key_fingerprint": key_fingerprint(settings.auth.secret_key)},
                    "rows": {table: len(data["rows"]) for table, data in rows.items()},
                    "files": writer.files,
                }
                writer.add_bytes(MANIFEST, json.dumps(manifest, indent=1).encode())
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
    return manifest


# -- restore --------------------------------------------------------------------------------
def _script():  # noqa: ANN202
    from alembic.script import ScriptDirectory

    from autonomos.server.db.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def _head() -> str:
    return _script().get_current_head()


def _known_revision(revision: str, what: str) -> None:
    revisions = {r.revision for r in _script().walk_revisions()}
    if revision not in revisions:
        raise BackupError(f"{what} is at schema revision {revision}, newer than this AutonomOS {__version__} knows "
                          f"(head {_head()}): install the release that made it, or a newer one")


def _read_archive(archive: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The manifest and metadata of ``archive``, after checking every member against the manifest."""
    digests: dict[str, tuple[str, int]] = {}
    blobs: dict[str, bytes] = {}
    current = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                current = member.name
                _check_member(archive, member)
                digest = hashlib.sha256()
                fh = tar.extractfile(member)
                assert fh is not None
                keep = member.name == MANIFEST or member.name.startswith("metadata/")
                parts = []
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
                    if keep:
                        parts.append(chunk)
                digests[member.name] = (digest.hexdigest(), member.size)
                if keep:
                    blobs[member.name] = b"".join(parts)
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise BackupError(f"{archive}: no such file") from None
        where = f" while reading {current}" if current else ""
        raise BackupError(f"{archive}: the archive is damaged{where} ({exc.__class__.__name__}: {exc}); "
                          "nothing was restored") from None
    if MANIFEST not in blobs:
        raise BackupError(f"{archive}: no {MANIFEST}; not an AutonomOS backup (or cut short); nothing was restored")
    try:
        manifest = json.loads(blobs.pop(MANIFEST))
    except ValueError as exc:
        raise BackupError(f"{archive}: {MANIFEST} is not valid JSON ({exc}); nothing was restored") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: backup format {manifest.get('format') if isinstance(manifest, dict) else '?'} "
                          f"is not one this AutonomOS {__version__} reads (format {FORMAT})")
    files = manifest.get("files") or {}
    for name, (sha, size) in sorted(digests.items()):
        if name == MANIFEST:
            continue
        expected = files.get(name)
        if expected is None:
            raise BackupError(f"{archive}: {name} is not listed in the manifest; nothing was restored")
        if expected["sha256"] != sha or expected["size"] != size:
            raise BackupError(f"{archive}: {name} does not match its checksum (sha256 {sha[:16]}…, manifest "
                              f"{expected['sha256'][:16]}…): the backup is damaged; nothing was restored")
    if missing := sorted(set(files) - set(digests)):
        raise BackupError(f"{archive}: {missing[0]} is listed in the manifest but missing "
                          f"({len(missing)} missing); nothing was restored")
    metadata = {name.removeprefix("metadata/").removesuffix(".json"): json.loads(data) for name, data in blobs.items()}
    return manifest, metadata


def _check_member(archive: Path, member: tarfile.TarInfo) -> None:
    path = PurePosixPath(member.name)
    if (not member.isfile() or not _MEMBER.match(member.name) or path.is_absolute()
            or any(p in ("", ".", "..") for p in member.name.split("/"))):
        raise BackupError(f"{archive}: unexpected member {member.name!r} (only regular files of the backup "
                          "layout are restored); nothing was restored")


def _choose(manifest: dict[str, Any], wanted: Sequence[str]) -> list[dict[str, Any]]:
    from autonomos.server.auth.service import slugify

    tenants = manifest.get("tenants") or []
    if not wanted:
        return tenants
    chosen = []
    for w in wanted:
        match = [t for t in tenants if w in (t["id"], t["slug"], t["name"]) or t["slug"] == slugify(w)]
        if not match:
            raise BackupError(f"--org {w!r} is not in this backup (it holds: "
                              f"{', '.join(t['slug'] for t in tenants) or 'none'})")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def _decoded(metadata: dict[str, dict[str, Any]], tenant_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows as Python values, keeping only the chosen organizations' (and their members' users)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table, data in metadata.items():
        tags = data["columns"]
        rows = [{c: _decode(v, tags[c]) for c, v in zip(tags, r)} for r in data["rows"]]
        if table == "organizations":
            rows = [r for r in rows if str(r["id"]) in tenant_ids]
        elif "tenant_id" in tags:
            rows = [r for r in rows if str(r["tenant_id"]) in tenant_ids]
        out[table] = rows
    users = {r["user_id"] for r in out.get("memberships", [])}
    out["users"] = [r for r in out.get("users", []) if r["id"] in users]
    return out


def _migrated_rows(metadata: dict[str, dict[str, Any]], rows: dict[str, list[dict[str, Any]]],
                   revision: str) -> dict[str, list[dict[str, Any]]]:
    """Rows of an older schema revision, as they are at head: written into a scratch SQLite
    database at ``revision``, upgraded by the migrations, read back."""
    from autonomos.server.db.migrate import upgrade
    from autonomos.server.db.registry import metadata as head

    with tempfile.TemporaryDirectory(prefix="autonomos-restore-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'stage.sqlite'}"
        upgrade(url, revision)
        engine = create_engine(url, poolclass=sa_pool.NullPool)
        try:
            with engine.begin() as con:
                for name in _insert_order(rows):
                    if rows[name]:
                        con.execute(_typed_table(name, metadata[name]["columns"]).insert(), _ordered(name, rows[name]))
            upgrade(url)
            with engine.connect() as con:
                return {t.name: [dict(r._mapping) for r in con.execute(select(t))]
                        for t in head.sorted_tables if t.name not in SKIPPED_TABLES}
        finally:
            engine.dispose()


def _insert_order(rows: dict[str, Any]) -> list[str]:
    """Tables in foreign-key order (the models' order; tables they no longer have last)."""
    from autonomos.server.db.registry import metadata as head

    known = [t.name for t in head.sorted_tables if t.name in rows]
    return known + sorted(set(rows) - set(known))


def _ordered(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``tasks`` rows with a retried task before its retry (``retry_of`` is a foreign key)."""
    if table != "tasks":
        return rows
    done: set[Any] = set()
    pending, out = list(rows), []
    while pending:
        ready = [r for r in pending if r.get("retry_of") is None or r["retry_of"] in done
                 or r["retry_of"] not in {p["id"] for p in pending}]
        if not ready:  # a cycle cannot happen (retry_of is unique and points back in time); be safe
            ready = pending
        out.extend(ready)
        done |= {r["id"] for r in ready}
        pending = [r for r in pending if r["id"] not in done]
    return out


def restore_backup(settings: Settings, archive: Path, orgs: Sequence[str] = (), replace: bool = False,
                   wait: float = 60.0) -> dict[str, Any]:
    """Restore ``orgs`` (all in the archive when empty) into the database and data dir of ``settings``.

    Nothing is written unless the whole archive checks out; the database rows go in one
    transaction, and each catalog folder is put in place by a rename once they are committed."""
    from autonomos.server.db.migrate import current_revision, upgrade
    from autonomos.server.db.registry import metadata as head
    from autonomos.server.db.session import make_engine

    manifest, metadata = _read_archive(archive)
    revision = manifest.get("schema_revision")
    _known_revision(str(revision), f"{archive.name} (made by AutonomOS {manifest.get('autonomos_version')})")
    tenants = _choose(manifest, orgs)
    tenant_ids = {t["id"] for t in tenants}
    secrets = manifest.get("secrets") or {}
    if secrets.get("sealed_values") and secrets.get("key_fingerprint") != key_fingerprint(settings.auth.secret_key):
        raise BackupError(f"{archive.name} holds {secrets['sealed_values']} sealed secrets that need the secret key "
                          f"with fingerprint {secrets.get('key_fingerprint')}; this server's AUTONOMOS_SECRET_KEY has "
                          f"fingerprint {key_fingerprint(settings.auth.secret_key)}. Set AUTONOMOS_SECRET_KEY to the "
                          "key of the server that made the backup; nothing was restored")
    target_revision = current_revision(settings.db.url) if not settings.db.is_sqlite or \
        Path(settings.db.url.removeprefix("sqlite:///")).is_file() else None
    if target_revision is None:
        upgrade(settings.db.url)  # a fresh installation
    elif target_revision != _head():
        raise BackupError(f"the metadata database is at schema revision {target_revision}, not this AutonomOS's "
                          f"{_head()}: run `autonomos migrate` first")
    rows = _decoded(metadata, tenant_ids)
    if revision != _head():
        rows = _migrated_rows(metadata, rows, str(revision))
    engine = make_engine(settings.db)  # SQLite: foreign keys on, so --replace's delete cascades
    staging = settings.data_dir / "tenants" / f".restore-{uuid.uuid4().hex[:12]}"
    try:
        with engine.connect() as con:
            _check_conflicts(con, tenants, rows.get("users", []), settings.data_dir, replace)
        _extract_catalogs(archive, manifest, tenant_ids, staging)
        with ExitStack() as locks:
            for tid in sorted(tenant_ids):
                lock = TenantCatalog(tid, settings.data_dir).writer_lock()
                try:
                    lock.acquire(timeout=wait)
                except CatalogBusyError:
                    raise BackupError(f"organization {tid}: a run is writing its catalog; stop servers and workers "
                                      "before restoring over an organization") from None
                locks.callback(lock.release)
            with engine.begin() as con:
                if con.dialect.name == "postgresql":
                    con.execute(text("SELECT set_config('autonomos.system', 'on', true)"))
                ids = [uuid.UUID(t) for t in tenant_ids]
                orgs_table = head.tables["organizations"]
                con.execute(orgs_table.delete().where(orgs_table.c.id.in_(ids)))  # --replace: cascades
                users = head.tables["users"]
                have = set(con.scalars(select(users.c.id).where(users.c.id.in_([u["id"] for u in rows.get("users", [])]))))
                rows["users"] = [u for u in rows.get("users", []) if u["id"] not in have]
                for name in _insert_order(rows):
                    if rows[name] and name in head.tables:
                        con.execute(head.tables[name].insert(), _ordered(name, rows[name]))
            for tid in tenant_ids:
                _swap_catalog(staging / tid, settings.data_dir / "tenants" / tid)
    finally:
        engine.dispose()
        shutil.rmtree(staging, ignore_errors=True)
    return {"tenants": tenants, "schema_revision": revision, "migrated": revision != _head(),
            "rows": {name: len(r) for name, r in rows.items() if r}, "kept_users": len(have)}


def _check_conflicts(con: Connection, tenants: list[dict[str, Any]], users: list[dict[str, Any]], data_dir: Path,
                     replace: bool) -> None:
    """Refuse to overwrite an organization unless told to, and a user whose email another id holds."""
    from autonomos.server.db.registry import metadata as head

    orgs = head.tables["organizations"]
    for t in tenants:
        found = con.execute(select(orgs.c.id, orgs.c.slug).where(
            (orgs.c.id == uuid.UUID(t["id"])) | (orgs.c.slug == t["slug"]))).first()
        folder = data_dir / "tenants" / t["id"]
        if found is not None and str(found.id) != t["id"]:
            raise BackupError(f"organization slug {t['slug']!r} is taken by another organization ({found.id}) here; "
                              "nothing was restored")
        if (found is not None or (folder / "meta.sqlite").exists()) and not replace:
            raise BackupError(f"organization {t['slug']} ({t['id']}) already exists here; pass --replace to "
                              "overwrite it with the backup; nothing was restored")
    table = head.tables["users"]
    for u in users:
        other = con.scalar(select(table.c.id).where(table.c.email == u["email"], table.c.id != u["id"]))
        if other is not None:
            raise BackupError(f"user {u['email']} exists here with another id ({other}); nothing was restored")


def _extract_catalogs(archive: Path, manifest: dict[str, Any], tenant_ids: set[str], staging: Path) -> None:
    """The chosen catalogs under ``staging/<uuid>/``, each file checked again as it is written."""
    files = manifest["files"]
    for tid in tenant_ids:
        (staging / tid).mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/", 2)
            if parts[0] != "catalogs" or parts[1] not in tenant_ids:
                continue
            _check_member(archive, member)
            target = staging / parts[1] / parts[2]
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            fh = tar.extractfile(member)
            assert fh is not None
            with open(target, "wb") as out:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != files[member.name]["sha256"]:
                raise BackupError(f"{archive}: {member.name} changed while it was restored; nothing was restored")
            os.utime(target, (member.mtime, member.mtime))


def _swap_catalog(staged: Path, target: Path) -> None:
    """Put a staged catalog folder in place of ``target`` (renames; the old one is removed after)."""
    for name in ("tables", "manifests", "scratch"):
        (staged / name).mkdir(exist_ok=True)
    old = target.with_name(f".replaced-{target.name}-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, old)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)
