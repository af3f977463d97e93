"""Stream and column selection: which of a source's discovered tables to load, which columns
to leave out. The same for every connector, applied by the runner right after discovery.

A left-out column is removed from the :class:`TableSchema` before the table is read and, since
many connectors read whole rows, from every Arrow batch or DuckDB scan before anything is
stored (:func:`project_batch`, :func:`project_reader`, :func:`scan_without`): its values never
reach the raw layer, a typed table, field samples, lineage, a view, ``_rejected`` or a log.

Names are matched case-insensitively, as the source spells them or in their normalized
snake_case form; an entry with ``*``, ``?`` or ``[`` is a glob pattern. A plain name that
matches nothing is an error listing what exists (a typo must not let a secret through)::

    select = Selection(tables=["accounts", "contacts"], exclude_columns={"*": ["api_key"]})
    kept = apply_selection(select, discovered)        # -> [Selected(schema, excluded), ...]
"""

from __future__ import annotations

import fnmatch
from typing import Any, Iterator

import attrs

from autonomos.core.errors import ConfigError
from autonomos.core.lazyimport import lazy_module
from autonomos.core.models import Selection, TableSchema
from autonomos.core.sqltext import qi
from autonomos.core.yamlsafe import child_path

pa = lazy_module("pyarrow")

PATTERN_CHARS = "*?["
SELECT_KEYS = ("tables", "exclude_tables", "exclude_columns")


class SelectionError(ConfigError):
    """A ``select`` entry names a table or column the source does not have. ``path`` is
    relative to the source (``select.tables[1]``), for ``file:line`` messages."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@attrs.define
class Selected:
    """A table chosen for loading: its schema without the excluded columns, and those columns
    (as the source spells them)."""

    schema: TableSchema
    excluded: list[str] = attrs.field(factory=list)


def is_pattern(name: str) -> bool:
    return any(ch in name for ch in PATTERN_CHARS)


def _forms(name: str) -> set[str]:
    from autonomos.core.pipeline.normalize import snake_case

    return {name.lower(), snake_case(name)}


def matches(entry: str, name: str) -> bool:
    """Whether a select entry (name or glob) names ``name``, case-insensitively, also in its
    normalized snake_case form."""
    entry = entry.lower()
    if is_pattern(entry):
        return any(fnmatch.fnmatchcase(f, entry) for f in _forms(name))
    return entry in _forms(name)


def _known(names: Any) -> str:
    return ", ".join(sorted(names)) or "none"


def wanted(select: Selection, name: str) -> bool:
    """Whether table ``name`` is loaded under ``select`` (no check that names exist)."""
    if select.tables is not None and not any(matches(e, name) for e in select.tables):
        return False
    return not any(matches(e, name) for e in select.exclude_tables)


def filter_names(select: Selection, names: list[str] | None) -> list[str] | None:
    """The table names a connector listed cheaply (``table_names()``), selected."""
    if names is None:
        return None
    return [n for n in names if wanted(select, n)]


def apply_selection(select: Selection, tables: list[TableSchema]) -> list[Selected]:
    """The discovered ``tables`` to load, each without its excluded columns. Raises
    :class:`SelectionError` for a plain name that matches nothing, an excluded key or cursor
    column, or a table left with no columns."""
    if select.is_empty():
        return [Selected(t) for t in tables]
    names = [t.name for t in tables]
    for key in ("tables", "exclude_tables"):
        for i, entry in enumerate(getattr(select, key) or []):
            if not is_pattern(entry) and not any(matches(entry, n) for n in names):
                raise SelectionError(f"select.{key}[{i}]", f"unknown table '{entry}' (known: {_known(names)})")
    chosen = [t for t in tables if wanted(select, t.name)]
    for key, columns in select.exclude_columns.items():
        hit = [t for t in tables if matches(key, t.name)]
        where = child_path("select.exclude_columns", key)
        if not hit and not is_pattern(key):
            raise SelectionError(where, f"unknown table '{key}' (known: {_known(names)})")
        for i, col in enumerate(columns):
            if is_pattern(col) or not hit:
                continue
            have = [f.name for t in hit for f in t.fields]
            if not any(matches(col, c) for c in have):
                what = f"table '{hit[0].name}'" if len(hit) == 1 and not is_pattern(key) else f"any table matching '{key}'"
                raise SelectionError(f"{where}[{i}]", f"unknown column '{col}' in {what} (columns: "
                                     f"{_known(dict.fromkeys(have))})")
    out = []
    for t in chosen:
        entries = [c for key, cols in select.exclude_columns.items() if matches(key, t.name) for c in cols]
        excluded = [f.name for f in t.fields if any(matches(e, f.name) for e in entries)]
        if not excluded:
            out.append(Selected(t))
            continue
        for role, cols in (("primary key", t.primary_key), ("cursor", [t.cursor] if t.cursor else [])):
            clash = [c for c in cols if c in excluded]
            if clash:
                raise SelectionError("select.exclude_columns", f"table '{t.name}': column '{clash[0]}' is its "
                                     f"{role} and cannot be left out")
        if len(excluded) == len(t.fields):
            raise SelectionError("select.exclude_columns", f"table '{t.name}': every column is left out; "
                                 "exclude the table instead (select.exclude_tables)")
        gone = set(excluded)
        schema = attrs.evolve(t, fields=[f for f in t.fields if f.name not in gone])
        out.append(Selected(schema, excluded))
    return out


# -- removing columns from what a connector returns --------------------------------------------

def _drop(names: list[str], excluded: list[str]) -> list[str]:
    """The column names of a batch that are excluded (exact, then case-insensitive: DuckDB and
    most databases treat identifiers that way)."""
    low = {e.lower() for e in excluded}
    return [n for n in names if n in excluded or n.lower() in low]


def project_batch(batch: Any, excluded: list[str]) -> Any:
    """A ``pyarrow`` RecordBatch/Table without the excluded columns (other kinds converted by
    the caller first)."""
    drop = _drop(list(batch.schema.names), excluded)
    if not drop:
        return batch
    if isinstance(batch, pa.RecordBatch):
        keep = [i for i, n in enumerate(batch.schema.names) if n not in drop]
        return pa.RecordBatch.from_arrays([batch.column(i) for i in keep],
                                          schema=pa.schema([batch.schema.field(i) for i in keep]))
    return batch.drop_columns(drop)


def project_reader(reader: Any, excluded: list[str]) -> Any:
    """A ``RecordBatchReader`` whose batches lack the excluded columns."""
    drop = _drop(list(reader.schema.names), excluded)
    if not drop:
        return reader
    keep = [i for i, n in enumerate(reader.schema.names) if n not in drop]
    schema = pa.schema([reader.schema.field(i) for i in keep])

    def batches() -> Iterator[Any]:
        for batch in reader:
            yield pa.RecordBatch.from_arrays([batch.column(i) for i in keep], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def scan_without(expr: str, excluded: list[str]) -> str:
    """A DuckDB table expression (a connector's ``duckdb_scan``) without the excluded columns."""
    if not excluded:
        return expr
    return f"(SELECT * EXCLUDE ({', '.join(qi(c) for c in excluded)}) FROM {expr})"


def scrub_reason(reason: str, excluded: list[str], table: str) -> str:
    """A bad-row message of a table with excluded columns, safe to store and show: one naming
    an excluded column (a conversion error quoting its value) is replaced; one quoting any cell
    keeps only the part before the quote."""
    if not excluded:
        return reason
    low = (reason or "").lower()
    if any(e.lower() in low for e in excluded):
        return f"{table}: a value of a left-out column could not be read (details withheld)"
    quotes = [i for i in (low.find("'"), low.find('"')) if i >= 0]
    if quotes:
        return reason[:min(quotes)].rstrip(" :") + " (details withheld: the table has left-out columns)"
    return reason


def scrub_rejects(rejected: list[Any], excluded: list[str], table: str) -> None:
    """Connector-reported bad rows (``RejectedRow``) of a table with excluded columns, in place:
    the raw line holds every cell, so it is withheld; the reason goes through :func:`scrub_reason`."""
    if not excluded:
        return
    for r in rejected:
        r.raw = None
        r.reason = scrub_reason(r.reason, excluded, table)
