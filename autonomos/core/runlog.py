"""A run's log: ordered lines ``{seq, ts, level, stage, source, table, message, counts}``.

One store: the tenant's ``events`` table. A line is either a projection of an event the runner
already publishes (stage progress, drift, mappings, faults, ``run_finished``…, see
:func:`line_of`) or a ``run_log`` event written here for what no other event says: connector
notes (``ctx.note``), per-table counts, and the warnings and log records of ``autonomos``
loggers while the run is in progress. ``seq`` is the event id (increasing, so it is a cursor).

Capture is scoped to the run, not the process: one handler on the ``autonomos`` logger (and
one ``warnings.showwarning`` hook) hands a record to the :class:`RunLog` of the *current
context* (a context variable the runner sets in its own thread), so concurrent runs of other
tenants never see each other's lines; a record emitted outside a run, or in a thread the run
started, is not captured.

Nothing secret: every free-text message goes through :func:`~autonomos.core.redaction.redact`
(passwords in URLs, secret query parameters), and in a run whose sources leave columns out
(``select``), a log record or warning that names a left-out column or quotes a value is cut
(:func:`~autonomos.core.pipeline.select.scrub_reason`). At most :data:`MAX_LINES` ``run_log``
lines are kept per run; the rest are counted, and one line says how many were dropped.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import warnings
from typing import Any, Callable, Iterator

from autonomos.core.redaction import redact

LEVELS = ("info", "warning", "error")
STAGES = ("connect", "normalize", "map", "unify", "publish", "agents", "run")
MAX_LINES = 5000
MAX_MESSAGE = 2000  # characters of one message

_current: contextvars.ContextVar["RunLog | None"] = contextvars.ContextVar("autonomos_run_log", default=None)
_install_lock = threading.Lock()
_handler: "_RunLogHandler | None" = None


def _clip(text: str) -> str:
    text = str(text)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def _scrub_quoted(message: str) -> str:
    """``message`` cut at its first quote: what follows may be a cell's value."""
    quotes = [i for i in (message.find("'"), message.find('"')) if i >= 0]
    if not quotes:
        return message
    return message[:min(quotes)].rstrip(" :") + " (details withheld: the source has left-out columns)"


class RunLog:
    """The log of one run. ``publish(data)`` stores one ``run_log`` event (the runner's bus)."""

    def __init__(self, publish: Callable[[dict[str, Any]], None], max_lines: int = MAX_LINES):
        self._publish = publish
        self.max_lines = max_lines
        self.written = 0
        self.dropped = 0
        self.stage = "run"
        self.source: str | None = None
        self.table: str | None = None
        self.excluded: set[str] = set()  # every column the run's sources leave out
        self._busy = threading.local()  # a record logged while a line is stored is not captured

    # -- where the run is ------------------------------------------------------------------
    def at(self, stage: str, source: str | None = None, table: str | None = None) -> None:
        """What the next captured log record is attributed to."""
        self.stage, self.source, self.table = stage, source, table

    def leaves_out(self, columns: list[str] | None) -> None:
        self.excluded.update(c for c in columns or () if c)

    # -- lines -----------------------------------------------------------------------------
    def line(self, level: str, message: str, stage: str | None = None, source: str | None = None,
             table: str | None = None, counts: dict[str, int] | None = None, free_text: bool = False) -> None:
        """Store one line. ``free_text`` (log records, warnings): cut when it may hold a value of
        a left-out column."""
        if level not in LEVELS:
            level = "info"
        message = redact(_clip(message))
        if self.excluded:
            if free_text:
                from autonomos.core.pipeline.select import scrub_reason

                message = scrub_reason(message, sorted(self.excluded), table or source or "run")
            else:
                message = _scrub_quoted(message)
        if self.written >= self.max_lines:
            self.dropped += 1
            return
        self.written += 1
        data: dict[str, Any] = {"level": level, "stage": stage or self.stage, "source": source, "table": table,
                                "message": message}
        if counts:
            data["counts"] = {k: int(v) for k, v in counts.items()}
        self._busy.on = True
        try:
            self._publish(data)
        finally:
            self._busy.on = False

    def note(self, source: str, message: str, level: str = "warning") -> None:
        """A connector's note (``ctx.note``) as a line of its source."""
        self.line(level, message, source=source, table=self.table if self.source == source else None)

    def record(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "on", False) or record.name.startswith("autonomos.core.events"):
            return
        level = "error" if record.levelno >= logging.ERROR else "warning" if record.levelno >= logging.WARNING else "info"
        try:
            text = record.getMessage()
        except Exception:  # a bad format string: the template is still worth showing
            text = str(record.msg)
        self.line(level, text, source=self.source, table=self.table, free_text=True)

    def warning(self, message: Any, category: type) -> None:
        if getattr(self._busy, "on", False):
            return
        self.line("warning", f"{getattr(category, '__name__', 'Warning')}: {message}", source=self.source,
                  table=self.table, free_text=True)

    def finish(self) -> None:
        """Before the run's last event: say how many lines were not kept."""
        if self.dropped:
            self.written = 0  # this one line is always kept
            dropped, self.dropped = self.dropped, 0
            self.line("warning", f"{dropped} more log line(s) not kept (at most {self.max_lines} per run)",
                      stage="run", counts={"dropped": dropped})


class _RunLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        log = _current.get()
        if log is not None:
            try:
                log.record(record)
            except Exception:  # a log line must never fail the run
                pass


def _install() -> None:
    """The process-wide handler and warnings hook (once; re-hooked when someone replaced it)."""
    global _handler
    with _install_lock:
        if _handler is None:
            _handler = _RunLogHandler(level=logging.INFO)
            logging.getLogger("autonomos").addHandler(_handler)
        current = warnings.showwarning
        if not getattr(current, "_autonomos_run_log", False):
            def showwarning(message: Any, category: type, filename: str, lineno: int, file: Any = None,
                            line: str | None = None) -> None:
                log = _current.get()
                if log is not None:
                    try:
                        log.warning(message, category)
                    except Exception:
                        pass
                current(message, category, filename, lineno, file, line)

            showwarning._autonomos_run_log = True  # type: ignore[attr-defined]
            warnings.showwarning = showwarning


class capture:
    """``with capture(run_log):`` — records and warnings of this context go to ``run_log``."""

    def __init__(self, log: RunLog):
        self.log = log
        self._token: contextvars.Token | None = None

    def __enter__(self) -> RunLog:
        _install()
        self._token = _current.set(self.log)
        return self.log

    def __exit__(self, *exc: Any) -> None:
        if self._token is not None:
            _current.reset(self._token)


def current() -> RunLog | None:
    return _current.get()


# -- reading: events → lines ---------------------------------------------------------------
def _n(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def line_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The log line of one stored event (``{id, ts, type, run_id, data}``), or None when the event
    is not a line of its own (``review_needed``: the table's mapping line counts them)."""
    d = event.get("data") if isinstance(event.get("data"), dict) else {}
    typ = event.get("type")
    base = {"seq": event.get("id"), "ts": event.get("ts"), "source": d.get("source"), "table": d.get("table")}

    def out(level: str, stage: str, message: str, counts: dict[str, Any] | None = None) -> dict[str, Any]:
        line = {**base, "level": level, "stage": stage, "message": redact(_clip(message))}
        counts = {k: v for k, v in (counts or {}).items() if _n(v) is not None}
        if counts:
            line["counts"] = counts
        return line

    if typ == "run_log":
        line = {**base, "level": d.get("level") if d.get("level") in LEVELS else "info",
                "stage": d.get("stage") if d.get("stage") in STAGES else "run", "message": str(d.get("message", ""))}
        if isinstance(d.get("counts"), dict):
            line["counts"] = d["counts"]
        return line
    if typ == "run_started":
        sources = ", ".join(d.get("sources") or [])
        return out("info", "run", f"run started{' (' + d['pipeline'] + ')' if d.get('pipeline') else ''}"
                               f": {len(d.get('sources') or [])} source(s){': ' + sources if sources else ''}")
    if typ == "stage_progress":
        stage = d.get("stage") if d.get("stage") in STAGES else "run"
        if stage == "normalize":
            return None  # the table's counts line says it
        if d.get("message") == "checking":
            return out("info", "connect", "checking the connection")
        if d.get("message") == "unchanged":
            return out("info", "connect", "unchanged since the last run, not read again")
        if d.get("table") is not None and _n(d.get("rows")) is not None:
            return out("info", "connect", f"read {d['rows']} row(s)", {"rows": d["rows"]})
        return out("info", stage, str(d.get("message") or f"{stage} {d.get('done')}/{d.get('total')}"))
    if typ == "schema_drift":
        parts = []
        for key, label in (("added", "added"), ("removed", "removed")):
            if d.get(key):
                parts.append(f"{label} {', '.join(map(str, d[key]))}")
        if d.get("type_changed"):
            parts.append("type changed " + ", ".join(str(c.get("name", c)) if isinstance(c, dict) else str(c)
                                                     for c in d["type_changed"]))
        if d.get("renamed"):
            parts.append("renamed " + ", ".join(f"{c.get('old', c.get('from'))} → {c.get('new', c.get('to'))}"
                                                if isinstance(c, dict) else str(c) for c in d["renamed"]))
        return out("warning", "normalize", "schema changed: " + ("; ".join(parts) or "columns differ"),
                   {"added": len(d.get("added") or []), "removed": len(d.get("removed") or [])})
    if typ == "mapping_proposed":
        entity = d.get("entity") or "no entity"
        review = _n(d.get("review")) or 0
        return out("warning" if review else "info", "map",
                   f"{entity} ({d.get('confidence')}): {d.get('mapped', 0)} field(s) mapped, {review} for review",
                   {"mapped": d.get("mapped"), "review": review})
    if typ == "new_source":
        return out("info", "publish", f"new source ({d.get('connector')})")
    if typ == "source_removed":
        return out("info", "publish", "source removed")
    if typ == "views_published":
        ents = d.get("entities") or []
        return out("info", "publish", f"views published (version {d.get('version')}): {', '.join(ents) or 'no entity'}",
                   {"entities": len(ents)})
    if typ == "agent_finished":
        ok = d.get("status") in ("ok", "success")
        return out("info" if ok else "warning", "agents",
                   f"agent {d.get('agent')}: {d.get('status')}{' — ' + str(d['summary']) if d.get('summary') else ''}")
    if typ == "fault":  # at the stage the run stopped in (older faults: run)
        stage = "agents" if d.get("kind") == "agent" else d.get("stage") if d.get("stage") in STAGES else "run"
        return out("error", stage, str(d.get("message") or "fault"))
    if typ == "run_finished":
        stats = d.get("stats") if isinstance(d.get("stats"), dict) else {}
        counts = {k: stats.get(k) for k in ("tables", "rows", "rejected", "bad_cells", "mapped_fields", "review")}
        if d.get("status") == "success":
            return out("info", "run", f"run finished in {stats.get('seconds', '?')} s: {stats.get('tables', 0)} table(s), "
                                      f"{stats.get('rows', 0)} row(s), {stats.get('rejected', 0)} rejected", counts)
        return out("error", "run", f"run {d.get('status', 'failed')}: {d.get('error') or 'unknown error'}", counts)
    return None


def lines(meta: Any, run_id: str, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
    """The run's lines with ``seq > after``, oldest first, at most ``limit``."""
    found: list[dict[str, Any]] = []
    for event in iter_run_events(meta, run_id, after):
        line = line_of(event)
        if line is not None:
            found.append(line)
            if len(found) >= limit:
                break
    return found


def iter_run_events(meta: Any, run_id: str, after: int = 0, batch: int = 500) -> Iterator[dict[str, Any]]:
    while True:
        rows = meta.query("SELECT * FROM events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?", run_id, after, batch)
        if not rows:
            return
        yield from rows
        after = rows[-1]["id"]


def counts_message(rows: int, rejected: int, bad_cells: int, deduplicated: int, reused: bool) -> tuple[str, str]:
    """A table's line after Normalize: ``(level, message)``."""
    if reused:
        return "info", f"{rows} row(s) as in the last run"
    parts = [f"{rows} row(s) kept"]
    if rejected:
        parts.append(f"{rejected} rejected")
    if bad_cells:
        parts.append(f"{bad_cells} bad cell(s) set to null")
    if deduplicated:
        parts.append(f"{deduplicated} duplicate(s) dropped")
    return ("warning" if rejected or bad_cells else "info"), ", ".join(parts)


__all__ = ["RunLog", "capture", "current", "line_of", "lines", "LEVELS", "STAGES", "MAX_LINES", "counts_message"]
