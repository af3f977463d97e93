"""Bulk API 2.0 query jobs, for objects too large for the REST query API.

1. ``POST /services/data/vXX.X/jobs/query`` with ``{"operation": "queryAll", "query": <soql>}``
   (``query`` when deleted records are not wanted) → the job, ``state: UploadComplete``.
2. ``GET /jobs/query/{id}`` every ``bulk_poll_seconds`` until ``JobComplete`` (``Failed`` or
   ``Aborted``: :class:`BulkRefused` with the job's ``errorMessage``; past ``bulk_timeout``: a
   transient ConnectorError, the job aborted).
3. ``GET /jobs/query/{id}/results?maxRecords=<bulk_page_size>`` then ``&locator=<Sforce-Locator>``
   until the locator is ``null``: CSV pages (comma, LF, a header row; an empty cell is NULL),
   each parsed by Arrow into text columns.
4. ``DELETE /jobs/query/{id}`` (best effort: Salesforce also deletes jobs after 7 days).

An org or object that refuses Bulk at step 1 (``FEATURENOTENABLED``, ``API_DISABLED_FOR_ORG``,
``INVALIDENTITY``: an object Bulk does not support, …) raises :class:`BulkRefused`; the
connector then reads it through the REST query API.
"""

from __future__ import annotations

import time
from typing import Any, Iterator

from autonomos.connectors.rest.http import interruptible_sleep
from autonomos.connectors.salesforce.api import QuotaStop, SalesforceError, Session
from autonomos.core import guard
from autonomos.core.errors import ConnectorError
from autonomos.core.lazyimport import lazy_module

pa = lazy_module("pyarrow")
pa_csv = lazy_module("pyarrow.csv")

NOT_REFUSALS = frozenset({"REQUEST_LIMIT_EXCEEDED", "INVALID_SESSION_ID"})


class BulkRefused(ConnectorError):
    """Bulk API 2.0 would not run this query (the reason is the message)."""


def bulk_pages(session: Session, what: str, soql: str, deleted: bool,
               sleep: Any = interruptible_sleep) -> Iterator[Any]:
    """The query's records as Arrow tables of text columns, one per result page."""
    cfg = session.config
    try:
        job = session.json("POST", what, "jobs/query",
                           json={"operation": "queryAll" if deleted else "query", "query": soql})
    except QuotaStop:
        raise
    except SalesforceError as exc:
        if exc.code in NOT_REFUSALS or exc.status not in (400, 403, 404, 405):
            raise
        raise BulkRefused(f"Bulk API 2.0 refused the query ({exc.code or exc.status}): {exc}") from None
    job_id = str(job.get("id") or "")
    if not job_id:
        raise ConnectorError(f"salesforce: object '{what}': the Bulk API 2.0 job answer has no id")
    try:
        deadline = time.monotonic() + cfg.bulk_timeout
        state = str(job.get("state") or "")
        while state != "JobComplete":
            if state in ("Failed", "Aborted"):
                raise BulkRefused(f"Bulk API 2.0 job {job_id} {state.lower()}: "
                                  f"{job.get('errorMessage') or 'no reason given'}")
            if time.monotonic() > deadline:
                _abort(session, what, job_id)
                raise ConnectorError(f"salesforce: object '{what}': Bulk API 2.0 job {job_id} did not complete "
                                     f"within bulk_timeout {cfg.bulk_timeout:g} s (state {state})", transient=True)
            sleep(cfg.bulk_poll_seconds)
            job = session.json("GET", what, f"jobs/query/{job_id}")
            state = str(job.get("state") or "")
        locator: str | None = None
        seen: set[str] = set()
        while True:
            guard.check()
            params: dict[str, Any] = {"maxRecords": cfg.bulk_page_size}
            if locator:
                params["locator"] = locator
            response = session.call("GET", what, f"jobs/query/{job_id}/results", params=params,
                                    headers={"Accept": "text/csv"})
            if response.status_code != 204 and response.content.strip():
                yield parse_csv(response.content)
            locator = response.headers.get("sforce-locator")
            if not locator or locator == "null":
                break
            if locator in seen:
                raise ConnectorError(f"salesforce: object '{what}': Bulk API 2.0 sent locator {locator} twice; "
                                     f"stopping instead of reading forever")
            seen.add(locator)
    finally:
        if job_id:
            _delete(session, what, job_id)


def parse_csv(content: bytes) -> Any:
    """One result page: every column as text (the connector types them), empty cells kept as ''."""
    read = pa_csv.ReadOptions(block_size=max(1 << 20, min(len(content) + 1, 1 << 26)))
    header = content.split(b"\n", 1)[0].decode("utf-8-sig")
    names = next(iter(__import__("csv").reader([header])), [])
    convert = pa_csv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                    quoted_strings_can_be_null=False)
    parse = pa_csv.ParseOptions(newlines_in_values=True)
    return pa_csv.read_csv(pa.py_buffer(content), read_options=read, parse_options=parse, convert_options=convert)


def _abort(session: Session, what: str, job_id: str) -> None:
    try:
        session.call("PATCH", what, f"jobs/query/{job_id}", json={"state": "Aborted"})
    except ConnectorError:
        pass


def _delete(session: Session, what: str, job_id: str) -> None:
    try:
        if session.quota_problem() is None:
            session.call("DELETE", what, f"jobs/query/{job_id}")
    except ConnectorError:
        pass
