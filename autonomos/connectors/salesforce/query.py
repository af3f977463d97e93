"""SOQL through the REST query API: ``GET /services/data/vXX.X/query?q=<soql>`` (``queryAll``
to include deleted and archived records), then each ``nextRecordsUrl`` until ``done`` is true.

A page holds up to 2,000 records, each with an ``attributes`` object (type, url) that is
dropped. A ``nextRecordsUrl`` seen twice stops the read with an error instead of looping.
"""

from __future__ import annotations

from typing import Any, Iterator

from autonomos.connectors.salesforce.api import Session
from autonomos.core import guard
from autonomos.core.errors import ConnectorError


def query_pages(session: Session, what: str, soql: str, deleted: bool) -> Iterator[list[dict[str, Any]]]:
    """The records of ``soql``, one list per page."""
    path = "queryAll" if deleted else "query"
    body = session.json("GET", what, path, params={"q": soql})
    seen: set[str] = set()
    while True:
        guard.check()
        records = body.get("records") or []
        for r in records:
            r.pop("attributes", None)
        yield records
        nxt = body.get("nextRecordsUrl")
        if body.get("done", True) or not nxt:
            return
        if nxt in seen:
            raise ConnectorError(f"salesforce: object '{what}': the query API sent nextRecordsUrl {nxt} twice; "
                                 f"stopping instead of reading forever")
        seen.add(nxt)
        body = session.json("GET", what, nxt)


def count(session: Session, what: str, soql_from_where: str, deleted: bool) -> int:
    """``SELECT COUNT() FROM …``: the records a query would read (its ``totalSize``)."""
    body = session.json("GET", what, "queryAll" if deleted else "query",
                        params={"q": f"SELECT COUNT() {soql_from_where}"})
    return int(body.get("totalSize") or 0)
