"""A REST source's API failing mid-pagination during a connect task on the real app and its
in-process worker: the attempt fails without storing a page or advancing the incremental state,
the task system retries it, and the retry resumes from the cursor the last successful run saved
— every record once, none lost.

(The same fault through ``autonomos run``: tests/connectors/test_rest.py::
test_cli_run_end_to_end_incremental_and_state_after_rows.)"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from litestar.testing import TestClient

from tests.connectors.rest_api import FakeAPI, Req, records
from tests.server.conftest import db_url, settings, sqlite_template  # noqa: F401  (fixtures)
from tests.server.helpers import Tenant
from tests.server.tasks.conftest import task_settings, tapp, tclient, tenants, wait_status  # noqa: F401

PAGE = 4
EVENTS = {"name": "events", "primary_key": "id", "paginator": {"type": "page_number", "has_more_path": "has_more"},
          "incremental": {"cursor_field": "updated_at", "start_param": "since", "initial_value": "2024-01-01T00:00:00Z"}}


class Events:
    """Events honouring ``since`` (inclusive), paged by ``page``; ``fail_page_2`` requests for
    page 2 answer 500 (the database behind the API is down for a moment)."""

    def __init__(self, api: FakeAPI, n: int):
        self.items = records(n)
        self.fail_page_2 = 0
        api.route("/events")(self.handle)

    def handle(self, req: Req) -> Any:
        page = int(req.query.get("page") or 1)
        if page == 2 and self.fail_page_2 > 0:
            self.fail_page_2 -= 1
            return 500, {"error": "database on fire"}, {}
        since = req.query.get("since")
        chosen = [r for r in self.items if since is None or r["updated_at"] >= since]
        return 200, {"data": chosen[(page - 1) * PAGE:page * PAGE], "has_more": page * PAGE < len(chosen)}, {}


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    server = FakeAPI().start()
    yield server
    server.stop()


def connect(client: TestClient, who: Tenant, api: FakeAPI) -> dict[str, Any]:
    config = {"base_url": api.url, "retry": {"attempts": 2, "backoff": 0.01}, "resources": [EVENTS]}
    r = client.post("/dcl/connect", json={"sources": [{"name": "feed", "connector": "rest", "config": config}]},
                    headers=who.headers)
    assert r.status_code == 202, r.text
    return wait_status(client, who, r.json()["id"], timeout=60)


def counts(client: TestClient, who: Tenant) -> list[Any]:
    r = client.post("/dcl/query", json={"sql": "SELECT count(*), count(DISTINCT id), max(id::INT) FROM src_feed.events"},
                    headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()["rows"][0]


def test_api_failing_mid_pagination_resumes_from_the_saved_state(tclient: TestClient,  # noqa: F811
                                                                 tenants: tuple[Tenant, Tenant],  # noqa: F811
                                                                 api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_SOURCES_ALLOW_PRIVATE", "true")  # the operator's switch: the API is on 127.0.0.1
    a, b = tenants
    events = Events(api, 10)
    first = connect(tclient, a, api)
    assert first["status"] == "success" and first["attempts"] == 1, first
    assert counts(tclient, a) == [10, 10, 10]

    events.items += records(9, start=11)  # nine new records: three pages from the saved cursor
    events.fail_page_2 = 2  # both tries of the first attempt's page 2 fail; then the API is back
    api.log.clear()
    second = connect(tclient, a, api)
    assert second["status"] == "success" and second["attempts"] == 2, second  # failed once, retried by the task
    assert counts(tclient, a) == [19, 19, 19]  # each record once: the failed attempt stored nothing
    reads = [c for c in api.calls("/events") if c.query.get("since") != EVENTS["incremental"]["initial_value"]]
    assert reads and {c.query["since"] for c in reads} == {"2024-01-01T00:00:09Z"}, [c.query for c in api.log]
    pages = [int(c.query.get("page") or 1) for c in reads]
    assert pages.count(2) == 3 and events.fail_page_2 == 0, pages  # two failed tries, then the retry's success
    r = tclient.post("/dcl/query", json={"sql": "SELECT count(*) FROM src_feed.events"}, headers=b.headers)
    assert r.status_code == 409, r.text  # the other organization has nothing published
