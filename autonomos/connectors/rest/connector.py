"""The ``rest`` connector: any JSON (or JSON lines) HTTP API, described in pipeline YAML.

Each resource is one table. ``discover()`` reads a resource's first page(s) to learn its
columns (kept for the read, so a single-page resource is requested once per run); ``read()``
walks every page and yields Arrow tables of text columns (see :mod:`.select` for the
flattening) of up to :data:`BATCH_ROWS` rows. A child resource (``parent``) is walked once per
parent record, with ``{parent.<field>}`` filled in and chosen parent fields copied into its rows.

Incremental resources (``incremental.cursor_field``) are appended (``write_disposition:
append``): ``state["cursor"]`` is the largest cursor value read, sent next run as
``start_param`` less ``lookback``; records older than that start are skipped, and the records
*at* the stored cursor value that were already read (``state["boundary"]``, their digests) are
not read again, so an unchanged API yields nothing. The host stores the state in the same
transaction as the rows, so a failed run re-reads from the old cursor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Iterator
from urllib.parse import quote

import attrs

from autonomos.connectors.rest.config import PLACEHOLDER, IncrementalConfig, ResourceConfig, RestConfig, duration_seconds
from autonomos.connectors.rest.http import Http
from autonomos.connectors.rest.paginate import make_paginator
from autonomos.connectors.rest.select import compile_path, flatten, json_type, lookup, select_records, text
from autonomos.core import guard
from autonomos.core.connector import Connector, ConnectorContext
from autonomos.core.errors import ConfigError, ConnectorError
from autonomos.core.lazyimport import lazy_module
from autonomos.core.models import Field, TableSchema

pa = lazy_module("pyarrow")

BATCH_ROWS = 10_000
SAMPLE_PARENTS = 5  # parent records tried to find a child page with records, when discovering
BOUNDARY_MAX = 1_000  # digests of the records at the cursor value kept in state
SAMPLES = 5


def _digest(flat: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(flat, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _as_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _comparable(value: Any) -> tuple[int, Any] | None:
    """A cursor value made comparable: (0, number), (1, aware datetime), (2, text)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return (0, float(value))
    if isinstance(value, str):
        when = _as_time(value)
        if when is not None:
            return (1, when)
        try:
            return (0, float(value))
        except ValueError:
            return (2, value)
    return (2, text(value))


def _less(a: tuple[int, Any], b: tuple[int, Any]) -> bool:
    if a[0] != b[0]:
        return str(a[1]) < str(b[1])
    return bool(a[1] < b[1])


def _minus(value: Any, lookback: str | int | float) -> Any:
    """``value`` moved back by ``lookback``, spelt the way ``value`` is."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        back = duration_seconds(lookback)
        return type(value)(value - back) if isinstance(value, int) and back.is_integer() else value - back
    if isinstance(value, str):
        when = _as_time(value)
        if when is not None:
            moved = when - dt.timedelta(seconds=duration_seconds(lookback))
            if len(value.strip()) <= 10:  # a date
                return moved.date().isoformat()
            naive = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00")).tzinfo is None
            spec = "microseconds" if "." in value else "seconds"
            out = (moved.replace(tzinfo=None) if naive else moved).isoformat(timespec=spec)
            return out.replace("+00:00", "Z") if value.strip().endswith(("Z", "z")) else out
        try:
            number = float(value)
        except ValueError:
            return value  # an opaque cursor: nothing to subtract
        moved_number = number - duration_seconds(lookback)
        return str(int(moved_number)) if value.strip().lstrip("-").isdigit() else str(moved_number)
    return value


@attrs.define
class _Walk:
    """How many requests and pages one read made (for notes and tests)."""

    pages: int = 0
    capped: bool = False


class RestConnector(Connector):
    """Reads the resources of a REST API (see module docstring and docs/rest.md)."""

    name = "rest"
    title = "REST API"
    icon = "rest"
    Config = RestConfig

    def __init__(self, config: RestConfig, context: ConnectorContext):
        super().__init__(config, context)
        self._http: Http | None = None
        self._columns: dict[str, list[str]] = {}
        self._cache: dict[tuple[str, str], Any] = {}  # first pages read by check/discover, used once by read
        self._caching = False
        self._selectors = {r.name: compile_path(r.record_selector) if r.record_selector else None
                           for r in config.resources}

    @property
    def http(self) -> Http:
        if self._http is None:
            self._http = Http(self.config)
        return self._http

    # -- requests and pages -------------------------------------------------------------------
    def _fill(self, res: ResourceConfig, template: str, parent: dict[str, Any] | None, in_path: bool) -> str:
        def value(m: Any) -> str:
            field = m.group(1)[len("parent."):]
            found = lookup(parent or {}, field)
            if found is None:
                raise ConnectorError(f"rest: resource '{res.name}': a record of parent '{res.parent.resource if res.parent else '?'}' "
                                     f"has no field '{field}' for {{{m.group(1)}}}")
            shown = text(found) or ""
            return quote(shown, safe="") if in_path else shown
        return PLACEHOLDER.sub(value, template)

    def _params(self, res: ResourceConfig, parent: dict[str, Any] | None) -> dict[str, Any]:
        params: dict[str, Any] = {k: text(v) for k, v in self.config.params.items()}
        for k, v in res.params.items():
            params[k] = self._fill(res, v, parent, False) if isinstance(v, str) else text(v)
        return params

    def _decode(self, res: ResourceConfig, response: Any) -> tuple[Any, list[dict[str, Any]]]:
        shown = f"GET {self.http.secrets.mask_url(str(response.request.url))}"
        if self.config.decoder_of(res) == "jsonl":
            records = []
            for n, line in enumerate(response.text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    self.context.reject(res.name, f"{shown}: line {n} is not JSON ({exc})", line=n, raw=line[:2000])
                    continue
                records.append(value if isinstance(value, dict) else {"value": value})
            return None, records
        if not response.content.strip():
            return None, []
        try:
            body = response.json()
        except ValueError:
            excerpt = " ".join(response.text.split())[:200]
            kind = response.headers.get("content-type", "no content type")
            raise ConnectorError(self.http.secrets.mask(f"rest: resource '{res.name}': {shown} did not answer JSON "
                                                        f"({kind}): {excerpt}")) from None
        return body, select_records(self._selectors[res.name], body)

    def _get(self, res: ResourceConfig, url: str, params: dict[str, Any]) -> Any:
        key = (url, json.dumps(params, sort_keys=True, default=str))
        if key in self._cache:  # read by check/discover this run: the read takes it, once
            return self._cache[key] if self._caching else self._cache.pop(key)
        response = self.http.get(res.name, url, params, headers=res.headers or None,
                                 ignore=frozenset(res.ignore_statuses))
        if self._caching:
            self._cache[key] = response
        return response

    def _pages(self, res: ResourceConfig, extra: dict[str, Any], parent: dict[str, Any] | None,
               walk: _Walk, limit: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every page of ``res`` (for one parent record), as lists of records."""
        url = self.http.url(self._fill(res, res.path if res.path is not None else res.name, parent, True))
        params = {**self._params(res, parent), **extra}
        pcfg = self.config.paginator_of(res)
        paginator = make_paginator(pcfg)
        paginator.first(params)
        max_pages = pcfg.max_pages if pcfg else 1
        seen: set[tuple[str, str]] = set()
        previous: bytes | None = None
        pages = 0
        while True:
            guard.check()
            key = (url, json.dumps(params, sort_keys=True, default=str))
            if key in seen:
                shown = self.http.secrets.mask_url(str(self.http.client.build_request("GET", url, params=params).url))
                raise ConnectorError(f"rest: resource '{res.name}': the API sent the same next page again "
                                     f"(GET {shown} was already read); stopping instead of reading forever")
            seen.add(key)
            response = self._get(res, url, params)
            if response is None:  # an ignored status: no records
                return
            body, records = self._decode(res, response)
            pages += 1
            walk.pages += 1
            if records and previous is not None and response.content == previous:
                raise ConnectorError(f"rest: resource '{res.name}': GET "
                                     f"{self.http.secrets.mask_url(str(response.request.url))} answered exactly what "
                                     f"the page before did; the API does not seem to take the paginator's parameters "
                                     f"(stopping instead of reading forever)")
            previous = response.content if records else None
            yield records
            if limit is not None and pages >= limit:
                return
            nxt = paginator.next(response, body, records, params)
            if nxt is None:
                return
            if pages >= max_pages:
                walk.capped = True
                return
            url = nxt[0] or url
            params = nxt[1]

    def _records(self, res: ResourceConfig, extra: dict[str, Any], walk: _Walk,
                 limit: int | None = None, parents: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """Pages of ``res``'s records; a child's are read per parent record, parent fields copied in."""
        if res.parent is None:
            yield from self._pages(res, extra, None, walk, limit)
            return
        parent_res = self.config.resource(res.parent.resource)
        carried = res.parent.columns()
        tried = 0
        for parent_page in self._records(parent_res, {}, walk, limit, parents):
            for parent in parent_page:
                carry = {column: lookup(parent, field) for field, column in carried.items()}
                for page in self._pages(res, extra, parent, walk, limit):
                    yield [{**record, **carry} for record in page] if carry else page
                tried += 1
                if parents is not None and tried >= parents:
                    return

    # -- contract -----------------------------------------------------------------------------
    def check(self) -> None:
        """One request: the first page of the first resource that has no parent."""
        res = next(r for r in self.config.resources if r.parent is None)
        self._caching = True
        try:
            for _ in self._pages(res, self._start_params(res, {}), None, _Walk(), limit=1):
                break
        finally:
            self._caching = False

    def discover(self) -> list[TableSchema]:
        tables = []
        self._caching = True
        try:
            for res in self.config.resources:
                if res.selected:
                    table = self._describe(res)
                    if table is not None:
                        tables.append(table)
        finally:
            self._caching = False
        return tables

    def _describe(self, res: ResourceConfig) -> TableSchema | None:
        flat: list[dict[str, Any]] = []
        for page in self._records(res, self._start_params(res, {}), _Walk(), limit=self.config.sample_pages,
                                  parents=SAMPLE_PARENTS):
            flat += [flatten(r, res.max_nesting) for r in page]
            if flat and res.parent is not None:
                break
        columns: dict[str, list[Any]] = {}
        for row in flat:
            for k, v in row.items():
                columns.setdefault(k, []).append(v)
        names = list(columns)
        inc = res.incremental
        wanted = res.keys + ([inc.cursor_field] if inc else []) + (list(res.parent.columns().values()) if res.parent else [])
        if flat:
            missing = [k for k in res.keys + ([inc.cursor_field] if inc else []) if k not in columns]
            if missing:
                what = "primary_key" if missing[0] in res.keys else "incremental.cursor_field"
                raise ConfigError(f"rest: resource '{res.name}': {what} '{missing[0]}' is not a field of its records "
                                  f"(fields: {', '.join(names[:40])})")
        for k in wanted:
            if k not in columns:
                columns[k] = []
                names.append(k)
        if not names:
            self.context.note(f"rest: resource '{res.name}' returned no records to learn its columns from; "
                              f"not loaded this run (declare primary_key to load it empty)")
            return None
        guard.check_columns(len(names), f"rest: resource '{res.name}'")
        self._columns[res.name] = list(names)
        fields = []
        for name in names:
            values = columns[name]
            samples: list[Any] = []
            for v in values:
                shown = text(v)
                if shown is not None and shown not in samples:
                    samples.append(shown)
                    if len(samples) == SAMPLES:
                        break
            fields.append(Field(name=name, type=json_type(values), samples=samples))
        location = self.http.secrets.mask_url(self.http.url(res.path if res.path is not None else res.name))
        return TableSchema(name=res.name, fields=fields, primary_key=res.keys,
                           cursor=inc.cursor_field if inc else None, location=location,
                           write_disposition="append" if inc else "replace")

    def _start_params(self, res: ResourceConfig, state: dict[str, Any]) -> dict[str, Any]:
        inc = res.incremental
        if inc is None:
            return {}
        params: dict[str, Any] = {}
        start = self._start(inc, state)
        if start is not None and inc.start_param:
            params[inc.start_param] = text(start)
        if inc.end_param:
            params[inc.end_param] = (dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
                                     if inc.end_value == "now" else inc.end_value)
        return params

    @staticmethod
    def _start(inc: IncrementalConfig, state: dict[str, Any]) -> Any:
        if state.get("cursor") is not None:
            return _minus(state["cursor"], inc.lookback) if inc.lookback else state["cursor"]
        return inc.initial_value

    def read(self, table: TableSchema, state: dict[str, Any]) -> Iterator[Any]:
        try:
            res = self.config.resource(table.name)
        except KeyError:
            raise ConnectorError(f"rest: no resource '{table.name}' "
                                 f"(resources: {', '.join(r.name for r in self.config.resources)})") from None
        columns = list(self._columns.get(res.name) or table.field_names())
        known = set(columns)
        inc = res.incremental
        start = self._start(inc, state) if inc else None
        start_cmp = _comparable(start) if start is not None else None
        stored = state.get("cursor") if inc else None
        boundary = set(state.get("boundary") or []) if inc else set()
        best, best_cmp, at_best = stored, _comparable(stored) if stored is not None else None, list(boundary)
        rows: list[dict[str, Any]] = []
        yielded = False
        walk = _Walk()
        waited = self.http.rate_waited
        for page in self._records(res, self._start_params(res, state), walk):
            for record in page:
                flat = flatten(record, res.max_nesting)
                if inc is not None:
                    raw = lookup(record, inc.cursor_field)
                    value = _comparable(raw)
                    if value is not None:
                        if start_cmp is not None and _less(value, start_cmp):
                            continue  # before the window: the API did not filter by start_param
                        digest = None
                        if stored is not None and raw == stored:
                            digest = _digest(flat)
                            if digest in boundary:
                                continue  # read by the last run already
                        if best_cmp is None or _less(best_cmp, value):
                            best, best_cmp, at_best = raw, value, []
                        if raw == best and len(at_best) < BOUNDARY_MAX:
                            at_best.append(digest or _digest(flat))
                for k in flat:
                    if k not in known:
                        known.add(k)
                        columns.append(k)
                rows.append(flat)
            if len(rows) >= BATCH_ROWS:
                yield self._batch(columns, rows)
                yielded, rows = True, []
        if rows or (not yielded and columns):
            yield self._batch(columns, rows)
        self._columns[res.name] = columns
        waited = self.http.rate_waited - waited
        budget = self.config.rate_limit_of(res)
        if waited >= 1 and budget is not None:
            self.context.note(f"rest: resource '{res.name}' waited {waited:.1f} s for its rate budget "
                              f"({budget[0].requests_per_second:g} requests/s, shared by the tenant's runs)")
        pcfg = self.config.paginator_of(res)
        if walk.capped and pcfg is not None:
            self.context.note(f"rest: resource '{res.name}' stopped at its paginator's max_pages "
                              f"({pcfg.max_pages}); more pages may exist")
        if inc is not None and best is not None:
            state["cursor"] = best
            state["boundary"] = sorted(set(at_best))

    @staticmethod
    def _batch(columns: list[str], rows: list[dict[str, Any]]) -> Any:
        return pa.table({c: pa.array([text(r.get(c)) for r in rows], type=pa.string()) for c in columns})

    def close(self) -> None:
        self._cache.clear()
        if self._http is not None:
            self._http.close()
            self._http = None
