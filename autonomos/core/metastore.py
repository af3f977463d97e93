"""Per-tenant metadata (sources, tables, mappings, review decisions, runs, events) in SQLite.

SQLite in WAL mode lets the CLI (and the server) read while a run writes; DuckDB files hold
only data. Every method is one short transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
import time
from pathlib import Path
from typing import Any, Iterator

from autonomos.core.events import Event

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
  name TEXT PRIMARY KEY, connector TEXT NOT NULL, config TEXT NOT NULL, icon TEXT,
  title TEXT, created_at REAL NOT NULL, last_run_id TEXT, status TEXT
);
CREATE TABLE IF NOT EXISTS tables (
  source TEXT NOT NULL, name TEXT NOT NULL, raw_name TEXT, location TEXT, row_count INTEGER,
  rejected_count INTEGER DEFAULT 0, fingerprint TEXT, schema TEXT NOT NULL,
  primary_key TEXT, file TEXT, lineage TEXT, loaded_from TEXT, updated_at REAL NOT NULL, PRIMARY KEY (source, name)
);
CREATE TABLE IF NOT EXISTS mappings (
  source TEXT NOT NULL, tbl TEXT NOT NULL, field TEXT NOT NULL, entity TEXT,
  entity_confidence REAL, canonical TEXT, confidence REAL NOT NULL, mapper TEXT,
  reason TEXT, alternatives TEXT, status TEXT NOT NULL, samples TEXT, field_type TEXT,
  updated_at REAL NOT NULL, PRIMARY KEY (source, tbl, field)
);
CREATE TABLE IF NOT EXISTS decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, tbl TEXT NOT NULL,
  field TEXT NOT NULL, entity TEXT, canonical TEXT, decision TEXT NOT NULL,
  created_at REAL NOT NULL, actor TEXT
);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, started_at REAL NOT NULL, finished_at REAL, status TEXT NOT NULL,
  pipeline TEXT, stats TEXT, error TEXT
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, type TEXT NOT NULL,
  run_id TEXT, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_run ON events(run_id, id);
CREATE TABLE IF NOT EXISTS agent_results (
  agent TEXT PRIMARY KEY, run_id TEXT, finished_at REAL NOT NULL, result TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS golden_overrides (
  id INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, kind TEXT NOT NULL, keys TEXT NOT NULL,
  golden_ids TEXT, created_at REAL NOT NULL, actor TEXT
);
"""


def _row(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    for key in ("config", "schema", "primary_key", "alternatives", "samples", "stats", "data", "result", "lineage",
                "loaded_from", "keys", "golden_ids"):
        if key in d and isinstance(d[key], str):
            try:
                d[key] = json.loads(d[key])
            except ValueError:
                pass
    return d


_OPEN: "OrderedDict[Path, MetaStore]" = OrderedDict()
_OPEN_LOCK = threading.Lock()
_OPEN_MAX = 256  # stores kept open; an evicted one's per-thread connections close when collected


class MetaStore:
    """Metadata of one tenant. Safe to share between threads (one connection per thread)."""

    @classmethod
    def open(cls, path: Path) -> "MetaStore":
        """The process-wide store for ``path`` (its schema is checked once, connections reused)."""
        with _OPEN_LOCK:
            store = _OPEN.get(path)
            if store is None or not path.exists():
                store = _OPEN[path] = cls(path)
            _OPEN.move_to_end(path)
            while len(_OPEN) > _OPEN_MAX:
                _OPEN.popitem(last=False)
            return store

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        con = self._con()
        con.executescript(SCHEMA)
        # catalogs made before a column existed get it added (SQLite ALTER ... ADD is cheap)
        have = {r["name"] for r in con.execute("PRAGMA table_info(tables)").fetchall()}
        if "lineage" not in have:
            con.execute("ALTER TABLE tables ADD COLUMN lineage TEXT")
        if "loaded_from" not in have:  # what a table was built from, to reuse it when unchanged
            con.execute("ALTER TABLE tables ADD COLUMN loaded_from TEXT")

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            self._local.con = con
        return con

    class _Tx:
        def __init__(self, con: sqlite3.Connection):
            self.con = con

        def __enter__(self) -> sqlite3.Connection:
            self.con.execute("BEGIN IMMEDIATE")
            return self.con

        def __exit__(self, exc_type: Any, *rest: Any) -> None:
            self.con.execute("ROLLBACK" if exc_type else "COMMIT")

    def _tx(self) -> "MetaStore._Tx":
        return MetaStore._Tx(self._con())

    def query(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [_row(r) for r in self._con().execute(sql, args).fetchall()]

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None

    # -- sources and tables ---------------------------------------------------------------
    def upsert_source(self, name: str, connector: str, config: dict[str, Any], icon: str, title: str,
                      run_id: str | None, status: str) -> bool:
        """Insert or update a source; returns True when it is new."""
        with self._tx() as con:
            existed = con.execute("SELECT 1 FROM sources WHERE name=?", (name,)).fetchone()
            con.execute(
                "INSERT INTO sources(name, connector, config, icon, title, created_at, last_run_id, status)"
                " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET connector=excluded.connector,"
                " config=excluded.config, icon=excluded.icon, title=excluded.title,"
                " last_run_id=excluded.last_run_id, status=excluded.status",
                (name, connector, json.dumps(config, default=str), icon, title, time.time(), run_id, status),
            )
        return existed is None

    def sources(self) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM sources ORDER BY name")

    def remove_source(self, name: str) -> None:
        with self._tx() as con:
            for sql in ("DELETE FROM sources WHERE name=?", "DELETE FROM tables WHERE source=?",
                        "DELETE FROM mappings WHERE source=?"):
                con.execute(sql, (name,))

    def upsert_table(self, source: str, name: str, **cols: Any) -> None:
        cols = {k: (json.dumps(v, default=str) if k in ("schema", "primary_key", "lineage", "loaded_from") else v)
                for k, v in cols.items()}
        cols["updated_at"] = time.time()
        keys = ["source", "name", *cols]
        vals = [source, name, *cols.values()]
        updates = ", ".join(f"{k}=excluded.{k}" for k in cols)
        with self._tx() as con:
            con.execute(
                f"INSERT INTO tables({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})"
                f" ON CONFLICT(source, name) DO UPDATE SET {updates}",
                vals,
            )

    def remove_table(self, source: str, name: str) -> None:
        with self._tx() as con:
            con.execute("DELETE FROM tables WHERE source=? AND name=?", (source, name))
            con.execute("DELETE FROM mappings WHERE source=? AND tbl=?", (source, name))

    def tables(self, source: str | None = None) -> list[dict[str, Any]]:
        if source is None:
            return self.query("SELECT * FROM tables ORDER BY source, name")
        return self.query("SELECT * FROM tables WHERE source=? ORDER BY name", source)

    def table(self, source: str, name: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM tables WHERE source=? AND name=?", source, name)
        return rows[0] if rows else None

    # -- mappings, review, decisions ------------------------------------------------------
    def replace_mappings(self, source: str, table: str, rows: list[dict[str, Any]]) -> None:
        """The table's mappings become ``rows``. A field keeps its row, and so its id, from run
        to run (an upsert on source, table, field; never VACUUMed, so rowids stay): an id read
        from the review queue before a run names the same field after it. Fields the table no
        longer has are removed."""
        now = time.time()
        with self._tx() as con:
            fields = [r["field"] for r in rows]
            con.execute(f"DELETE FROM mappings WHERE source=? AND tbl=? AND field NOT IN ({','.join('?' * len(fields))})",
                        (source, table, *fields))
            for r in rows:
                con.execute(
                    "INSERT INTO mappings(source, tbl, field, entity, entity_confidence, canonical,"
                    " confidence, mapper, reason, alternatives, status, samples, field_type, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(source, tbl, field) DO UPDATE SET entity=excluded.entity,"
                    " entity_confidence=excluded.entity_confidence, canonical=excluded.canonical,"
                    " confidence=excluded.confidence, mapper=excluded.mapper, reason=excluded.reason,"
                    " alternatives=excluded.alternatives, status=excluded.status, samples=excluded.samples,"
                    " field_type=excluded.field_type, updated_at=excluded.updated_at",
                    (source, table, r["field"], r.get("entity"), r.get("entity_confidence"),
                     r.get("canonical"), r["confidence"], r.get("mapper"), r.get("reason"),
                     json.dumps(r.get("alternatives") or [], default=str), r["status"],
                     json.dumps(r.get("samples") or [], default=str), r.get("field_type"), now),
                )

    def mappings(self, source: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT rowid AS id, * FROM mappings WHERE 1=1", []
        if source is not None:
            sql += " AND source=?"
            args.append(source)
        if status is not None:
            sql += " AND status=?"
            args.append(status)
        return self.query(sql + " ORDER BY source, tbl, field", *args)

    def mapping(self, mapping_id: int) -> dict[str, Any] | None:
        rows = self.query("SELECT rowid AS id, * FROM mappings WHERE rowid=?", mapping_id)
        return rows[0] if rows else None

    def set_mapping(self, mapping_id: int, **cols: Any) -> None:
        sets = ", ".join(f"{k}=?" for k in cols)
        with self._tx() as con:
            con.execute(f"UPDATE mappings SET {sets}, updated_at=? WHERE rowid=?",
                        (*cols.values(), time.time(), mapping_id))

    def add_decision(self, source: str, table: str, field: str, entity: str | None,
                     canonical: str | None, decision: str, actor: str | None = None) -> int:
        with self._tx() as con:
            cur = con.execute(
                "INSERT INTO decisions(source, tbl, field, entity, canonical, decision, created_at, actor)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (source, table, field, entity, canonical, decision, time.time(), actor),
            )
            return int(cur.lastrowid or 0)

    def decisions(self) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM decisions ORDER BY id")

    # -- runs, events, agents -------------------------------------------------------------
    def start_run(self, run_id: str, pipeline: str | None) -> None:
        """Called holding the catalog's writer lock: a run still ``running`` then belongs to a
        writer that died (killed, machine lost) and is closed as failed, saying so."""
        with self._tx() as con:
            con.execute("UPDATE runs SET status='failed', finished_at=?, error=? WHERE status='running'",
                        (time.time(), f"the process running it stopped before it finished "
                                      f"(found by run {run_id}); nothing of it was published"))
            con.execute("INSERT INTO runs(id, started_at, status, pipeline) VALUES (?,?,?,?)",
                        (run_id, time.time(), "running", pipeline))

    def finish_run(self, run_id: str, status: str, stats: dict[str, Any], error: str | None = None) -> None:
        with self._tx() as con:
            con.execute("UPDATE runs SET finished_at=?, status=?, stats=?, error=? WHERE id=?",
                        (time.time(), status, json.dumps(stats, default=str), error, run_id))

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", limit)

    def append_event(self, event: Event) -> int:
        with self._tx() as con:
            cur = con.execute("INSERT INTO events(ts, type, run_id, data) VALUES (?,?,?,?)",
                              (event.ts, event.type, event.run_id, json.dumps(event.data, default=str)))
            return int(cur.lastrowid or 0)

    def last_event_id(self) -> int:
        """The newest event id: every metadata change emits an event, so this is a cheap
        version stamp for caches of derived state (the graph)."""
        rows = self._con().execute("SELECT max(id) FROM events").fetchall()
        return int(rows[0][0] or 0)

    def events(self, since: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?", since, limit)

    def iter_events(self, since: int = 0) -> Iterator[dict[str, Any]]:
        while True:
            batch = self.events(since)
            if not batch:
                return
            yield from batch
            since = batch[-1]["id"]

    def save_agent_result(self, agent: str, run_id: str | None, result: dict[str, Any]) -> None:
        with self._tx() as con:
            con.execute(
                "INSERT INTO agent_results(agent, run_id, finished_at, result) VALUES (?,?,?,?)"
                " ON CONFLICT(agent) DO UPDATE SET run_id=excluded.run_id,"
                " finished_at=excluded.finished_at, result=excluded.result",
                (agent, run_id, time.time(), json.dumps(result, default=str)),
            )

    def agent_results(self) -> list[dict[str, Any]]:
        return self.query("SELECT * FROM agent_results ORDER BY agent")

    # -- golden records: a person's forced merges and splits (core/pipeline/resolve.py) --------
    def add_golden_override(self, entity: str, kind: str, keys: list[str], golden_ids: list[str] | None = None,
                            actor: str | None = None) -> int:
        """Store a forced ``merge`` (the records of ``keys`` are one) or ``split`` (each record of
        ``keys`` stands alone); every later resolve applies them, oldest first."""
        if kind not in ("merge", "split"):
            raise ValueError(f"unknown override kind {kind!r}")
        with self._tx() as con:
            cur = con.execute("INSERT INTO golden_overrides (entity, kind, keys, golden_ids, created_at, actor) "
                              "VALUES (?, ?, ?, ?, ?, ?)",
                              (entity, kind, json.dumps(sorted(set(keys))), json.dumps(golden_ids or []),
                               time.time(), actor))
            return int(cur.lastrowid)

    def golden_overrides(self, entity: str | None = None) -> list[dict[str, Any]]:
        if entity is None:
            return self.query("SELECT * FROM golden_overrides ORDER BY id")
        return self.query("SELECT * FROM golden_overrides WHERE entity = ? ORDER BY id", entity)

    def remove_golden_override(self, override_id: int) -> bool:
        with self._tx() as con:
            return con.execute("DELETE FROM golden_overrides WHERE id = ?", (override_id,)).rowcount > 0

    def get(self, key: str, default: Any = None) -> Any:
        rows = self.query("SELECT v FROM kv WHERE k=?", key)
        return json.loads(rows[0]["v"]) if rows else default

    def put(self, key: str, value: Any) -> None:
        with self._tx() as con:
            con.execute("INSERT INTO kv(k, v) VALUES (?,?) ON CONFLICT(k) DO UPDATE SET v=excluded.v",
                        (key, json.dumps(value, default=str)))
