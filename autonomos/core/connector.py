"""The connector contract every source plugin implements (built-ins included).

A connector class declares ``name``, a nested attrs ``Config`` class, and implements
:meth:`check`, :meth:`discover` and :meth:`read`. The host resolves ``{"$env": NAME}``
secrets and structures the config before constructing the connector, so ``__init__``
receives a typed, validated ``Config``. ``autonomos.testing`` has a conformance kit.

Example::

    import attrs, pyarrow
    from autonomos import Connector, Field, TableSchema, hookimpl

    class Inventory(Connector):
        name = "inventory"

        @attrs.define
        class Config:
            url: str
            api_key: str

        def check(self): ...
        def discover(self): return [TableSchema("items", [Field("sku", "VARCHAR")])]
        def read(self, table, state):
            yield pyarrow.RecordBatch.from_pylist([...])

    @hookimpl
    def register_connectors(register):
        register(Inventory)
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar, Iterator

import attrs

from autonomos.core.errors import BadRowsError
from autonomos.core.models import RejectedRow, TableSchema


@attrs.define
class ConnectorContext:
    """What the host tells a connector about the run it is part of.

    ``work_dir`` is a private, tenant-scoped scratch folder; ``bad_rows`` is the pipeline's
    bad-row policy (``quarantine`` or ``fail``); ``base_dir`` resolves relative paths
    (the folder of the pipeline YAML, or the current directory).
    """

    source_name: str
    work_dir: Path
    base_dir: Path = attrs.field(factory=Path.cwd)
    bad_rows: str = "keep"
    logger: logging.Logger = attrs.field(factory=lambda: logging.getLogger("autonomos.connector"))
    rejected: list[RejectedRow] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    on_note: Any = attrs.field(default=None, repr=False)  # the host's listener: the run's log

    def note(self, message: str, level: str = "warning") -> None:
        """Tell the run's user something the rows alone do not show (rows kept in an unusual
        shape, a fallback taken); listed with the run's summary and, as a line of ``level``
        (``info`` for mere news), in its log."""
        self.notes.append(message)
        if self.on_note is not None:
            self.on_note(message, level)

    def reject(self, table: str, reason: str, line: int | None = None, raw: str | None = None) -> None:
        """Report a row the connector could not read. Under the ``fail`` policy this raises
        ``BadRowsError`` (the message names the table/file and line); otherwise the host stores it
        in ``_rejected`` and the run reports the count."""
        row = RejectedRow(table=table, reason=reason, line=line, raw=raw)
        if self.bad_rows == "fail":
            where = f"{table}, line {line}" if line is not None else table
            raise BadRowsError(f"{where}: {reason}")
        self.rejected.append(row)


class Connector:
    """Base class for connectors. Subclasses set ``name`` and ``Config`` and override the methods.

    ``title`` and ``icon`` are shown by the console (icon: a short key such as ``csv``,
    ``database``, ``salesforce``, ``hubspot``, ``stripe``, ``aws``).
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    icon: ClassVar[str] = "database"

    @attrs.define
    class Config:
        pass

    def __init__(self, config: Any, context: ConnectorContext):
        self.config = config
        self.context = context

    def check(self) -> None:
        """Raise ``ConnectorError`` with a clear message when the source cannot be reached."""

    def discover(self) -> list[TableSchema]:
        """List the tables this source offers, with field names, types and a few sample values."""
        raise NotImplementedError

    def read(self, table: TableSchema, state: dict[str, Any]) -> Iterator[Any]:
        """Yield ``pyarrow.RecordBatch`` (or ``pyarrow.Table`` / ``pandas.DataFrame``) batches.

        A ``pyarrow.RecordBatchReader`` (a stream of one schema) is loaded in one statement,
        DuckDB pulling its batches: much faster than many small batches (the sql connector's
        scanner path yields one). Batches may change columns from one to the next; a stream may not.

        ``state`` is this table's incremental state from the last successful run (empty at
        first). Update it in place (e.g. ``state["cursor"] = max_seen``); the host persists
        it only after the batches are committed, so a failed run re-reads.
        """
        raise NotImplementedError

    def duckdb_scan(self, table: TableSchema, state: dict[str, Any]) -> str | None:
        """Optional fast path: a DuckDB table expression (e.g. ``read_csv('…', …)``).

        When it returns SQL, the host loads the table with ``CREATE TABLE … AS SELECT * FROM
        <expr>`` inside DuckDB and never calls :meth:`read`. Return None to use ``read``.
        The same state rules apply as for ``read``.
        """
        return None

    def duckdb_copy(self, table: TableSchema, state: dict[str, Any], path: Path, name: str,
                    exclude: list[str]) -> int | None:
        """Optional fast path for a full-refresh table: write its rows, without the ``exclude``
        columns, into table ``name`` of the new DuckDB file ``path`` and return how many.

        For sources DuckDB reads itself on a connection of the connector's own (the SQL
        connector's scanners, which must not share the catalog's connection): the rows never
        cross into Python, and when typing them changes nothing the host keeps the copy as the
        typed table (no second write). Return None to use :meth:`duckdb_scan` / :meth:`read`.
        """
        return None

    def table_names(self) -> list[str] | None:
        """The names :meth:`discover` would return, when they can be listed without reading
        the tables (the files connector: from file names). With :meth:`unchanged` this lets a
        re-run of an unchanged source skip discovery too. None (default): not known cheaply."""
        return None

    def unchanged(self, table: str, state: dict[str, Any]) -> bool:
        """Whether ``table`` still holds exactly what the load that saved ``state`` read (the
        state its :meth:`read` / :meth:`duckdb_scan` left, from the last successful run). True
        lets the host reuse that run's typed table as it is: no read, no normalize. Must be
        cheap and must never say True for changed data; default False (always read).
        Append (incremental) tables need not implement it: one that received no new rows is
        reused by the host itself."""
        return False

    def collect_rejects(self, con: Any, table: TableSchema) -> None:
        """Optional, for the :meth:`duckdb_scan` fast path: called on the same DuckDB connection
        right after the scan, so a connector can read DuckDB's reject tables and report each row
        with ``self.context.reject(...)``."""

    def close(self) -> None:
        """Release connections. Called once the run is done with this source."""
