"""The ``rest`` connector against a real local HTTP API (tests/connectors/rest_api.py): every
paginator, auth style, retry and error path, parents, incremental state, and whole runs."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from autonomos.connectors.rest import RestConnector
from autonomos.core.connector import ConnectorContext
from autonomos.core.errors import ConnectorError
from autonomos.core.serde import structure
from autonomos.core.spec import PipelineError, parse_pipeline
from tests.cli_helpers import cli, cli_query
from tests.connectors.rest_api import FakeAPI, Req, records


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    server = FakeAPI().start()
    yield server
    server.stop()


FAST_RETRY = {"attempts": 4, "backoff": 0.01, "max_backoff": 5}


def make(config: dict[str, Any], tmp_path: Path) -> RestConnector:
    cfg = structure({"retry": FAST_RETRY, **config}, RestConnector.Config, path="config")
    return RestConnector(cfg, ConnectorContext(source_name="api", work_dir=tmp_path / "work", base_dir=tmp_path))


def read_all(conn: RestConnector, states: dict[str, dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """discover + read every table, as the host does; ``states`` (per table) updated in place."""
    states = {} if states is None else states
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        for table in conn.discover():
            rows: list[dict[str, Any]] = []
            state = states.setdefault(table.name, {})
            for batch in conn.read(table, state):
                rows += batch.to_pylist()
            out[table.name] = rows
    finally:
        conn.close()
    return out


def page_of(items: list[dict[str, Any]], start: int, size: int) -> list[dict[str, Any]]:
    return items[start:start + size]


# -- paginators ----------------------------------------------------------------------------------

def test_page_number_stops_at_total_and_flattens(api: FakeAPI, tmp_path: Path) -> None:
    data = records(25)

    @api.route("/customers")
    def customers(req: Req) -> Any:
        page, size = int(req.query["page"]), int(req.query["per_page"])
        return 200, {"data": page_of(data, (page - 1) * size, size), "total": len(data)}, {}

    conn = make({"base_url": api.url, "resources": [{
        "name": "customers", "record_selector": "$.data[*]", "primary_key": "id",
        "paginator": {"type": "page_number", "page_size_param": "per_page", "page_size": 10,
                      "total_path": "total"}}]}, tmp_path)
    rows = read_all(conn)["customers"]
    assert [r["id"] for r in rows] == [str(i) for i in range(1, 26)]
    # nested objects become dotted columns (Normalize names them address__city), lists JSON text
    assert rows[0]["address.city"] == "City 1" and rows[0]["tags"] == '["a","1"]' and rows[1]["active"] == "true"
    # 3 pages: the total stops the walk (no 4th, empty request); discovery's page 1 was reused
    assert [c.query["page"] for c in api.calls("/customers")] == ["1", "2", "3"]


def test_offset_limit_stops_on_has_more_false(api: FakeAPI, tmp_path: Path) -> None:
    data = records(23)

    @api.route("/items")
    def items(req: Req) -> Any:
        offset, limit = int(req.query["offset"]), int(req.query["limit"])
        return 200, {"results": page_of(data, offset, limit), "has_more": offset + limit < len(data)}, {}

    conn = make({"base_url": api.url, "resources": [{
        "name": "items", "paginator": {"type": "offset", "limit": 5, "has_more_path": "$.has_more"}}]}, tmp_path)
    rows = read_all(conn)["items"]
    assert len(rows) == 23 and rows[-1]["id"] == "23"  # records found without a selector: the one list
    assert [c.query["offset"] for c in api.calls("/items")] == ["0", "5", "10", "15", "20"]


def test_cursor_from_body(api: FakeAPI, tmp_path: Path) -> None:
    data = records(12)

    @api.route("/v1/contacts")
    def contacts(req: Req) -> Any:
        start = int(req.query.get("after") or 0)
        chunk = page_of(data, start, 5)
        nxt = str(start + 5) if start + 5 < len(data) else None
        return 200, {"items": chunk, "meta": {"next": nxt}}, {}

    conn = make({"base_url": api.url + "/v1/", "resources": [{
        "name": "contacts", "record_selector": "items",
        "paginator": {"type": "cursor", "cursor_path": "meta.next", "cursor_param": "after"}}]}, tmp_path)
    assert len(read_all(conn)["contacts"]) == 12
    assert [c.query.get("after") for c in api.calls("/v1/contacts")] == [None, "5", "10"]


def test_next_url_from_body_relative_and_absolute(api: FakeAPI, tmp_path: Path) -> None:
    data = records(9)

    @api.route("/orders")
    def orders(req: Req) -> Any:
        start = int(req.query.get("from") or 0)
        nxt = None
        if start + 3 < len(data):  # relative on the first page, absolute afterwards
            nxt = f"/orders?from={start + 3}&size=3" if start == 0 else f"{api.url}/orders?from={start + 3}&size=3"
        return 200, {"data": page_of(data, start, 3), "links": {"next": nxt}}, {}

    conn = make({"base_url": api.url, "resources": [{
        "name": "orders", "params": {"size": 3}, "record_selector": "$.data",
        "paginator": {"type": "next_url", "next_url_path": "links.next"}}]}, tmp_path)
    assert [r["id"] for r in read_all(conn)["orders"]] == [str(i) for i in range(1, 10)]
    assert len(api.calls("/orders")) == 3


def test_link_header(api: FakeAPI, tmp_path: Path) -> None:
    data = records(7)

    @api.route("/repos")
    def repos(req: Req) -> Any:
        page = int(req.query.get("page") or 1)
        headers = {}
        if page * 3 < len(data):
            headers["Link"] = (f'<{api.url}/repos?page={page + 1}>; rel="next", '
                               f'<{api.url}/repos?page=3>; rel="last"')
        return 200, page_of(data, (page - 1) * 3, 3), headers

    conn = make({"base_url": api.url, "resources": [{"name": "repos", "paginator": {"type": "link_header"}}]}, tmp_path)
    assert len(read_all(conn)["repos"]) == 7
    assert [c.query.get("page") for c in api.calls("/repos")] == [None, "2", "3"]


def test_cursor_from_header(api: FakeAPI, tmp_path: Path) -> None:
    data = records(8)

    @api.route("/logs")
    def logs(req: Req) -> Any:
        start = int(req.query.get("token") or 0)
        headers = {"X-Next-Token": str(start + 4)} if start + 4 < len(data) else {}
        return 200, {"entries": page_of(data, start, 4)}, headers

    conn = make({"base_url": api.url, "resources": [{
        "name": "logs", "paginator": {"type": "header_cursor", "header": "X-Next-Token", "cursor_param": "token"}}]},
        tmp_path)
    assert len(read_all(conn)["logs"]) == 8


def test_stops_on_empty_page(api: FakeAPI, tmp_path: Path) -> None:
    data = records(6)

    @api.route("/things")
    def things(req: Req) -> Any:
        page = int(req.query["p"])
        return 200, page_of(data, (page - 1) * 4, 4), {}

    conn = make({"base_url": api.url, "resources": [{
        "name": "things", "paginator": {"type": "page_number", "page_param": "p"}}]}, tmp_path)
    assert len(read_all(conn)["things"]) == 6
    assert [c.query["p"] for c in api.calls("/things")] == ["1", "2", "3"]  # page 3 is empty: stop


def test_repeated_cursor_is_a_clear_error(api: FakeAPI, tmp_path: Path) -> None:
    @api.route("/stuck")
    def stuck(req: Req) -> Any:  # new records on every page, but always the same next cursor
        return 200, {"data": records(2, start=len(api.log) * 2), "next_cursor": "abc"}, {}

    conn = make({"base_url": api.url, "params": {"api_key": "sekrit-key-1"}, "resources": [{
        "name": "stuck", "paginator": {"type": "cursor"}}]}, tmp_path)
    with pytest.raises(ConnectorError) as err:
        read_all(conn)
    msg = str(err.value)
    assert "resource 'stuck'" in msg and "same next page again" in msg and "cursor=abc" in msg
    assert "sekrit-key-1" not in msg and "api_key=***" in msg
    assert len(api.calls("/stuck")) == 2  # page 1 and the page of cursor abc, then the repeat is refused


def test_page_param_ignored_by_the_api_is_a_clear_error(api: FakeAPI, tmp_path: Path) -> None:
    @api.route("/same")
    def same(req: Req) -> Any:
        return 200, {"data": records(3)}, {}

    conn = make({"base_url": api.url, "resources": [{"name": "same", "paginator": {"type": "page_number"}}]}, tmp_path)
    with pytest.raises(ConnectorError, match="answered exactly what the page before did"):
        read_all(conn)


def test_max_pages_caps_the_walk_with_a_note(api: FakeAPI, tmp_path: Path) -> None:
    @api.route("/endless")
    def endless(req: Req) -> Any:
        page = int(req.query["page"])
        return 200, [{"id": page}], {}

    conn = make({"base_url": api.url, "resources": [{
        "name": "endless", "paginator": {"type": "page_number", "max_pages": 4}}]}, tmp_path)
    assert len(read_all(conn)["endless"]) == 4
    assert any("max_pages (4)" in n for n in conn.context.notes)


# -- auth ----------------------------------------------------------------------------------------

def _guarded(check: Any) -> Any:
    def handler(req: Req) -> Any:
        if not check(req):
            return 401, {"error": "unauthorized"}, {}
        return 200, {"data": records(2)}, {}
    return handler


@pytest.mark.parametrize("auth,check", [
    ({"type": "bearer", "token": "t0k3n-abc"}, lambda r: r.header("authorization") == "Bearer t0k3n-abc"),
    ({"type": "basic", "username": "ann", "password": "pa55word"},
     lambda r: r.header("authorization") == "Basic " + base64.b64encode(b"ann:pa55word").decode()),
    ({"type": "api_key", "api_key": "k-123"}, lambda r: r.header("x-api-key") == "k-123"),
    ({"type": "api_key", "api_key": "k-123", "name": "Authorization", "prefix": "Token "},
     lambda r: r.header("authorization") == "Token k-123"),
    ({"type": "api_key", "api_key": "k-123", "location": "query", "name": "key"}, lambda r: r.query.get("key") == "k-123"),
], ids=["bearer", "basic", "api_key_header", "api_key_prefix", "api_key_query"])
def test_auth_styles(api: FakeAPI, tmp_path: Path, auth: dict[str, Any], check: Any) -> None:
    api.route("/secure")(_guarded(check))
    conn = make({"base_url": api.url, "auth": auth, "resources": [{"name": "secure"}]}, tmp_path)
    assert len(read_all(conn)["secure"]) == 2


def test_401_names_the_request_with_the_token_masked(api: FakeAPI, tmp_path: Path) -> None:
    @api.route("/secure")
    def secure(req: Req) -> Any:  # an API that echoes what it was sent
        return 401, {"error": "bad token", "got": req.header("authorization"), "key": req.query.get("key")}, {}

    conn = make({"base_url": api.url, "auth": {"type": "bearer", "token": "very-secret-token"},
                 "params": {"key": "query-secret-99"}, "resources": [{"name": "secure"}]}, tmp_path)
    with pytest.raises(ConnectorError) as err:
        conn.check()
    msg = str(err.value)
    assert msg.startswith(f"rest: resource 'secure': GET {api.url}/secure?key=*** failed: HTTP 401 Unauthorized")
    assert "bad token" in msg and "auth settings" in msg
    assert "very-secret-token" not in msg and "query-secret-99" not in msg
    assert len(api.calls("/secure")) == 1  # a 401 is not retried


def test_oauth2_client_credentials_token_reused_and_renewed_after_401(api: FakeAPI, tmp_path: Path) -> None:
    issued: list[str] = []
    revoked: set[str] = set()

    @api.route("/oauth/token")
    def token(req: Req) -> Any:
        expected = "Basic " + base64.b64encode(b"cid:csecret").decode()
        if req.form.get("grant_type") != "client_credentials" or req.header("authorization") != expected:
            return 400, {"error": "invalid_client"}, {}
        issued.append(f"access-{len(issued) + 1}")
        return 200, {"access_token": issued[-1], "token_type": "bearer", "expires_in": 3600,
                     "scope": req.form.get("scope")}, {}

    @api.route("/deals")
    def deals(req: Req) -> Any:
        tok = (req.header("authorization") or "").removeprefix("Bearer ")
        if tok not in issued or tok in revoked:
            return 401, {"error": "expired"}, {}
        page = int(req.query["page"])
        if page == 2:
            revoked.add(tok)  # the token dies mid-walk: the next request gets a 401
        return 200, {"data": page_of(records(9), (page - 1) * 3, 3)}, {}

    conn = make({"base_url": api.url, "auth": {"type": "oauth2", "token_url": "/oauth/token", "client_id": "cid",
                                               "client_secret": "csecret", "scope": "deals.read"},
                 "resources": [{"name": "deals", "paginator": {"type": "page_number"}}]}, tmp_path)
    assert len(read_all(conn)["deals"]) == 9
    assert issued == ["access-1", "access-2"]  # one token for pages 1-2, one more after the 401
    assert api.calls("/oauth/token")[0].form["scope"] == "deals.read"


def test_oauth2_refresh_token_grant_and_rotation(api: FakeAPI, tmp_path: Path) -> None:
    refresh = {"current": "rt-1"}

    @api.route("/token")
    def token(req: Req) -> Any:
        if req.form.get("grant_type") != "refresh_token" or req.form.get("refresh_token") != refresh["current"]:
            return 400, {"error": "invalid_grant", "refresh_token": req.form.get("refresh_token")}, {}
        n = int(refresh["current"].split("-")[1]) + 1
        refresh["current"] = f"rt-{n}"
        return 200, {"access_token": f"at-{n}", "expires_in": 3600, "refresh_token": refresh["current"]}, {}

    @api.route("/me")
    def me(req: Req) -> Any:
        if not (req.header("authorization") or "").startswith("Bearer at-"):
            return 401, {}, {}
        return 200, [{"id": 1}], {}

    api.route("/team")(me)

    conn = make({"base_url": api.url, "auth": {"type": "oauth2", "token_url": f"{api.url}/token", "client_id": "app",
                                               "client_secret": "s3cret", "refresh_token": "rt-1", "client_auth": "body"},
                 "resources": [{"name": "me"}, {"name": "team"}]}, tmp_path)
    conn.check()  # the first token (and a rotated refresh token)
    conn.http.auth.expires_at = 0  # expired: the next request refreshes with the rotated refresh token
    assert len(read_all(conn)["team"]) == 1
    assert [c.form["refresh_token"] for c in api.calls("/token")] == ["rt-1", "rt-2"]
    assert api.calls("/token")[0].form["client_secret"] == "s3cret"


def test_oauth2_token_refused_is_a_clear_error(api: FakeAPI, tmp_path: Path) -> None:
    @api.route("/token")
    def token(req: Req) -> Any:
        return 400, {"error": "invalid_grant", "echo": req.form.get("refresh_token")}, {}

    conn = make({"base_url": api.url, "auth": {"type": "oauth2", "token_url": "/token", "client_id": "app",
                                               "refresh_token": "rt-secret-77"},
                 "resources": [{"name": "me"}]}, tmp_path)
    with pytest.raises(ConnectorError) as err:
        conn.check()
    msg = str(err.value)
    assert "OAuth2 token request POST" in msg and "/token failed: HTTP 400" in msg and "invalid_grant" in msg
    assert "rt-secret-77" not in msg


# -- config errors name file, line and field ---------------------------------------------------------

def test_config_errors_name_file_line_and_field() -> None:
    text = """sources:
  - name: api
    connector: rest
    config:
      base_url: https://api.example.com
      resources:
        - name: customers
          paginator: {type: pages}
        - name: contacts
          path: /customers/{parent.id}/contacts
        - name: deals
          parent: {resource: nope}
      auth: {type: bearer}
"""
    with pytest.raises(PipelineError) as err:
        parse_pipeline(text, "p.yaml")
    msg = str(err.value)
    assert "p.yaml:8: sources[0].config.resources[0].paginator: type 'pages' is not one of none, page_number" in msg
    assert "p.yaml:9: sources[0].config.resources[1]: path: placeholder {parent.id} needs parent" in msg
    assert "p.yaml:13: sources[0].config.auth: auth type bearer needs token" in msg


def test_config_env_secret_is_accepted_unresolved() -> None:
    text = """sources:
  - name: api
    connector: rest
    config:
      base_url: https://api.example.com
      auth: {type: bearer, token: {"$env": API_TOKEN}}
      resources: [{name: customers}]
"""
    spec = parse_pipeline(text, "p.yaml")
    assert spec.sources[0].config["auth"]["token"] == {"$env": "API_TOKEN"}


# -- retries, timeouts, ignored statuses --------------------------------------------------------------

def test_429_waits_retry_after_then_succeeds(api: FakeAPI, tmp_path: Path) -> None:
    @api.route("/limited")
    def limited(req: Req) -> Any:
        if len(api.calls("/limited")) == 1:
            return 429, {"error": "slow down"}, {"Retry-After": "1"}
        return 200, {"data": records(3)}, {}

    conn = make({"base_url": api.url, "resources": [{"name": "limited"}]}, tmp_path)
    rows = read_all(conn)["limited"]
    assert len(rows) == 3
    first, second = api.calls("/limited")[:2]
    assert second.at - first.at >= 1.0  # Retry-After honoured (the backoff alone would be ~10 ms)


def test_500_then_success_and_connection_errors_are_retried(api: FakeAPI, tmp_path: Path) -> None:
    @api.route("/wobbly")
    def wobbly(req: Req) -> Any:
        if len(api.calls("/wobbly")) <= 2:
            return 503, "upstream down", {}
        return 200, [{"id": 1}], {}

    conn = make({"base_url": api.url, "resources": [{"name": "wobbly"}]}, tmp_path)
    assert len(read_all(conn)["wobbly"]) == 1
    assert len(api.calls("/wobbly")) == 3

    from tests.conftest import free_port  # nobody listens there: every try is refused

    dead = make({"base_url": f"http://127.0.0.1:{free_port()}", "retry": {"attempts": 2, "backoff": 0.01},
                 "resources": [{"name": "x"}]}, tmp_path)
    with pytest.raises(ConnectorError, match=r"resource 'x': GET http://127\.0\.0\.1:\d+/x failed: ConnectError.*"
                                             r"gave up after 2 tries"):
        dead.check()


def test_5xx_that_persists_fails_naming_the_tries(api: FakeAPI, tmp_path: Path) -> None:
    api.route("/down")(lambda req: (500, {"error": "boom"}, {}))
    conn = make({"base_url": api.url, "retry": {"attempts": 3, "backoff": 0.01}, "resources": [{"name": "down"}]},
                tmp_path)
    with pytest.raises(ConnectorError, match=r"HTTP 500 Internal Server Error: \{\"error\": \"boom\"\} "
                                             r"\(gave up after 3 tries\)"):
        conn.check()
    assert len(api.calls("/down")) == 3


def test_timeout_is_retried_then_reported(api: FakeAPI, tmp_path: Path) -> None:
    def slow(req: Req) -> Any:
        time.sleep(0.6)
        return 200, [], {}

    api.route("/slow")(slow)
    conn = make({"base_url": api.url, "timeout": 0.2, "retry": {"attempts": 2, "backoff": 0.01},
                 "resources": [{"name": "slow"}]}, tmp_path)
    with pytest.raises(ConnectorError, match=r"GET .*/slow timed out after 0.2 s .*gave up after 2 tries"):
        conn.check()


# -- parents, decoders, where requests may go ----------------------------------------------------------

def test_parent_child_with_carried_fields_and_ignored_404(api: FakeAPI, tmp_path: Path) -> None:
    accounts = [{"id": 1, "name": "Acme", "region": {"code": "eu"}}, {"id": 2, "name": "Globex", "region": {"code": "us"}},
                {"id": 3, "name": "Empty Co", "region": {"code": "eu"}}]
    contacts = {1: [{"id": 10, "email": "a@acme.test"}, {"id": 11, "email": "b@acme.test"}], 2: [{"id": 20, "email": "x@globex.test"}]}

    @api.route("/accounts")
    def list_accounts(req: Req) -> Any:
        return 200, {"data": accounts}, {}

    @api.route("/accounts/*/contacts")
    def list_contacts(req: Req) -> Any:
        account = int(req.path.split("/")[2])
        if account not in contacts:
            return 404, {"error": "no contacts"}, {}
        assert req.query["region"] in ("eu", "us")
        return 200, {"data": contacts[account]}, {}

    conn = make({"base_url": api.url, "resources": [
        {"name": "accounts", "primary_key": "id"},
        {"name": "contacts", "path": "accounts/{parent.id}/contacts", "params": {"region": "{parent.region.code}"},
         "parent": {"resource": "accounts", "fields": {"id": "account_id", "name": "account_name"}},
         "primary_key": "id", "ignore_statuses": [404]},
    ]}, tmp_path)
    out = read_all(conn)
    assert [r["name"] for r in out["accounts"]] == ["Acme", "Globex", "Empty Co"]
    assert [(r["id"], r["account_id"], r["account_name"]) for r in out["contacts"]] == [
        ("10", "1", "Acme"), ("11", "1", "Acme"), ("20", "2", "Globex")]
    assert [c.path for c in api.log if "contacts" in c.path][-3:] == [
        "/accounts/1/contacts", "/accounts/2/contacts", "/accounts/3/contacts"]


def test_jsonl_decoder_rejects_bad_lines(api: FakeAPI, tmp_path: Path) -> None:
    lines = "\n".join(json.dumps(r) for r in records(3)) + "\n{not json\n"
    api.route("/export")(lambda req: (200, lines, {"Content-Type": "application/x-ndjson"}))
    conn = make({"base_url": api.url, "decoder": "jsonl", "resources": [{"name": "export"}]}, tmp_path)
    assert len(read_all(conn)["export"]) == 3
    assert len(conn.context.rejected) >= 1 and "line 4 is not JSON" in conn.context.rejected[0].reason


def test_not_json_is_a_clear_error(api: FakeAPI, tmp_path: Path) -> None:
    api.route("/html")(lambda req: (200, "<html>login page</html>", {"Content-Type": "text/html"}))
    conn = make({"base_url": api.url, "resources": [{"name": "html"}]}, tmp_path)
    with pytest.raises(ConnectorError, match=r"resource 'html': GET .*/html did not answer JSON \(text/html\): <html>"):
        conn.check()


def test_next_url_to_another_private_host_is_refused(api: FakeAPI, tmp_path: Path) -> None:
    api.route("/pages")(lambda req: (200, {"data": [{"id": 1}], "next": "http://169.254.169.254/latest/meta-data"}, {}))
    conn = make({"base_url": api.url, "resources": [{"name": "pages", "paginator": {"type": "next_url"}}]}, tmp_path)
    with pytest.raises(ConnectorError, match=r"refused GET http://169\.254\.169\.254/latest/meta-data: it leaves "
                                             r".* is a cloud metadata address"):
        read_all(conn)


def test_redirect_to_a_private_host_is_refused(api: FakeAPI, tmp_path: Path) -> None:
    api.route("/moved")(lambda req: (302, "", {"Location": "http://10.1.2.3/internal"}))
    conn = make({"base_url": api.url, "resources": [{"name": "moved"}]}, tmp_path)
    with pytest.raises(ConnectorError, match=r"refused GET http://10\.1\.2\.3/internal: .* is a private address"):
        conn.check()


def test_a_next_url_host_rebound_to_a_private_address_after_its_check_is_refused(
        api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding (issue 14): ``rebind.test`` answers a public address when the request is
    checked and 127.0.0.1 (the fake API itself) when the client connects. The connection is
    opened to the address checked at that moment, so the second answer is refused and the API
    never sees the request. (A resolver that changes its answer cannot be had from real DNS here:
    ``socket.getaddrinfo`` plays it.)"""
    import socket

    port = int(api.url.rsplit(":", 1)[1].split("/")[0])
    api.route("/pages")(lambda req: (200, {"data": [{"id": 1}], "next": f"http://rebind.test:{port}/secret"}, {}))
    secret_hits: list[str] = []
    api.route("/secret")(lambda req: (secret_hits.append("hit"), (200, {"data": [{"id": 2}]}, {}))[1])
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])  # the first lookup (the request check): a public address

    def rebinding(host: object, *args: object, **kwargs: object) -> object:
        if host == "rebind.test":
            address = next(answers, "127.0.0.1")  # every later lookup: the server itself
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.delenv("AUTONOMOS_SOURCES_ALLOW_PRIVATE", raising=False)
    conn = make({"base_url": api.url, "resources": [{"name": "pages", "paginator": {"type": "next_url"}}],
                 "retry": {"attempts": 1}}, tmp_path)
    with pytest.raises(ConnectorError, match=r"refused GET http://rebind\.test:\d+/secret: host 'rebind\.test' "
                                             r"resolves to 127\.0\.0\.1, which is a loopback address"):
        read_all(conn)
    assert secret_hits == []


# -- incremental --------------------------------------------------------------------------------------

class Events:
    """An API of events that honours ``since`` (inclusive, like most APIs) and pages by ``page``."""

    def __init__(self, api: FakeAPI, n: int, fail_page: int | None = None):
        self.items = records(n)
        self.fail_page = fail_page
        api.route("/events")(self.handle)

    def add(self, n: int) -> None:
        self.items += records(n, start=len(self.items) + 1)

    def handle(self, req: Req) -> Any:
        since = req.query.get("since")
        page = int(req.query.get("page") or 1)
        if self.fail_page == page:
            return 500, {"error": "database on fire"}, {}
        chosen = [r for r in self.items if since is None or r["updated_at"] >= since]
        return 200, {"data": page_of(chosen, (page - 1) * 4, 4), "has_more": page * 4 < len(chosen)}, {}


EVENTS = {"name": "events", "primary_key": "id", "paginator": {"type": "page_number", "has_more_path": "has_more"},
          "incremental": {"cursor_field": "updated_at", "start_param": "since", "initial_value": "2024-01-01T00:00:00Z"}}


def test_incremental_second_run_reads_only_new_records(api: FakeAPI, tmp_path: Path) -> None:
    events = Events(api, 10)
    states: dict[str, dict[str, Any]] = {}
    first = read_all(make({"base_url": api.url, "resources": [EVENTS]}, tmp_path), states)["events"]
    assert len(first) == 10 and states["events"]["cursor"] == "2024-01-01T00:00:09Z"
    assert {c.query["since"] for c in api.calls("/events")} == {"2024-01-01T00:00:00Z"}

    api.log.clear()
    again = read_all(make({"base_url": api.url, "resources": [EVENTS]}, tmp_path), states)["events"]
    assert again == []  # the record at the cursor was read last time: nothing new
    events.add(5)
    api.log.clear()
    second = read_all(make({"base_url": api.url, "resources": [EVENTS]}, tmp_path), states)["events"]
    assert [r["id"] for r in second] == ["11", "12", "13", "14", "15"]
    read_calls = [c for c in api.calls("/events") if c.query["since"] != "2024-01-01T00:00:00Z"]  # not discovery's
    assert read_calls and {c.query["since"] for c in read_calls} == {"2024-01-01T00:00:09Z"}
    assert states["events"]["cursor"] == "2024-01-02T00:00:14Z"


def test_incremental_lookback_and_end_param(api: FakeAPI, tmp_path: Path) -> None:
    Events(api, 10)
    resource = {**EVENTS, "incremental": {**EVENTS["incremental"], "lookback": "5s", "end_param": "until",
                                          "end_value": "2030-01-01T00:00:00Z"}}
    states = {"events": {"cursor": "2024-01-01T00:00:09Z"}}
    rows = read_all(make({"base_url": api.url, "resources": [resource]}, tmp_path), states)["events"]
    # since = cursor - 5 s: the late writes of the last 5 s are read again (the host drops exact copies)
    assert [r["id"] for r in rows] == ["5", "6", "7", "8", "9", "10"]
    last = api.calls("/events")[-1]
    assert last.query["since"] == "2024-01-01T00:00:04Z" and last.query["until"] == "2030-01-01T00:00:00Z"


def test_incremental_skips_records_before_the_start_when_the_api_ignores_it(api: FakeAPI, tmp_path: Path) -> None:
    data = records(6)
    api.route("/all")(lambda req: (200, data, {}))  # no filtering at all
    resource = {"name": "all", "incremental": {"cursor_field": "id", "start_param": "min_id"}}
    rows = read_all(make({"base_url": api.url, "resources": [resource]}, tmp_path), {"all": {"cursor": 4}})["all"]
    # 1-3 predate the stored cursor; 4 is read again: a state without the digests of the records at the
    # cursor cannot tell it was stored (the host drops the exact copy)
    assert [r["id"] for r in rows] == ["4", "5", "6"]


def test_conformance_kit(api: FakeAPI, tmp_path: Path) -> None:
    from autonomos.testing import check_connector

    Events(api, 9)
    api.route("/accounts")(lambda req: (200, {"data": [{"id": 1, "name": "Acme"}, {"id": 2, "name": "Globex"}]}, {}))
    api.route("/accounts/*/notes")(lambda req: (200, [{"id": int(req.path.split("/")[2]) * 10, "text": "hi"}], {}))
    config = {"base_url": api.url, "retry": FAST_RETRY, "resources": [
        EVENTS, {"name": "accounts", "primary_key": "id"},
        {"name": "notes", "path": "accounts/{parent.id}/notes", "parent": {"resource": "accounts", "fields": ["id"]}}]}
    report = check_connector(RestConnector, config, tmp_path)
    report.assert_ok()
    assert report.rows == {"events": 9, "accounts": 2, "notes": 2}
    assert report.states["events"]["cursor"] == "2024-01-01T00:00:08Z"
    assert [t.write_disposition for t in report.tables] == ["append", "replace", "replace"]
    assert report.tables[2].field_names() == ["id", "text", "accounts_id"]


# -- whole runs through the CLI -------------------------------------------------------------------------

def test_cli_run_end_to_end_incremental_and_state_after_rows(api: FakeAPI, tmp_path: Path) -> None:
    companies = [{"id": i, "name": f"Company {i}", "industry": "Software", "domain": f"c{i}.example.com",
                  "employees": {"count": 10 * i}, "updated_at": f"2024-03-01T10:00:{i:02d}Z"} for i in range(1, 8)]
    fail = {"page": None}

    @api.route("/api/companies")
    def list_companies(req: Req) -> Any:
        if req.header("authorization") != "Bearer cli-token-xyz":
            return 401, {"error": "who are you"}, {}
        page = int(req.query["page"])
        if page == fail["page"]:
            return 500, {"error": "oops"}, {}
        chosen = [c for c in companies if c["updated_at"] >= req.query.get("updated_since", "")]
        return 200, {"companies": page_of(chosen, (page - 1) * 3, 3), "total": len(chosen)}, {}

    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(f"""sources:
  - name: crm_api
    connector: rest
    config:
      base_url: {api.url}/api
      auth: {{type: bearer, token: {{"$env": CRM_TOKEN}}}}
      retry: {{attempts: 2, backoff: 0.01}}
      resources:
        - name: companies
          record_selector: $.companies[*]
          primary_key: id
          paginator: {{type: page_number, page_size: 3, total_path: total}}
          incremental: {{cursor_field: updated_at, start_param: updated_since}}
""")
    env = {"CRM_TOKEN": "cli-token-xyz"}
    proc = cli("run", str(pipeline), env=env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    raw = cli_query("select count(*) AS n, count(DISTINCT _batch_id) AS loads from src_crm_api.companies")
    assert raw == [{"n": 7, "loads": 1}]
    unified = cli_query("select name, industry from unified.account where _source = 'crm_api' order by name")
    assert [r["name"] for r in unified] == [f"Company {i}" for i in range(1, 8)]

    companies.append({"id": 8, "name": "Company 8", "industry": "Retail", "domain": "c8.example.com",
                      "employees": {"count": 80}, "updated_at": "2024-03-01T10:00:08Z"})
    companies[0] = {**companies[0], "name": "Company 1 (renamed)", "updated_at": "2024-03-01T10:00:09Z"}
    for c in companies[1:6]:  # more new rows than one page: the failure below hits page 2
        c["updated_at"] = c["updated_at"].replace("10:00:", "10:01:")
    fail["page"] = 2
    api.log.clear()
    proc = cli("run", str(pipeline), env=env)
    assert proc.returncode == 1 and "HTTP 500" in proc.stderr and "cli-token-xyz" not in proc.stderr
    assert cli_query("select count(*) AS n from src_crm_api.companies") == [{"n": 7}]  # nothing half-stored

    fail["page"] = None
    api.log.clear()
    proc = cli("run", str(pipeline), env=env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    # the failed run saved no state: the cursor is still the first run's, so the retry reads all changes
    sent = {c.query.get("updated_since") for c in api.calls("/api/companies")}
    assert "2024-03-01T10:00:07Z" in sent
    names = [r["name"] for r in cli_query("select name from unified.account where _source = 'crm_api' order by id")]
    assert names == ["Company 1 (renamed)"] + [f"Company {i}" for i in range(2, 9)]
    typed = cli_query("select column_name from (describe select * from unified.account)")
    assert {"name", "industry"} <= {r["column_name"] for r in typed}


# -- the documentation's examples ------------------------------------------------------------------------

def _yaml_blocks(path: Path) -> list[str]:
    import re

    return re.findall(r"```yaml\n(.*?)```", path.read_text(), flags=re.S)


@pytest.mark.parametrize("doc", ["docs/rest.md", "docs/pipelines.md"])
def test_documented_rest_examples_validate(doc: str) -> None:
    root = Path(__file__).resolve().parents[2]
    blocks = [b for b in _yaml_blocks(root / doc) if "connector: rest" in b]
    assert len(blocks) >= (14 if doc == "docs/rest.md" else 1)
    for i, block in enumerate(blocks):
        spec = parse_pipeline(block, f"{doc}[{i}]")
        for source in spec.sources:
            if source.connector == "rest":
                cfg = structure(_no_refs(source.config), RestConnector.Config, path=source.name)
                assert cfg.resources


def _no_refs(value: Any) -> Any:
    """The config with every {"$env": …} replaced by a plain value, as at run time."""
    if isinstance(value, dict):
        if set(value) == {"$env"}:
            return "secret-value"
        return {k: _no_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_refs(v) for v in value]
    return value


def test_required_fields_are_named() -> None:
    text = """sources:
  - name: api
    connector: rest
    config:
      resources:
        - path: x
        - name: b
          paginator: {page_size: 3}
          incremental: {}
"""
    with pytest.raises(PipelineError) as err:
        parse_pipeline(text, "p.yaml")
    assert str(err.value).splitlines() == [
        "p.yaml:5: sources[0].config.base_url: required",
        "p.yaml:6: sources[0].config.resources[0].name: required",
        "p.yaml:8: sources[0].config.resources[1].paginator.type: required",
        "p.yaml:9: sources[0].config.resources[1].incremental.cursor_field: required",
    ]


# -- rate budgets ----------------------------------------------------------------------------------------

PAGES = 10  # one record per page: PAGES requests per read (discovery's first page is reused)


def _paged(api: FakeAPI) -> None:
    data = records(PAGES)

    @api.route("/items")
    def items(req: Req) -> Any:
        page = int(req.query["page"])
        return 200, {"data": page_of(data, page - 1, 1), "total": len(data)}, {}


def _budgeted(api: FakeAPI, run: str, rate_limit: dict[str, Any] | None) -> dict[str, Any]:
    return {"base_url": api.url, "headers": {"X-Run": run}, "rate_limit": rate_limit, "resources": [{
        "name": "items", "record_selector": "$.data[*]", "primary_key": "id",
        "paginator": {"type": "page_number", "page_size": 1, "total_path": "total"}}]}


def _times(api: FakeAPI, *runs: str) -> list[float]:
    return sorted(r.at for r in api.log if r.header("x-run") in runs)


def _most_in_window(times: list[float], width: float) -> int:
    """The most requests the server saw in any window of ``width`` seconds."""
    return max(sum(1 for u in times[i:] if u < t + width) for i, t in enumerate(times))


def _run_concurrently(jobs: dict[str, tuple[Any, dict[str, Any]]], tmp_path: Path,
                      notes: dict[str, list[str]] | None = None) -> dict[str, int]:
    """Read each job's source in its own thread, as the tenant's run would (current_tenant set)."""
    import threading

    from autonomos.core import settings

    engine = settings.current()
    start = threading.Barrier(len(jobs))
    rows: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(run: str, tenant: Any, config: dict[str, Any]) -> None:
        with settings.using(engine):  # threads start without the caller's context variables
            settings.current_tenant.set(tenant)
            conn = make(config, tmp_path / run)
            start.wait()
            try:
                rows[run] = len(read_all(conn)["items"])
                if notes is not None:
                    notes[run] = conn.context.notes
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(run, tenant, config)) for run, (tenant, config) in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return rows


def _check_budget(times: list[float], rate: float, burst: int) -> float:
    """Assert the server saw at most burst + rate * w requests in any window w; the rate seen."""
    span = times[-1] - times[0]
    assert len(times) <= burst + rate * span + 1, (len(times), span)
    assert _most_in_window(times, 1.0) <= burst + rate + 1
    return (len(times) - burst) / span


def test_rate_budget_is_shared_by_the_tenants_concurrent_reads(api: FakeAPI, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    monkeypatch.delenv("AUTONOMOS_REDIS_URL", raising=False)  # the in-process budget
    _paged(api)
    # alone and without a budget, one read goes much faster than 5 requests/s
    assert len(read_all(make(_budgeted(api, "free", None), tmp_path))["items"]) == PAGES
    free = _times(api, "free")
    free_rate = (len(free) - 1) / (free[-1] - free[0])  # as the server saw them
    assert free_rate > 2 * 5, free_rate

    acme, other = uuid.uuid4(), uuid.uuid4()
    budget = {"requests_per_second": 5}  # burst: 5
    notes: dict[str, list[str]] = {}
    rows = _run_concurrently({"a1": (acme, _budgeted(api, "a1", budget)), "a2": (acme, _budgeted(api, "a2", budget)),
                              "b1": (other, _budgeted(api, "b1", budget))}, tmp_path, notes)
    assert rows == {"a1": PAGES, "a2": PAGES, "b1": PAGES}
    assert any("waited" in n and "for its rate budget (5 requests/s" in n for n in notes["a1"] + notes["a2"])
    acme_times, other_times = _times(api, "a1", "a2"), _times(api, "b1")
    assert len(acme_times) == 2 * PAGES and len(other_times) == PAGES
    # acme's two reads together: 20 requests, 5 at once, then 5/s → at least 3 s
    acme_rate = _check_budget(acme_times, 5, 5)
    assert acme_times[-1] - acme_times[0] >= (2 * PAGES - 5) / 5 * 0.95
    assert acme_rate <= 5 * 1.1
    # the other tenant, at the same time, had the whole budget to itself: 10 requests in about 1 s
    other_rate = _check_budget(other_times, 5, 5)
    assert other_times[-1] - other_times[0] < acme_times[-1] - acme_times[0] - 1
    print(f"\nno budget: {free_rate:.0f} req/s; budget 5/s burst 5: tenant A (2 reads) {acme_rate:.2f} req/s "
          f"after the burst over {acme_times[-1] - acme_times[0]:.2f} s, max {_most_in_window(acme_times, 1)} "
          f"in 1 s; tenant B (1 read, concurrently) {other_rate:.2f} req/s over {other_times[-1] - other_times[0]:.2f} s")


def test_rate_budget_charges_retries_not_token_requests(api: FakeAPI, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    from autonomos.core import settings

    monkeypatch.delenv("AUTONOMOS_REDIS_URL", raising=False)
    tries = {"n": 0}

    @api.route("/token")
    def token(req: Req) -> Any:
        return 200, {"access_token": "tok-abc", "expires_in": 3600}, {}

    @api.route("/items")
    def items(req: Req) -> Any:
        tries["n"] += 1
        if tries["n"] == 1:
            return 429, {"error": "slow down"}, {"Retry-After": "0"}
        return 200, {"data": [{"id": 1}]}, {}

    config = {"base_url": api.url, "rate_limit": {"requests_per_second": 4, "burst": 1},
              "auth": {"type": "oauth2", "token_url": "/token", "client_id": "c", "client_secret": "s"},
              "resources": [{"name": "items", "record_selector": "$.data[*]"}]}
    token_ = settings.current_tenant.set(uuid.uuid4())
    try:
        conn = make(config, tmp_path)
        http = conn.http
        assert len(read_all(conn)["items"]) == 1
    finally:
        settings.current_tenant.reset(token_)
    posts, gets = [r.at for r in api.log if r.method == "POST"], api.calls("/items")
    assert len(posts) == 1 and len(gets) == 2
    # the token request took no token (the first GET went at once), the 429's retry waited its turn
    assert gets[0].at - posts[0] < 0.15
    assert gets[1].at - gets[0].at >= 0.2
    assert 0.15 <= http.rate_waited < 1


def test_rate_budget_wait_past_max_wait_fails_clearly(api: FakeAPI, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    from autonomos.core import settings

    monkeypatch.delenv("AUTONOMOS_REDIS_URL", raising=False)
    _paged(api)
    tenant = uuid.uuid4()
    token = settings.current_tenant.set(tenant)
    try:
        conn = make(_budgeted(api, "slow", {"requests_per_second": 0.1, "max_wait": 2}), tmp_path)
        with pytest.raises(ConnectorError) as err:
            read_all(conn)
    finally:
        settings.current_tenant.reset(token)
    message = str(err.value)
    assert message.startswith("rest: resource 'items': rate budget of 127.0.0.1:") and "0.1 requests/s" in message
    assert str(tenant) not in message and err.value.transient
    assert len(api.calls("/items")) == 1


def test_rate_budget_without_a_tenant_is_the_sources_own(api: FakeAPI, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from autonomos.core import settings

    monkeypatch.delenv("AUTONOMOS_REDIS_URL", raising=False)
    assert settings.current_tenant.get() is None
    data = records(3)

    @api.route("/few")
    def few(req: Req) -> Any:
        page = int(req.query["page"])
        return 200, {"data": page_of(data, page - 1, 1), "total": len(data)}, {}

    def config(run: str) -> dict[str, Any]:
        return {**_budgeted(api, run, {"requests_per_second": 2, "burst": 3}),
                "resources": [{"name": "items", "path": "few", "record_selector": "$.data[*]",
                               "paginator": {"type": "page_number", "page_size": 1, "total_path": "total"}}]}

    # two sources one after the other, no tenant: neither takes from a shared "no tenant" bucket
    for run in ("x", "y"):
        assert len(read_all(make(config(run), tmp_path / run))["items"]) == 3
    times = _times(api, "x", "y")
    assert len(times) == 6 and times[-1] - times[0] < 1.0  # shared, the second would wait 1.5 s


def test_rate_limit_config() -> None:
    cfg = structure({"base_url": "https://api.example.com", "rate_limit": {"requests_per_second": 2.5},
                     "resources": [{"name": "a"},
                                   {"name": "search", "rate_limit": {"requests_per_second": 5, "burst": 1}},
                                   {"name": "b", "rate_limit": {"requests_per_second": 10, "name": "general"}}]},
                    RestConnector.Config, path="config")
    assert cfg.rate_limit.bucket_size == 3 and cfg.rate_limit.max_wait == 300
    budget, name = cfg.rate_limit_of(cfg.resource("a"))
    assert (budget.requests_per_second, name) == (2.5, None)
    budget, name = cfg.rate_limit_of(cfg.resource("search"))
    assert (budget.requests_per_second, budget.bucket_size, name) == (5.0, 1, "search")
    assert cfg.rate_limit_of(cfg.resource("b"))[1] == "general"
    text = """sources:
  - name: api
    connector: rest
    config:
      base_url: https://api.example.com
      rate_limit: {requests_per_second: 0}
      resources:
        - name: a
          rate_limit: {requests_per_second: 1, burst: 0, name: "x:y"}
"""
    with pytest.raises(PipelineError) as err:
        parse_pipeline(text, "p.yaml")
    shown = str(err.value)
    assert "p.yaml:6: sources[0].config.rate_limit: requests_per_second must be a number more than 0, got 0" in shown
    assert "p.yaml:9: sources[0].config.resources[0].rate_limit: burst must be at least 1, got 0" in shown


@pytest.mark.redis
def test_rate_budget_in_redis_is_shared_by_separate_processes(api: FakeAPI, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import subprocess
    import sys
    import uuid

    import redis

    from tests.conftest import ROOT, require_service

    require_service("Redis", 6379)
    redis_url = "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(redis_url)
    _paged(api)
    acme, other = uuid.uuid4(), uuid.uuid4()
    budget = {"requests_per_second": 5}
    script = tmp_path / "reader.py"
    script.write_text("""import json, sys, uuid
from pathlib import Path
from autonomos.connectors.rest import RestConnector
from autonomos.core import settings
from autonomos.core.connector import ConnectorContext
from autonomos.core.serde import structure
import pyarrow  # imported before the start signal, so both readers start together

config, tenant, work = json.loads(sys.argv[1]), uuid.UUID(sys.argv[2]), Path(sys.argv[3])
settings.current_tenant.set(tenant)
conn = RestConnector(structure(config, RestConnector.Config, path="config"),
                     ConnectorContext(source_name="api", work_dir=work, base_dir=work))
print("ready", flush=True)
sys.stdin.readline()
rows = 0
for table in conn.discover():
    for batch in conn.read(table, {}):
        rows += batch.num_rows
waited = conn.http.rate_waited
conn.close()
print(json.dumps({"rows": rows, "waited": waited}), flush=True)
""")
    env = {**os.environ, "AUTONOMOS_REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
    procs = []
    try:
        for run in ("a1", "a2"):
            procs.append(subprocess.Popen(
                [sys.executable, str(script), json.dumps({"retry": FAST_RETRY, **_budgeted(api, run, budget)}),
                 str(acme), str(tmp_path / run)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, env=env))
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        # meanwhile another tenant, in this process, through the same Redis
        monkeypatch.setenv("AUTONOMOS_REDIS_URL", redis_url)
        rows = _run_concurrently({"b1": (other, _budgeted(api, "b1", budget))}, tmp_path)
        assert rows == {"b1": PAGES}
        # the bucket is a Redis key of that tenant, with a TTL (burst / rate + 1 s)
        assert 0 < client.pttl(f"autonomos:rate:{other}:{api.url.split('//')[1]}") <= 2000
        outs = []
        for p in procs:
            out, err = p.communicate(timeout=30)
            assert p.returncode == 0, err
            outs.append(json.loads(out.strip().splitlines()[-1]))
        assert [o["rows"] for o in outs] == [PAGES, PAGES]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for tenant in (acme, other):
            for k in client.scan_iter(match=f"autonomos:rate:{tenant}:*"):
                client.delete(k)
        client.close()
    acme_times, other_times = _times(api, "a1", "a2"), _times(api, "b1")
    assert len(acme_times) == 2 * PAGES and len(other_times) == PAGES
    acme_rate = _check_budget(acme_times, 5, 5)
    assert acme_times[-1] - acme_times[0] >= (2 * PAGES - 5) / 5 * 0.95
    assert sum(o["waited"] for o in outs) >= 2.5  # the two processes waited for each other's tokens
    other_rate = _check_budget(other_times, 5, 5)
    assert other_times[-1] - other_times[0] < acme_times[-1] - acme_times[0] - 1
    print(f"\nRedis budget 5/s burst 5: tenant A (2 processes) {acme_rate:.2f} req/s after the burst over "
          f"{acme_times[-1] - acme_times[0]:.2f} s, max {_most_in_window(acme_times, 1)} in 1 s, waited "
          f"{sum(o['waited'] for o in outs):.1f} s; tenant B {other_rate:.2f} req/s over "
          f"{other_times[-1] - other_times[0]:.2f} s")
