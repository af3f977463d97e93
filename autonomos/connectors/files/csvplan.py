"""Resolve a delimited file's dialect once (in ``discover``) and turn it into a deterministic,
cheap DuckDB ``read_csv`` expression.

Sniffing uses DuckDB's own sniffer (``sniff_csv``); the result is frozen into explicit options
(``auto_detect=false``) so every later scan reads the file the same way. Every column is read
as VARCHAR: the raw layer keeps exactly what arrived and Normalize types it later.

Ragged rows are kept (:func:`ragged_shape`): a short row's missing cells are null, a long row's
cells beyond the header land, in order, in one list column ``_extra``.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import attrs
import duckdb

from autonomos.connectors.files.encoding import Encoding, detect_encoding, normalise_codec, transcode
from autonomos.core import guard
from autonomos.core.errors import ConnectorError
from autonomos.core.sqltext import ql


SAMPLE_BYTES = 1 << 16
QUOTE_CHECK_BYTES = 8 << 20
HEADER_CHECK_BYTES = 2 << 20  # DuckDB's max_line_size: a longer first line is unreadable anyway
SNIFFED_DELIMITERS = (",", ";", "\t", "|")  # the ones DuckDB's sniffer tries
EXTRA_COLUMN = "_extra"  # a long row's cells beyond the header, as a list (null when none)


@attrs.define
class CsvOptions:
    """The user's explicit dialect choices (None = sniff)."""

    delimiter: str | None = None
    quote: str | None = None
    escape: str | None = None
    encoding: str | None = None
    header: bool | None = None
    skip_rows: int | None = None


@attrs.define
class CsvPlan:
    """How to read one file: where the (possibly transcoded) bytes are and the frozen dialect."""

    source: Path
    read_path: Path
    encoding: str | None
    delim: str = ","
    quote: str = '"'
    escape: str = ""
    new_line: str = "\\n"
    comment: str = ""
    skip: int = 0
    header: bool = True
    columns: list[str] = attrs.field(factory=list)
    empty: bool = False
    pad: bool = False  # some rows are short or long: read with null_padding (see ragged_shape)
    extra: int = 0  # cells beyond the header in the widest row: read into EXTRA_COLUMN
    serial: bool = False  # null_padding beside quoted newlines needs DuckDB's serial reader
    short_rows: int = 0  # rows found with fewer cells than the header (kept, padded)
    long_rows: int = 0  # rows found with more (kept, the surplus in _extra)

    def dialect_key(self) -> tuple[Any, ...]:
        """Files with the same key can be read by one ``read_csv`` over a list of paths."""
        return (self.encoding, self.delim, self.quote, self.escape, self.new_line, self.comment,
                self.skip, self.header, tuple(self.columns), self.empty, self.pad, self.extra, self.serial)


def unique_names(names: list[str]) -> list[str]:
    """Make header names non-empty and unique (``a, a, "" → a, a_2, column2``)."""
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names):
        name = (raw or "").strip() or f"column{i}"
        base, n = name, 2
        while name.lower() in seen:
            name = f"{base}_{n}"
            n += 1
        seen.add(name.lower())
        out.append(name)
    return out


def _empty(v: Any) -> str:
    return "" if v in (None, "(empty)") else str(v)


def _sniff(con: duckdb.DuckDBPyConnection, path: Path, encoding: str | None, opts: CsvOptions,
           default_delim: str | None, quote: str | None = None) -> tuple[Any, ...]:
    args = ["store_rejects=true", "sample_size=20480"]
    if encoding:
        args.append(f"encoding={ql(encoding)}")
    delim = opts.delimiter or default_delim
    if delim:
        args.append(f"delim={ql(delim)}")
    quote = opts.quote if opts.quote is not None else quote
    if quote is not None:
        args.append(f"quote={ql(quote)}")
    if opts.escape is not None:
        args.append(f"escape={ql(opts.escape)}")
    if opts.header is not None:
        args.append(f"header={'true' if opts.header else 'false'}")
    if opts.skip_rows:
        args.append(f"skip={int(opts.skip_rows)}")
    sql = (f"SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, HasHeader, Columns "
           f"FROM sniff_csv({ql(str(path))}, {', '.join(args)})")
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def _is_blank(path: Path, bom: int) -> bool:
    size = path.stat().st_size
    if size - bom > 4096:
        return False
    with path.open("rb") as fh:
        data = fh.read()[bom:]
    return not data.replace(b"\x00", b"").strip()


def plan_csv(path: Path, opts: CsvOptions, work_dir: Path, default_delim: str | None = None,
             keep_ragged: bool = True) -> CsvPlan:
    """Detect encoding and dialect of one delimited file; raise ConnectorError when unreadable.
    ``keep_ragged`` (the ``keep`` bad-row policy) plans to keep rows of the wrong width."""
    if opts.encoding:
        codec = normalise_codec(opts.encoding)
        enc = Encoding(codec, 3 if codec == "utf-8-sig" else 0)
        if codec in ("utf-16", "utf-16-le"):
            with path.open("rb") as fh:
                enc.bom = 2 if fh.read(2) == b"\xff\xfe" else 0
    else:
        enc = detect_encoding(path)
    if _is_blank(path, enc.bom):
        return CsvPlan(path, path, enc.duckdb, columns=["column0"], empty=True)
    read_path, duck_enc = path, enc.duckdb
    if duck_enc is None:
        read_path, duck_enc = transcode(path, enc, work_dir), None
    guard.check_columns(header_width(read_path, duck_enc, opts, default_delim), f"files: {path}")
    con = guard.connect()
    try:
        try:
            row = _sniff(con, read_path, duck_enc, opts, default_delim)
        except duckdb.Error as first:
            # Mixed or odd line ends defeat DuckDB's sniffer: normalise them and retry once.
            try:
                read_path, duck_enc = transcode(path, enc, work_dir, universal_newlines=True), None
                row = _sniff(con, read_path, duck_enc, opts, default_delim)
            except (duckdb.Error, ConnectorError):
                reason = str(first).splitlines()[0]
                raise ConnectorError(f"{path}: cannot read as CSV: {reason}") from None
        row = _refine(con, row, read_path, duck_enc, opts, default_delim)
    finally:
        con.close()
    plan = _plan_from_sniff(path, read_path, duck_enc, row)
    guard.check_columns(len(plan.columns), f"files: {path}")
    check_quotes(plan)
    return ragged_shape(plan) if keep_ragged else plan


def header_width(path: Path, encoding: str | None, opts: CsvOptions, default_delim: str | None) -> int:
    """The fields of the file's first line (after ``skip_rows``), split by the configured
    delimiter or, before sniffing, by whichever of DuckDB's candidates splits it most.

    Counted in Python before DuckDB's sniffer sees the file: the sniffer's time and memory grow
    with the column count (10 s and 1 GB for a 100,000-column header), so a file past
    ``AUTONOMOS_MAX_COLUMNS`` is refused in milliseconds. Quoted fields count once (the csv
    module parses them), so only a line with thousands of unquoted delimiter characters reads
    as wide."""
    text, _ = _sample_text(path, encoding, HEADER_CHECK_BYTES)
    lines = io.StringIO(text, newline="")
    for _ in range(opts.skip_rows or 0):
        lines.readline()
    head = lines.read()
    delimiters = [d for d in (opts.delimiter or default_delim,) if d] or list(SNIFFED_DELIMITERS)
    widest = 0
    for delim in delimiters:
        if len(delim) != 1 or delim not in head:
            widest = max(widest, 1)
            continue
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delim, quotechar=opts.quote or '"')
        try:
            widest = max(widest, len(next(reader, [])))
        except csv.Error:  # an odd dialect: the sniffer decides, and the plan is checked after it
            continue
    return widest


def _sample_text(path: Path, encoding: str | None, limit: int = SAMPLE_BYTES) -> tuple[str, bool]:
    """The first ``limit`` bytes decoded, and whether that is the whole file."""
    codec = {"utf-16": "utf-16", "latin-1": "latin-1"}.get(encoding or "", "utf-8-sig")
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    whole = len(data) <= limit
    return data[:limit].decode(codec, errors="replace"), whole


def _refine(con: duckdb.DuckDBPyConnection, row: tuple[Any, ...], path: Path, encoding: str | None,
            opts: CsvOptions, default_delim: str | None) -> tuple[Any, ...]:
    """Second opinions where DuckDB's sniffer is known to guess poorly; an alternative is kept
    only when it reads at least as many rows as the sniffed dialect (counted on small files).

    * No quote character detected: RFC 4180 quoting is tried, so a quoted field beyond the
      sniff sample (``"x,y"`` at line 20,481) still parses.
    * One column only: DuckDB never tries a space delimiter; it is tried.
    """
    if not _empty(row[1]) and opts.quote is None:
        if path.stat().st_size > QUOTE_CHECK_BYTES and '"' not in _sample_text(path, encoding, 64 << 10)[0]:
            # too large to count both dialects, and no quote in sight: RFC quoting reads the
            # same header, so the second sniff (~0.3 s on a 19-column file) would only confirm it
            return row[:1] + ('"', '"') + row[3:]
        try:
            rfc = _sniff(con, path, encoding, opts, default_delim, quote='"')
            if [c["name"] for c in rfc[7]] == [c["name"] for c in row[7]] and \
                    _rows(con, path, encoding, rfc) >= _rows(con, path, encoding, row):
                row = rfc
        except duckdb.Error:
            pass
    if len(row[7]) == 1 and not opts.delimiter and not default_delim:
        try:
            spaced = _sniff(con, path, encoding, attrs.evolve(opts, delimiter=" "), None)
            if len(spaced[7]) > 1 and _rows(con, path, encoding, spaced) >= _rows(con, path, encoding, row):
                row = spaced
        except duckdb.Error:
            pass
    return row


def _plan_from_sniff(source: Path, read_path: Path, encoding: str | None, row: tuple[Any, ...]) -> CsvPlan:
    delim, quote, escape, new_line, comment, skip, has_header, columns = row
    return CsvPlan(
        source=source, read_path=read_path, encoding=encoding, delim=_empty(delim) or ",",
        quote=_empty(quote), escape=_empty(escape), new_line=_empty(new_line) or "\\n",
        comment=_empty(comment), skip=int(skip or 0), header=bool(has_header),
        columns=unique_names([c["name"] for c in columns]),
    )


def _rows(con: duckdb.DuckDBPyConnection, path: Path, encoding: str | None, row: tuple[Any, ...]) -> int:
    """Rows a dialect reads without error (files up to QUOTE_CHECK_BYTES; larger: assume equal)."""
    if path.stat().st_size > QUOTE_CHECK_BYTES:
        return 0
    expr = read_csv_sql([_plan_from_sniff(path, path, encoding, row)], None)
    result = con.execute(f"SELECT count(*) FROM {expr}").fetchone()
    return int(result[0]) if result else 0


def ragged_shape(plan: CsvPlan) -> CsvPlan:
    """The plan that keeps ragged rows: short rows padded with nulls, long rows' surplus cells
    in ``_extra``.

    DuckDB's ``null_padding`` pads short rows but fails the whole scan on a row longer than the
    declared columns, so the widest row must be known: a counting scan with ``store_rejects``
    names every surplus cell (``TOO MANY COLUMNS`` at its column index). Files up to
    QUOTE_CHECK_BYTES are always counted (milliseconds); larger ones only when the rows of their
    first HEADER_CHECK_BYTES differ in width, so a clean large file pays no extra pass (a ragged
    row beyond that sample is listed in ``_rejected`` with its line, as before). The padded read
    is tried once before it is trusted; if DuckDB still refuses it, the plan stays unpadded."""
    if plan.empty:
        return plan
    if plan.read_path.stat().st_size > QUOTE_CHECK_BYTES and not _sample_is_ragged(plan):
        return plan
    con = guard.connect()
    try:
        expr = read_csv_sql([plan], ("_autonomos_shape_errors", "_autonomos_shape_scans"))
        try:
            con.execute(f"SELECT count(*) FROM {expr}").fetchall()
            widest, long_rows, short = con.execute(
                "SELECT max(column_idx) FILTER (WHERE error_type = 'TOO MANY COLUMNS'), "
                "count(DISTINCT line) FILTER (WHERE error_type = 'TOO MANY COLUMNS'), "
                "count(DISTINCT line) FILTER (WHERE error_type = 'MISSING COLUMNS') FROM _autonomos_shape_errors"
            ).fetchone()
        except duckdb.Error:
            return plan  # the ordinary read reports what is wrong
        if not widest and not short:
            return plan
        padded = attrs.evolve(plan, pad=True, extra=max(0, int(widest or 0) - len(plan.columns)),
                              short_rows=int(short), long_rows=int(long_rows))
        for candidate in (padded, attrs.evolve(padded, serial=True)):
            try:
                con.execute(f"SELECT count(*) FROM {read_csv_sql([candidate], None)}").fetchall()
                return candidate
            except duckdb.Error:
                continue
        return plan
    finally:
        con.close()


def _sample_is_ragged(plan: CsvPlan) -> bool:
    """Whether the rows in the file's first HEADER_CHECK_BYTES differ in width (Python's csv
    module, the frozen dialect; the last, possibly cut, line is not counted)."""
    text, whole = _sample_text(plan.read_path, plan.encoding, HEADER_CHECK_BYTES)
    if not whole:
        text = text[: text.rfind("\n") + 1]
    lines = io.StringIO(text, newline="")
    for _ in range(plan.skip):
        lines.readline()
    quotechar = plan.quote or None
    reader = csv.reader(lines, delimiter=plan.delim if len(plan.delim) == 1 else ",",
                        quotechar=quotechar or '"', quoting=csv.QUOTE_MINIMAL if quotechar else csv.QUOTE_NONE,
                        doublequote=plan.escape in ("", quotechar),
                        escapechar=plan.escape if plan.escape not in ("", quotechar) else None)
    width = len(plan.columns)
    try:
        return any(len(row) != width for row in reader if row)
    except csv.Error:
        return True  # let DuckDB's count decide


def check_quotes(plan: CsvPlan) -> None:
    """Refuse a file whose quoted field never closes (it would swallow the rest of the file).

    DuckDB silently drops such a tail, so the file (when small enough to check quickly) is
    parsed by Python's csv module in strict mode with the frozen dialect.
    """
    if plan.empty or plan.read_path.stat().st_size > QUOTE_CHECK_BYTES:
        return
    quotechar = plan.quote or '"'
    text, _ = _sample_text(plan.read_path, plan.encoding, QUOTE_CHECK_BYTES)
    if quotechar not in text:
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=plan.delim if len(plan.delim) == 1 else ",",
                        quotechar=quotechar, doublequote=plan.escape in ("", quotechar),
                        escapechar=plan.escape if plan.escape not in ("", quotechar) else None, strict=True)
    start = 1
    try:
        for i, _ in enumerate(reader):
            start = reader.line_num + 1
            if i % 10_000 == 0:
                guard.check()
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) or "EOF" in str(exc):
            raise ConnectorError(
                f"{plan.source}: unterminated quoted field starting at line {start} "
                f"(a {quotechar} opens a value that never closes)"
            ) from None


def read_csv_sql(plans: list[CsvPlan], rejects: tuple[str, str] | None) -> str:
    """One ``read_csv`` over files sharing a dialect. ``rejects`` = (errors table, scans table);
    None reads leniently (bad rows skipped) for discovery samples."""
    p = plans[0]
    if p.empty:
        return "(SELECT NULL::VARCHAR AS column0 WHERE false)"
    paths = ", ".join(ql(str(x.read_path)) for x in plans)
    surplus = [f"_autonomos_extra_{i}" for i in range(1, p.extra + 1)]
    cols = ", ".join(f"{ql(c)}: 'VARCHAR'" for c in p.columns + surplus)
    args = [
        f"[{paths}]", "auto_detect=false", f"delim={ql(p.delim)}", f"quote={ql(p.quote)}",
        f"escape={ql(p.escape)}", f"new_line={ql(p.new_line)}", f"skip={p.skip}",
        f"header={'true' if p.header else 'false'}", f"columns={{{cols}}}",
    ]
    if p.pad:
        args.append("null_padding=true")
    if p.serial:
        args.append("parallel=false")
    if p.comment:
        args.append(f"comment={ql(p.comment)}")
    if p.encoding and p.encoding != "utf-8":
        args.append(f"encoding={ql(p.encoding)}")
    if rejects:
        args += ["store_rejects=true", f"rejects_table={ql(rejects[0])}",
                 f"rejects_scan={ql(rejects[1])}"]
    else:
        args.append("ignore_errors=true")
    scan = f"read_csv({', '.join(args)})"
    if not surplus:
        return scan
    # the surplus cells as one list, trailing empty cells dropped (null when none is left)
    refs = [f'"{c}"' for c in surplus]
    last = "greatest(" + ", ".join(f"CASE WHEN {r} IS NOT NULL THEN {i} END" for i, r in enumerate(refs, 1)) + ")"
    name = unique_names(p.columns + [EXTRA_COLUMN])[-1]
    extra = f"CASE WHEN {last} IS NOT NULL THEN [{', '.join(refs)}][1:{last}] END"
    return f"(SELECT * EXCLUDE ({', '.join(refs)}), {extra} AS \"{name}\" FROM {scan})"


def sanitise_table_name(stem: str) -> str:
    """A file stem as a safe, lower-case table name."""
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", stem).strip("_").lower() or "table"
    return f"t_{name}" if name[0].isdigit() else name
