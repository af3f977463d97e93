"""The ``salesforce`` connector: the org's objects as tables (docs/salesforce.md).

* ``discover()``: one describe per object (``/sobjects/{object}/describe``) → columns and
  types (:mod:`.describe`), primary key ``Id``; an object with ``SystemModstamp`` is incremental
  (``write_disposition: append``, cursor ``SystemModstamp``).
* ``read()``: ``SELECT COUNT()`` of what the read would cover decides the path: above
  ``bulk_threshold`` a Bulk API 2.0 ``queryAll`` job (:mod:`.bulk2`), else (or when Bulk is
  refused) SOQL through the REST query API (:mod:`.query`).
* Incremental: ``WHERE SystemModstamp >= <stored cursor> AND SystemModstamp <= <the org's time
  when the read began>``; the records *at* the stored cursor that the last run read (their Ids,
  ``state["boundary"]``) are not read again, so an unchanged org yields no rows.
* Deletions: queries go through ``queryAll`` so deleted records (in the recycle bin, with a new
  ``SystemModstamp``) come back with ``IsDeleted = true``. ``IsDeleted`` is loaded as the
  column ``_deleted``: the engine keeps the latest row per Id (the tombstone) in the typed table
  and leaves rows whose ``_deleted`` is true out of the ``unified.*`` views. A record purged
  from the recycle bin (after 15 days) before a run saw it stays in the views: run at least
  that often.
* Wide objects: more fields than ``fields_per_query`` are read in several queries, each with
  ``Id`` and ``SystemModstamp``, joined on Id; a record whose ``SystemModstamp`` differs between
  them changed during the read and is left for the next run (which reads it whole, since its
  new ``SystemModstamp`` is past the read's end), and so is one missing from a query.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterator

from autonomos.connectors.salesforce.api import Session
from autonomos.connectors.salesforce.bulk2 import BulkRefused, bulk_pages
from autonomos.connectors.salesforce.config import SalesforceConfig
from autonomos.connectors.salesforce.describe import SfField, fields_of, text_value, typed_array
from autonomos.connectors.salesforce.query import count, query_pages
from autonomos.core import guard
from autonomos.core.connector import Connector, ConnectorContext
from autonomos.core.errors import ConnectorError
from autonomos.core.lazyimport import lazy_module
from autonomos.core.models import Field, TableSchema

pa = lazy_module("pyarrow")
pc = lazy_module("pyarrow.compute")

CURSOR = "SystemModstamp"
DELETED_FIELD = "IsDeleted"
DELETED_COLUMN = "_deleted"  # the engine's tombstone marker (see autonomos.core.pipeline.unify)
BOUNDARY_MAX = 10_000
BATCH_ROWS = 10_000


def table_name(obj: str) -> str:
    """``Account`` → ``account``, ``OpportunityLineItem`` → ``opportunity_line_item``,
    ``Invoice__c`` → ``invoice__c``."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", obj)
    return re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s).lower()


def soql_time(when: dt.datetime) -> str:
    """A SOQL datetime literal (UTC, milliseconds)."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_time(value: str) -> dt.datetime:
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


class SalesforceConnector(Connector):
    """Reads Salesforce objects (see module docstring)."""

    name = "salesforce"
    title = "Salesforce"
    icon = "salesforce"
    Config = SalesforceConfig

    def __init__(self, config: SalesforceConfig, context: ConnectorContext):
        super().__init__(config, context)
        self._session: Session | None = None
        self._describes: dict[str, list[SfField]] = {}
        self._objects = {table_name(o): o for o in config.objects}
        self.paths: dict[str, str] = {}  # object → "bulk" or "rest", as the last read went (notes, tests)

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.config)
        return self._session

    # -- describe -------------------------------------------------------------------------------
    def _fields(self, obj: str) -> list[SfField]:
        if obj not in self._describes:
            body = self.session.json("GET", obj, f"sobjects/{obj}/describe")
            if body.get("queryable") is False:
                raise ConnectorError(f"salesforce: object '{obj}' is not queryable")
            excluded = {f.lower() for f in self.config.exclude_fields.get(obj, [])}
            fields = [f for f in fields_of(body) if f.name.lower() not in excluded or f.name in ("Id", CURSOR)]
            if not any(f.name == "Id" for f in fields):
                raise ConnectorError(f"salesforce: object '{obj}' has no Id field")
            guard.check_columns(len(fields), f"salesforce: object '{obj}'")
            self._describes[obj] = fields
        return self._describes[obj]

    def check(self) -> None:
        """A token and the first object's describe (kept for discover)."""
        self._fields(self.config.objects[0])

    def table_names(self) -> list[str] | None:
        return list(self._objects)

    def discover(self) -> list[TableSchema]:
        tables = []
        for obj in self.config.objects:
            fields = self._fields(obj)
            names = {f.name for f in fields}
            incremental = CURSOR in names
            columns = [Field(DELETED_COLUMN if f.name == DELETED_FIELD else f.name,
                             "BOOLEAN" if f.name == DELETED_FIELD else f.duck_type) for f in fields]
            tables.append(TableSchema(
                name=table_name(obj), fields=columns, primary_key=["Id"],
                cursor=CURSOR if incremental else None, write_disposition="append" if incremental else "replace",
                location=f"salesforce:{obj}", unique_key=not incremental))
        return tables

    # -- read -----------------------------------------------------------------------------------
    def read(self, table: TableSchema, state: dict[str, Any]) -> Iterator[Any]:
        obj = self._objects.get(table.name)
        if obj is None:
            raise ConnectorError(f"salesforce: no object for table '{table.name}' "
                                 f"(objects: {', '.join(self.config.objects)})")
        fields = self._fields(obj)
        by_name = {f.name: f for f in fields}
        incremental = CURSOR in by_name and table.write_disposition == "append"
        deleted = self.config.include_deleted and DELETED_FIELD in by_name
        where = ""
        start: str | None = None
        boundary: set[str] = set()
        if incremental:
            start = state.get("cursor") or (soql_time(parse_time(self.config.start_date))
                                            if self.config.start_date else None)
            boundary = set(state.get("boundary") or []) if state.get("cursor") else set()
            # the org's clock bounds the read: a record changed while it runs is left for the next
            now = self._org_now()
            end = soql_time(now)
            where = f" WHERE {CURSOR} <= {end}" + (f" AND {CURSOR} >= {start}" if start else "")
        from_where = f"FROM {obj}{where}"
        bulk = self._use_bulk(obj, from_where, deleted)
        chunks = self._chunks(fields, incremental)
        best = state.get("cursor")
        at_best: set[str] = set(boundary)
        # the table's columns (a field gone from describe since the table was discovered is left out)
        wanted = [(n, by_name.get(DELETED_FIELD if n == DELETED_COLUMN else n)) for n in table.field_names()]
        out_names = [n for n, f in wanted if f is not None]
        out_fields = [f for _, f in wanted if f is not None]
        pages = self._read_chunks(obj, chunks, from_where, deleted, bulk, by_name, incremental)
        yielded = False
        for page in pages:
            if page.num_rows == 0:
                continue
            if incremental:
                stamps = page.column(CURSOR)
                if boundary and start is not None:
                    at_start = pc.equal(stamps, pa.scalar(parse_time(start).replace(tzinfo=None), stamps.type))
                    seen = pc.is_in(page.column("Id"), value_set=pa.array(sorted(boundary), pa.string()))
                    page = page.filter(pc.invert(pc.fill_null(pc.and_(at_start, seen), False)))
                    if page.num_rows == 0:
                        continue
                    stamps = page.column(CURSOR)
                top = pc.max(stamps).as_py()
                if top is not None:
                    top_s = soql_time(top.replace(tzinfo=dt.timezone.utc))
                    if best is None or parse_time(top_s) > parse_time(best):
                        best, at_best = top_s, set()
                    if best == top_s:
                        mask = pc.equal(stamps, pa.scalar(top, stamps.type))
                        ids = page.column("Id").filter(mask).to_pylist()
                        at_best.update(i for i in ids if i)
            columns = {}
            for name, f in zip(out_names, out_fields):
                columns[name] = page.column(f.name)
            yield pa.table(columns)
            yielded = True
        if not yielded:
            yield pa.table({n: pa.array([], type=_arrow_type(f)) for n, f in zip(out_names, out_fields)})
        if incremental and best is not None:
            state["cursor"] = best
            state["boundary"] = sorted(at_best)[:BOUNDARY_MAX]

    def _org_now(self) -> dt.datetime:
        """The org's time (from the last answer's Date header, one second back), else this clock's."""
        if self.session.server_time is not None:
            return dt.datetime.fromtimestamp(self.session.server_time - 1, dt.timezone.utc)
        return dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)

    def _use_bulk(self, obj: str, from_where: str, deleted: bool) -> bool:
        threshold = self.config.bulk_threshold
        if threshold < 0:
            return False
        if threshold == 0:
            return True
        n = count(self.session, obj, from_where, deleted)
        return n > threshold

    def _chunks(self, fields: list[SfField], incremental: bool) -> list[list[SfField]]:
        """The fields split into queries of at most ``fields_per_query`` (each with Id and the cursor)."""
        per = self.config.fields_per_query
        if len(fields) <= per:
            return [fields]
        keys = [f for f in fields if f.name == "Id" or (incremental and f.name == CURSOR)]
        rest = [f for f in fields if f not in keys]
        size = max(1, per - len(keys))
        return [keys + rest[i:i + size] for i in range(0, len(rest), size)]

    def _read_chunks(self, obj: str, chunks: list[list[SfField]], from_where: str, deleted: bool, bulk: bool,
                     by_name: dict[str, SfField], incremental: bool) -> Iterator[Any]:
        if len(chunks) == 1:
            yield from self._pages(obj, chunks[0], from_where, deleted, bulk)
            return
        joined = None
        for i, chunk in enumerate(chunks):
            guard.check()
            part = _concat([p for p in self._pages(obj, chunk, from_where, deleted, bulk)], chunk)
            if joined is None:
                joined = part
                continue
            if incremental:  # the same version of each record in every query
                part = part.rename_columns([f"{CURSOR}__{i}" if n == CURSOR else n for n in part.column_names])
            joined = joined.join(part, keys="Id", join_type="inner")
            if incremental:
                same = pc.fill_null(pc.equal(joined.column(CURSOR), joined.column(f"{CURSOR}__{i}")), False)
                joined = joined.filter(same).drop_columns([f"{CURSOR}__{i}"])
        assert joined is not None
        for offset in range(0, max(joined.num_rows, 1), BATCH_ROWS):
            yield joined.slice(offset, BATCH_ROWS)

    def _pages(self, obj: str, fields: list[SfField], from_where: str, deleted: bool, bulk: bool) -> Iterator[Any]:
        soql = f"SELECT {', '.join(f.name for f in fields)} {from_where}"
        if bulk:
            try:
                first = True
                for page in bulk_pages(self.session, obj, soql, deleted):
                    first = False
                    yield _typed(page, fields)
                self.paths[obj] = "bulk"
                return
            except BulkRefused as exc:
                if not first:
                    raise
                self.context.note(f"salesforce: object '{obj}': {exc}; read through the REST query API instead")
        self.paths[obj] = "rest"
        for records in query_pages(self.session, obj, soql, deleted):
            text = {f.name: [text_value(r.get(f.name)) for r in records] for f in fields}
            yield _typed(pa.table({n: pa.array(v, type=pa.string()) for n, v in text.items()}), fields)

    def close(self) -> None:
        if self._session is not None:
            if self._session.usage is not None:
                used, limit = self._session.usage
                self.context.note(f"salesforce: the org has used {used:,} of its {limit:,} daily API requests "
                                  f"({used / max(limit, 1):.0%}; this source stops at "
                                  f"{self.config.quota_stop_share:.0%})")
            self._session.close()
            self._session = None


def _typed(page: Any, fields: list[SfField]) -> Any:
    """Text columns → typed columns, in ``fields`` order (a field the page lacks is all NULL)."""
    columns = {}
    for f in fields:
        if f.name in page.column_names:
            columns[f.name] = typed_array(page.column(f.name), f)
        else:
            columns[f.name] = pa.nulls(page.num_rows, type=_arrow_type(f))
    return pa.table(columns)


def _arrow_type(f: SfField) -> Any:
    return typed_array(pa.array([], type=pa.string()), f).type


def _concat(pages: list[Any], fields: list[SfField]) -> Any:
    if not pages:
        return pa.table({f.name: pa.array([], type=_arrow_type(f)) for f in fields})
    return pa.concat_tables(pages).combine_chunks()
