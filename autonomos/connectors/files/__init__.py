"""The built-in ``files`` connector: CSV/TSV, JSON/NDJSON and Parquet from a file, folder or glob.

Each file becomes a table named after its stem, unless ``table`` is set, in which case every
matched file lands in that one table. Files are a full refresh (``write_disposition="replace"``).
The DuckDB fast path (:meth:`FilesConnector.duckdb_scan`) loads CSVs with a frozen, explicit
``read_csv`` expression; rows DuckDB cannot parse are kept in its reject tables and reported
through ``context.reject`` by :meth:`FilesConnector.collect_rejects`.

Example config::

    connector: files
    config: {path: data/*.csv, primary_key: {customers: [id]}}
"""

from __future__ import annotations

import datetime as dt
import glob as globmod
import hashlib
import uuid
from pathlib import Path
from typing import Any, Iterator

import attrs
import duckdb

from autonomos import hookimpl
from autonomos.connectors.files.csvplan import (
    CsvOptions, CsvPlan, plan_csv, read_csv_sql, sanitise_table_name,
)
from autonomos.core import guard
from autonomos.core.connector import Connector
from autonomos.core.errors import ConfigError, ConnectorError
from autonomos.core.models import Field, TableSchema
from autonomos.core.sqltext import ql

FORMATS = ("csv", "tsv", "json", "ndjson", "parquet")


def _opt(description: str) -> Any:
    """An optional config field with the help text the console's form shows."""
    return attrs.field(default=None, metadata={"description": description})
_EXT = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json",
        ".ndjson": "ndjson", ".jsonl": "ndjson", ".parquet": "parquet", ".pq": "parquet"}
COUNT_LIMIT_BYTES = 8 << 20  # count rows in discover() only for tables smaller than this (a run counts anyway)
BATCH_ROWS = 50_000


@attrs.define
class _Table:
    """What discover() resolved for one table; reused by every later scan."""

    name: str
    fmt: str
    files: list[Path]
    plans: list[CsvPlan] = attrs.field(factory=list)
    json_columns: dict[str, str] = attrs.field(factory=dict)


def _format_of(path: Path, configured: str | None) -> str | None:
    if configured:
        return configured
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".zst") and len(suffixes) > 1:
        return _EXT.get(suffixes[-2])
    return _EXT.get(path.suffix.lower())


def _paths_sql(paths: list[Path]) -> str:
    return "[" + ", ".join(ql(str(p)) for p in paths) + "]"


def _check_json_complete(path: Path) -> None:
    """DuckDB accepts a truncated JSON array (``[{…},``); refuse it as the corrupt file it is."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        fh.seek(max(0, size - 64))
        tail = fh.read().rstrip()
    closing = {ord("["): b"]", ord("{"): b"}"}.get(head[0]) if head else None
    if closing and not tail.endswith(closing):
        raise ConnectorError(f"files: {path} is truncated or not valid JSON (it does not end with "
                             f"'{closing.decode()}')")


def _sha1(path: Path) -> str:
    """The file's content hash (SHA-1: about 1.2 GB/s here; collisions are not a threat to a
    tenant's own change detection)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha1").hexdigest()


def _groups(plans: list[CsvPlan]) -> list[list[CsvPlan]]:
    groups: dict[tuple[Any, ...], list[CsvPlan]] = {}
    for p in plans:
        groups.setdefault(p.dialect_key(), []).append(p)
    return list(groups.values())


class FilesConnector(Connector):
    """Reads local delimited, JSON and Parquet files into raw tables (see module docstring)."""

    name = "files"
    title = "Files (CSV, JSON, Parquet)"
    icon = "csv"

    @attrs.define
    class Config:
        path: str = attrs.field(metadata={"description": (
            "A file, a folder or a glob (customers/*.csv), relative to the pipeline file "
            "(on the server: to the organization's uploaded files).")})
        format: str | None = _opt("csv, tsv, json, ndjson or parquet; empty: from the file extension.")
        table: str | None = _opt("Table name; empty: from the file name (several files of one glob share a table).")
        delimiter: str | None = _opt("Field delimiter; empty: sniffed from the file.")
        quote: str | None = _opt("Quote character; empty: sniffed.")
        escape: str | None = _opt("Escape character; empty: sniffed.")
        encoding: str | None = _opt("Text encoding (utf-8, latin-1, utf-16…); empty: detected.")
        header: bool | None = _opt("Whether the first row holds column names; empty: sniffed.")
        primary_key: list[str] | dict[str, list[str]] | None = _opt(
            "Columns identifying a row (the newest load wins); a mapping gives one per table.")
        skip_rows: int | None = _opt("Lines to skip before the header (titles, notes).")

    def __init__(self, config: Any, context: Any):
        super().__init__(config, context)
        if config.format is not None and config.format not in FORMATS:
            raise ConfigError(f"files: format '{config.format}' is not one of {', '.join(FORMATS)}")
        self._tables: dict[str, _Table] = {}
        self._rejects: dict[str, list[tuple[str, str, dict[str, Path]]]] = {}

    # -- resolving files ---------------------------------------------------------------------
    def _resolve(self) -> list[Path]:
        raw = self.config.path
        base = Path(self.context.base_dir)
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = base / path
        if path.is_file():
            return [path]
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and _format_of(p, self.config.format))
            if not files:
                raise ConnectorError(f"files: no csv/tsv/json/ndjson/parquet files in folder '{raw}' ({path})")
            return files
        if any(ch in raw for ch in "*?["):
            files = sorted(Path(p) for p in globmod.glob(str(path), recursive=True) if Path(p).is_file())
            if not files:
                raise ConnectorError(f"files: no file matches '{raw}' ({path})")
            return files
        raise ConnectorError(f"files: '{raw}' does not exist ({path})")

    def check(self) -> None:
        for f in self._resolve():
            try:
                with f.open("rb") as fh:
                    fh.read(1)
            except OSError as exc:
                raise ConnectorError(f"files: cannot read '{f}': {exc.strerror or exc}") from None

    def _options(self) -> CsvOptions:
        c = self.config
        return CsvOptions(delimiter=c.delimiter, quote=c.quote, escape=c.escape, encoding=c.encoding,
                          header=c.header, skip_rows=c.skip_rows)

    def _work_dir(self) -> Path:
        return Path(self.context.work_dir) / "files"

    def _group(self) -> dict[str, tuple[str, list[Path]]]:
        """Table name → (format, files): the files resolved and named, none of them read."""
        by_name: dict[str, list[Path]] = {}
        fmts: dict[str, str] = {}
        for f in self._resolve():
            fmt = _format_of(f, self.config.format) or "csv"
            if self.config.table:
                name = self.config.table
            else:
                name, n = sanitise_table_name(f.name.split(".")[0] if f.suffix else f.stem), 2
                base = name
                while name in by_name:
                    name, n = f"{base}_{n}", n + 1
            if name in fmts and fmts[name] != fmt and {fmts[name], fmt} != {"csv", "tsv"}:
                raise ConnectorError(f"files: table '{name}' mixes {fmts[name]} and {fmt} files")
            fmts.setdefault(name, fmt)
            by_name.setdefault(name, []).append(f)
        return {name: (fmts[name], paths) for name, paths in by_name.items()}

    def _plan_tables(self) -> list[_Table]:
        tables = []
        for name, (fmt, paths) in self._group().items():
            t = _Table(name, fmt, paths)
            if t.fmt == "json":
                for p in paths:
                    _check_json_complete(p)
            if t.fmt in ("csv", "tsv"):
                default_delim = "\t" if t.fmt == "tsv" else None
                keep = self.context.bad_rows == "keep"
                t.plans = [plan_csv(p, self._options(), self._work_dir(), default_delim, keep_ragged=keep)
                           for p in paths]
            tables.append(t)
        return tables

    # -- change detection ----------------------------------------------------------------------
    def table_names(self) -> list[str] | None:
        return list(self._group())

    def unchanged(self, table: str, state: dict[str, Any]) -> bool:
        """The same files as the last load, each of the same size and either the same
        modification time or, when only that changed, the same content (SHA-1), the quick
        check rsync and make use, with a hash so a re-exported, identical file is not reloaded."""
        group = self._group().get(table)
        before = state.get("files") or {}
        if group is None or sorted(str(p) for p in group[1]) != sorted(before):
            return False
        for path in group[1]:
            seen, st = before[str(path)], path.stat()
            if seen.get("size") != st.st_size or not seen.get("sha1"):
                return False
            if seen.get("mtime_ns") != st.st_mtime_ns and _sha1(path) != seen["sha1"]:
                return False
        return True

    # -- expressions ---------------------------------------------------------------------------
    def _expr(self, t: _Table, rejects: bool) -> str:
        """The DuckDB table expression for a table. With ``rejects`` bad CSV rows go to fresh,
        uniquely named reject tables (remembered for collect_rejects)."""
        if t.fmt in ("csv", "tsv"):
            parts = []
            for group in _groups(t.plans):
                names = None
                if rejects and not group[0].empty:
                    tag = uuid.uuid4().hex[:12]
                    names = (f"autonomos_rej_{tag}", f"autonomos_scan_{tag}")
                    mapping = {str(p.read_path): p.source for p in group}
                    self._rejects.setdefault(t.name, []).append((names[0], names[1], mapping))
                parts.append(read_csv_sql(group, names))
            if len(parts) == 1:
                return parts[0]
            return "(" + " UNION ALL BY NAME ".join(f"SELECT * FROM {p}" for p in parts) + ")"
        paths = _paths_sql(t.files)
        if t.fmt == "parquet":
            return f"read_parquet({paths}, union_by_name=true)"
        fmt = "newline_delimited" if t.fmt == "ndjson" else "auto"
        if t.json_columns:
            cols = ", ".join(f"{ql(k)}: {ql(v)}" for k, v in t.json_columns.items())
            return f"read_json({paths}, format='{fmt}', columns={{{cols}}})"
        return f"read_json({paths}, format='{fmt}', union_by_name=true)"

    def _table(self, table: TableSchema) -> _Table:
        if table.name not in self._tables:
            self.discover()
        try:
            return self._tables[table.name]
        except KeyError:
            known = ", ".join(sorted(self._tables)) or "none"
            raise ConnectorError(f"files: no table '{table.name}' (found: {known})") from None

    # -- contract ------------------------------------------------------------------------------
    def discover(self) -> list[TableSchema]:
        """Resolve files, freeze each CSV dialect, and describe every table with samples."""
        self._tables = {t.name: t for t in self._plan_tables()}
        out = []
        con = guard.connect()
        try:
            for t in self._tables.values():
                out.append(self._describe(con, t))
        finally:
            con.close()
        return out

    def _describe(self, con: duckdb.DuckDBPyConnection, t: _Table) -> TableSchema:
        where = ", ".join(str(p) for p in t.files)
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {self._expr(t, rejects=False)}").fetchall()
            guard.check_columns(len(described), f"files: {where}")  # JSON and Parquet (CSV: when planned)
            names = [str(r[0]) for r in described]
            types = [str(r[1]) for r in described]
            if t.fmt in ("json", "ndjson"):
                t.json_columns = dict(zip(names, types))
            rows = con.execute(f"SELECT * FROM {self._expr(t, rejects=False)} LIMIT 1000").fetchall()
            row_count = None
            if t.fmt == "parquet":
                row_count = con.execute(
                    f"SELECT sum(num_rows)::BIGINT FROM parquet_file_metadata({_paths_sql(t.files)})"
                ).fetchone()[0]
            elif sum(p.stat().st_size for p in t.files) <= COUNT_LIMIT_BYTES:
                row_count = con.execute(f"SELECT count(*) FROM {self._expr(t, rejects=False)}").fetchone()[0]
        except duckdb.Error as exc:
            reason = str(exc).splitlines()[0]
            raise ConnectorError(f"files: cannot read {t.fmt} file(s) {where}: {reason}") from None
        fields = []
        for i, (name, ty) in enumerate(zip(names, types)):
            samples = []
            for r in rows:
                v = r[i]
                if v is not None and v not in samples:
                    samples.append(v if isinstance(v, (str, int, float, bool)) else str(v))
                    if len(samples) == 5:
                        break
            fields.append(Field(name=name, type=ty, samples=samples))
        return TableSchema(name=t.name, fields=fields, primary_key=self._primary_key(t.name, names),
                           location=where, row_count=row_count, write_disposition="replace")

    def _primary_key(self, table: str, names: list[str]) -> list[str]:
        pk = self.config.primary_key
        if isinstance(pk, dict):
            pk = pk.get(table)
        if not pk:
            return []
        missing = [c for c in pk if c not in names]
        if missing:
            raise ConfigError(f"files: primary_key column(s) {', '.join(missing)} not in table "
                              f"'{table}' (columns: {', '.join(names)})")
        return list(pk)

    def _record_state(self, t: _Table, state: dict[str, Any]) -> None:
        """What this load reads, for :meth:`unchanged` on the next run."""
        files = {}
        for p in t.files:
            st = p.stat()
            files[str(p)] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha1": _sha1(p),
                             "mtime": dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).isoformat()}
        state["files"] = files

    def duckdb_scan(self, table: TableSchema, state: dict[str, Any]) -> str | None:
        t = self._table(table)
        self._record_state(t, state)
        for p in t.plans:
            if p.short_rows or p.long_rows:
                self.context.note(
                    f"files: {p.source.name}: {p.short_rows + p.long_rows} row(s) do not have the header's "
                    f"{len(p.columns)} cells, kept: {p.short_rows} short (missing cells null), "
                    f"{p.long_rows} long (the cells beyond the header in _extra)")
        return self._expr(t, rejects=True)

    def collect_rejects(self, con: Any, table: TableSchema) -> None:
        """Report every row DuckDB rejected during the scan, then drop the reject tables."""
        for errors, scans, mapping in self._rejects.pop(table.name, []):
            try:
                rows = con.execute(
                    f"SELECT s.file_path, e.line, any_value(e.error_message), any_value(e.csv_line) "
                    f"FROM {errors} e JOIN {scans} s USING (scan_id, file_id) "
                    f"GROUP BY s.file_path, e.line ORDER BY s.file_path, e.line"
                ).fetchall()
            except duckdb.CatalogException:
                continue  # the scan produced no reject tables (nothing was read)
            try:
                for file_path, line, message, raw in rows:
                    source = mapping.get(file_path, Path(file_path))
                    reason = f"{source.name}: {str(message).splitlines()[0]}"
                    self.context.reject(table.name, reason, line=int(line) if line is not None else None,
                                        raw=raw)
            finally:
                con.execute(f"DROP TABLE IF EXISTS {errors}")
                con.execute(f"DROP TABLE IF EXISTS {scans}")

    def read(self, table: TableSchema, state: dict[str, Any]) -> Iterator[Any]:
        """Stream the table as Arrow record batches (bounded memory) through a private DuckDB."""
        expr = self.duckdb_scan(table, state)
        con = guard.connect()
        try:
            try:
                reader = con.sql(f"SELECT * FROM {expr}").to_arrow_reader(BATCH_ROWS)
                for batch in reader:
                    yield batch
            except duckdb.Error as exc:
                raise ConnectorError(f"files: cannot read table '{table.name}': "
                                     f"{str(exc).splitlines()[0]}") from None
            self.collect_rejects(con, table)
        finally:
            con.close()


@hookimpl
def register_connectors(register: Any) -> None:
    register(FilesConnector)
