"""The ``salesforce`` connector against a local fake org (tests/connectors/salesforce_api.py):
real sockets, the documented request and answer shapes, no mocks of httpx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from autonomos.connectors.salesforce import SalesforceConnector
from autonomos.core.connector import ConnectorContext
from autonomos.core.errors import ConnectorError
from autonomos.core.serde import structure
from tests.cli_helpers import cli, cli_query
from tests.connectors.salesforce_api import ACCOUNT_FIELDS, FakeSalesforce, account, describe_field


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


PRIVATE_KEY, PUBLIC_KEY = _pem_pair()
FAST_RETRY = {"attempts": 3, "backoff": 0.01, "max_backoff": 1}


@pytest.fixture
def org() -> Iterator[FakeSalesforce]:
    server = FakeSalesforce(public_key=PUBLIC_KEY)
    server.add_object("Account", ACCOUNT_FIELDS, [account(i) for i in range(1, 11)])
    server.start()
    yield server
    server.stop()


def config(org: FakeSalesforce, **over: Any) -> dict[str, Any]:
    return {"login_url": org.url, "objects": ["Account"], "retry": FAST_RETRY, "bulk_threshold": -1,
            "bulk_poll_seconds": 0.01,
            "auth": {"type": "refresh_token", "client_id": org.client_id, "client_secret": org.client_secret,
                     "refresh_token": org.refresh_token}, **over}


def make(cfg: dict[str, Any], tmp_path: Path) -> SalesforceConnector:
    structured = structure(cfg, SalesforceConnector.Config, path="config")
    return SalesforceConnector(structured, ConnectorContext(source_name="sf", work_dir=tmp_path / "work",
                                                            base_dir=tmp_path))


def read_all(conn: SalesforceConnector, states: dict[str, dict[str, Any]] | None = None,
             close: bool = True) -> dict[str, list[dict[str, Any]]]:
    states = {} if states is None else states
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        for table in conn.discover():
            rows: list[dict[str, Any]] = []
            for batch in conn.read(table, states.setdefault(table.name, {})):
                rows += batch.to_pylist()
            out[table.name] = rows
    finally:
        if close:
            conn.close()
    return out


# -- describe and types --------------------------------------------------------------------------
def test_describe_gives_columns_and_types(org: FakeSalesforce, tmp_path: Path) -> None:
    (table,) = make(config(org), tmp_path).discover()
    types = {f.name: f.type for f in table.fields}
    assert table.name == "account" and table.primary_key == ["Id"]
    assert table.cursor == "SystemModstamp" and table.write_disposition == "append"
    assert types == {"Id": "VARCHAR", "_deleted": "BOOLEAN", "Name": "VARCHAR", "ParentId": "VARCHAR",
                     "OwnerId": "VARCHAR", "BillingCity": "VARCHAR", "AnnualRevenue": "DECIMAL(18,2)",
                     "Rating__c": "DOUBLE", "NumberOfEmployees": "BIGINT", "Active__c": "BOOLEAN",
                     "Founded__c": "DATE", "Website": "VARCHAR", "CreatedDate": "TIMESTAMP",
                     "SystemModstamp": "TIMESTAMP"}  # BillingAddress (compound) left out


def test_rest_query_follows_next_records_url_across_three_pages(org: FakeSalesforce, tmp_path: Path) -> None:
    org.page_size = 4
    conn = make(config(org), tmp_path)
    rows = read_all(conn)["account"]
    assert [r["Id"] for r in rows] == [account(i)["Id"] for i in range(1, 11)]
    assert len(org.calls(r"/queryAll$")) == 1 and len(org.calls(r"/queryAll/01g\w+-\d+$")) == 2
    first = rows[0]
    assert first["Name"] == "Account 1, Inc." and first["_deleted"] is False and first["Active__c"] is False
    assert str(first["AnnualRevenue"]) == "1012.50" and first["Rating__c"] == 0.25
    assert first["NumberOfEmployees"] == 10 and first["Founded__c"] == dt.date(2001, 1, 15)
    assert first["SystemModstamp"] == dt.datetime(2024, 1, 1) and first["ParentId"] is None
    assert rows[1]["ParentId"] == account(1)["Id"]
    soql = org.calls(r"/queryAll$")[0][2]["q"]
    assert soql.startswith("SELECT Id, IsDeleted, Name,") and "BillingAddress" not in soql
    assert "WHERE SystemModstamp <= " in soql


# -- auth ----------------------------------------------------------------------------------------
def test_refresh_token_flow_finds_the_instance_url(org: FakeSalesforce, tmp_path: Path) -> None:
    conn = make(config(org), tmp_path)
    conn.check()
    form = org.token_requests[0]
    assert form == {"grant_type": "refresh_token", "refresh_token": org.refresh_token,
                    "client_id": org.client_id, "client_secret": org.client_secret}
    assert conn.session.instance_url == org.url
    conn.close()


def test_jwt_bearer_flow_signs_an_assertion_the_org_verifies(org: FakeSalesforce, tmp_path: Path) -> None:
    org.audience = org.url
    cfg = config(org, instance_url=org.url, auth={"type": "jwt_bearer", "client_id": org.client_id,
                                                  "username": org.username, "private_key": PRIVATE_KEY})
    assert len(read_all(make(cfg, tmp_path))["account"]) == 10
    assert org.token_requests[0]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    other, _ = _pem_pair()  # a key whose certificate the connected app does not hold
    cfg["auth"]["private_key"] = other
    with pytest.raises(ConnectorError) as err:
        make(cfg, tmp_path).check()
    assert "invalid_grant" in str(err.value) and "Signature verification failed" in str(err.value)
    assert "BEGIN PRIVATE KEY" not in str(err.value)


def test_bad_refresh_token_is_a_clear_error_with_secrets_masked(org: FakeSalesforce, tmp_path: Path) -> None:
    cfg = config(org)
    cfg["auth"]["refresh_token"] = "revoked-token-1"
    with pytest.raises(ConnectorError) as err:
        make(cfg, tmp_path).check()
    text = str(err.value)
    assert "token request (refresh_token)" in text and "invalid_grant" in text and "was revoked or expired" in text
    assert "revoked-token-1" not in text and org.client_secret not in text


def test_expired_session_mid_run_gets_one_new_token(org: FakeSalesforce, tmp_path: Path) -> None:
    org.page_size = 3
    org.session_requests = 2  # describe and the first page; the second page answers INVALID_SESSION_ID
    rows = read_all(make(config(org), tmp_path))["account"]
    assert len(rows) == 10 and len({r["Id"] for r in rows}) == 10
    assert len(org.token_requests) == 3  # one at the start, one per dead session (every 2 requests)
    assert sum(1 for c in org.log if c[1].startswith("/services/data")) > 4


def test_a_session_that_dies_again_at_once_fails_clearly(org: FakeSalesforce, tmp_path: Path) -> None:
    org.session_requests = 0  # every token is refused on first use
    with pytest.raises(ConnectorError) as err:
        make(config(org), tmp_path).check()
    assert "401" in str(err.value) and "INVALID_SESSION_ID" in str(err.value)
    assert len(org.token_requests) == 2  # refreshed once, not in a loop


# -- Bulk API 2.0 --------------------------------------------------------------------------------
def test_large_object_goes_through_bulk_with_locator_paging(org: FakeSalesforce, tmp_path: Path) -> None:
    org.records("Account")[:] = [account(i) for i in range(1, 2501)]
    conn = make(config(org, bulk_threshold=1000, bulk_page_size=1000), tmp_path)
    rows = read_all(conn, close=False)["account"]
    assert conn.paths["Account"] == "bulk" and len(rows) == 2500
    assert [r["Id"] for r in rows[:2]] == [account(1)["Id"], account(2)["Id"]]
    count_q = org.calls(r"/queryAll$")[0][2]["q"]
    assert count_q.startswith("SELECT COUNT() FROM Account WHERE SystemModstamp <= ")
    (create,) = [c for c in org.log if c[0] == "POST" and c[1].endswith("/jobs/query")]
    results = org.calls(r"/jobs/query/750\w+/results$")
    assert [c[2].get("locator") for c in results] == [None, "1000", "2000"]
    assert all(c[2]["maxRecords"] == "1000" for c in results)
    assert [c[0] for c in org.calls(r"/jobs/query/750\w+$")][-1] == "DELETE" and not org.jobs
    r = rows[2499]
    assert r["Name"] == "Account 2500, Inc." and r["Active__c"] is True and r["NumberOfEmployees"] == 25000
    assert r["SystemModstamp"] == dt.datetime(2024, 1, 1) and str(r["AnnualRevenue"]) == "32250.00"
    assert rows[0]["ParentId"] is None  # an empty CSV cell is NULL
    conn.close()


def test_bulk_refused_falls_back_to_rest_with_a_note(org: FakeSalesforce, tmp_path: Path) -> None:
    org.bulk_enabled = False
    org.page_size = 4
    conn = make(config(org, bulk_threshold=0), tmp_path)
    rows = read_all(conn, close=False)["account"]
    assert len(rows) == 10 and conn.paths["Account"] == "rest"
    assert any("FEATURENOTENABLED" in n and "REST query API instead" in n for n in conn.context.notes)
    conn.close()


def test_bulk_and_rest_read_the_same_rows(org: FakeSalesforce, tmp_path: Path) -> None:
    org.records("Account")[3]["Name"] = 'Quote "and", comma\nnewline'
    bulk = read_all(make(config(org, bulk_threshold=0), tmp_path / "b"))["account"]
    rest = read_all(make(config(org), tmp_path / "r"))["account"]
    assert bulk == rest and bulk[3]["Name"] == 'Quote "and", comma\nnewline'


# -- incremental, quota, wide objects, conformance -----------------------------------------------
def test_second_run_reads_only_records_changed_since_the_stored_modstamp(org: FakeSalesforce, tmp_path: Path) -> None:
    for i, r in enumerate(org.records("Account")):
        r["SystemModstamp"] = f"2024-01-0{1 + i // 4}T00:00:00Z"  # 4 records on the 1st, 4 on the 2nd, 2 on the 3rd
    states: dict[str, dict[str, Any]] = {}
    assert len(read_all(make(config(org), tmp_path), states)["account"]) == 10
    assert states["account"]["cursor"] == "2024-01-03T00:00:00.000Z"
    assert states["account"]["boundary"] == [account(9)["Id"], account(10)["Id"]]
    assert read_all(make(config(org), tmp_path), states)["account"] == []  # nothing changed
    soql = org.calls(r"/queryAll$")[-1][2]["q"]
    assert "SystemModstamp >= 2024-01-03T00:00:00.000Z" in soql
    org.records("Account")[1]["Name"] = "Renamed"
    org.records("Account")[1]["SystemModstamp"] = "2024-02-01T00:00:00Z"
    org.records("Account").append(account(11, "2024-02-01T00:00:00Z"))
    again = read_all(make(config(org), tmp_path), states)["account"]
    assert sorted(r["Name"] for r in again) == ["Account 11, Inc.", "Renamed"]
    assert states["account"] == {"cursor": "2024-02-01T00:00:00.000Z",
                                 "boundary": sorted([account(2)["Id"], account(11)["Id"]])}


def test_start_date_bounds_the_first_run(org: FakeSalesforce, tmp_path: Path) -> None:
    org.records("Account")[0]["SystemModstamp"] = "2025-03-01T00:00:00Z"
    rows = read_all(make(config(org, start_date="2025-01-01"), tmp_path))["account"]
    assert [r["Id"] for r in rows] == [account(1)["Id"]]


def test_quota_stop_names_the_share(org: FakeSalesforce, tmp_path: Path) -> None:
    org.api_used, org.api_limit = 895, 1000
    org.page_size = 2
    with pytest.raises(ConnectorError) as err:
        read_all(make(config(org, quota_stop_share=0.9), tmp_path))
    text = str(err.value)
    assert "quota_stop_share 0.9 (90%)" in text and "900 of 1,000 requests used" in text
    assert org.api_used == 900  # stopped as soon as the org reported the share, not at the limit


def test_request_limit_exceeded_is_named(org: FakeSalesforce, tmp_path: Path) -> None:
    org.api_used, org.api_limit = 1000, 1000
    with pytest.raises(ConnectorError) as err:
        make(config(org, quota_stop_share=1.0), tmp_path).check()
    assert "REQUEST_LIMIT_EXCEEDED" in str(err.value) and "API request limit is exceeded" in str(err.value)


@pytest.mark.parametrize("bulk", [-1, 0])
def test_wide_object_split_across_queries_gives_the_same_rows(org: FakeSalesforce, tmp_path: Path, bulk: int) -> None:
    org.page_size = 4
    whole = read_all(make(config(org, bulk_threshold=bulk), tmp_path / "a"))["account"]
    org.log.clear()
    split = read_all(make(config(org, bulk_threshold=bulk, fields_per_query=4), tmp_path / "b"))["account"]
    assert split == whole and len(split) == 10
    queries = [c[2]["q"] for c in org.calls(r"/queryAll$") if "COUNT()" not in c[2]["q"]] if bulk else []
    if bulk == -1:
        assert len(queries) == 6  # Id, SystemModstamp + 2 of the 12 other fields each
        assert all(q.startswith("SELECT Id, SystemModstamp, ") for q in queries)


def test_wide_split_leaves_a_record_changed_between_queries_for_the_next_run(org: FakeSalesforce,
                                                                              tmp_path: Path) -> None:
    conn = make(config(org, fields_per_query=4), tmp_path)
    (table,) = conn.discover()
    original = org.run_soql
    calls = {"n": 0}

    def changing(soql: str, deleted: bool) -> Any:  # account 3 is edited after the first query
        calls["n"] += 1
        if calls["n"] == 2:
            org.records("Account")[2]["SystemModstamp"] = "2024-06-01T00:00:00Z"
        return original(soql, deleted)

    org.run_soql = changing  # type: ignore[method-assign]
    state: dict[str, Any] = {}
    rows = [r for b in conn.read(table, state) for r in b.to_pylist()]
    assert len(rows) == 9 and account(3)["Id"] not in {r["Id"] for r in rows}
    org.run_soql = original  # type: ignore[method-assign]
    rows = [r for b in conn.read(table, state) for r in b.to_pylist()]
    assert [r["Id"] for r in rows] == [account(3)["Id"]]
    conn.close()


def test_conformance_kit(org: FakeSalesforce, tmp_path: Path) -> None:
    from autonomos.testing import check_connector

    org.page_size = 3
    report = check_connector(SalesforceConnector, config(org), tmp_path)
    report.assert_ok()
    assert report.rows == {"account": 10}
    bulk = check_connector(SalesforceConnector, config(org, bulk_threshold=0), tmp_path / "bulk")
    bulk.assert_ok()


def test_an_object_without_system_modstamp_is_a_full_refresh_and_may_be_empty(org: FakeSalesforce,
                                                                              tmp_path: Path) -> None:
    from autonomos.testing import check_connector

    org.add_object("Budget__c", [describe_field("Id", "id"), describe_field("Name", "string"),
                                 describe_field("Amount__c", "currency", scale=0)], [])
    report = check_connector(SalesforceConnector, config(org, objects=["Account", "Budget__c"]), tmp_path)
    report.assert_ok()
    budget = report.tables[1]
    assert (budget.name, budget.write_disposition, budget.cursor, budget.unique_key) == (
        "budget__c", "replace", None, True)
    assert [f.type for f in budget.fields] == ["VARCHAR", "VARCHAR", "DECIMAL(18,0)"]
    assert report.rows == {"account": 10, "budget__c": 0}


# -- whole runs through the CLI: raw table, views, deletions -------------------------------------
CONTACT_FIELDS = [describe_field("Id", "id"), describe_field("IsDeleted", "boolean"),
                  describe_field("AccountId", "reference", referenceTo=["Account"], relationshipName="Account"),
                  describe_field("FirstName", "string"), describe_field("LastName", "string"),
                  describe_field("Email", "email"), describe_field("Title", "string"),
                  describe_field("SystemModstamp", "datetime")]


def test_cli_run_end_to_end_with_a_deleted_record_leaving_the_view(org: FakeSalesforce, tmp_path: Path) -> None:
    org.page_size = 4
    org.add_object("Contact", CONTACT_FIELDS, [
        {"Id": f"003{i:015d}", "IsDeleted": False, "AccountId": account(i)["Id"], "FirstName": f"Ann{i}",
         "LastName": f"Lee{i}", "Email": f"ann{i}@a{i}.example.com", "Title": "CFO",
         "SystemModstamp": "2024-01-01T00:00:00Z"} for i in range(1, 6)])
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(f"""sources:
  - name: crm
    connector: salesforce
    config:
      login_url: {org.url}
      auth:
        type: refresh_token
        client_id: {org.client_id}
        client_secret: {{"$env": SF_CLIENT_SECRET}}
        refresh_token: {{"$env": SF_REFRESH_TOKEN}}
      objects: [Account, Contact]
      bulk_threshold: 5
      bulk_poll_seconds: 0.01
""")
    env = {"SF_CLIENT_SECRET": org.client_secret, "SF_REFRESH_TOKEN": org.refresh_token}
    proc = cli("run", str(pipeline), env=env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert org.calls(r"/jobs/query/750\w+/results$")  # 10 records > bulk_threshold 5: Bulk
    assert cli_query("select count(*) AS n from src_crm.account") == [{"n": 10}]
    names = cli_query("select name from unified.account where _source = 'crm' order by name")
    assert len(names) == 10 and names[0]["name"] == "Account 1, Inc."
    # a reference field is the referenced record's Id: contacts join their accounts in the views
    joined = cli_query("select c.email, a.name from unified.contact c join unified.account a on c.account_id = a.id "
                    "where c._source = 'crm' order by c.email")
    assert joined[0] == {"email": "ann1@a1.example.com", "name": "Account 1, Inc."} and len(joined) == 5

    gone = org.records("Account")[2]
    gone.update(IsDeleted=True, SystemModstamp="2024-05-01T00:00:00Z")  # moved to the recycle bin
    org.records("Account")[4].update(Name="Account 5 renamed", SystemModstamp="2024-05-01T00:00:00Z")
    proc = cli("run", str(pipeline), env=env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "SystemModstamp >= 2024-01-01T00:00:00.000Z" in org.calls(r"/queryAll$")[-1][2]["q"]
    # the typed table keeps the latest row per Id: the deleted record's as a tombstone
    assert cli_query("select count(*) AS n, count(*) FILTER (WHERE _deleted) AS deleted, "
                  "max(name) FILTER (WHERE _deleted) AS gone from src_crm.account") == [
        {"n": 10, "deleted": 1, "gone": "Account 3, Inc."}]
    names = [r["name"] for r in cli_query("select name from unified.account where _source = 'crm' order by name")]
    assert len(names) == 9 and "Account 3, Inc." not in names and "Account 5 renamed" in names
    assert "Account 5, Inc." not in names


def test_an_instance_url_on_a_private_address_is_refused(org: FakeSalesforce, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_SOURCES_ALLOW_PRIVATE", "false")
    org.instance_url = "http://169.254.169.254"  # the token answer points at a cloud metadata address
    with pytest.raises(ConnectorError) as err:
        make(config(org), tmp_path).check()
    assert "refused the instance_url the token answer names (http://169.254.169.254)" in str(err.value)


def test_bulk_reads_100000_records(org: FakeSalesforce, tmp_path: Path) -> None:
    import time

    org.records("Account")[:] = [account(i, f"2024-01-{1 + i % 28:02d}T00:00:00Z") for i in range(1, 100_001)]
    conn = make(config(org, bulk_threshold=10_000), tmp_path)
    (table,) = conn.discover()
    state: dict[str, Any] = {}
    started = time.perf_counter()
    rows = ids = 0
    seen: set[str] = set()
    for batch in conn.read(table, state):
        rows += batch.num_rows
        seen.update(batch.column("Id").to_pylist())
    took = time.perf_counter() - started
    ids = len(seen)
    print(f"salesforce bulk: {rows} records in {took:.2f} s ({rows / took:,.0f} records/s)")
    assert rows == ids == 100_000 and conn.paths["Account"] == "bulk"
    assert len(org.calls(r"/jobs/query/750\w+/results$")) == 2  # 50,000 records per page
    assert state["cursor"] == "2024-01-28T00:00:00.000Z" and len(state["boundary"]) == 3571
    conn.close()


# -- the documentation's examples ----------------------------------------------------------------
@pytest.mark.parametrize("doc", ["docs/salesforce.md", "docs/pipelines.md"])
def test_documented_examples_validate(doc: str) -> None:
    import re

    from autonomos.core.spec import parse_pipeline

    root = Path(__file__).resolve().parents[2]
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", (root / doc).read_text(), flags=re.S)
              if "connector: salesforce" in b]
    assert len(blocks) >= (2 if doc == "docs/salesforce.md" else 1)
    for i, block in enumerate(blocks):
        for source in parse_pipeline(block, f"{doc}[{i}]").sources:
            cfg = structure(_no_refs(source.config), SalesforceConnector.Config, path=source.name)
            assert cfg.objects


def _no_refs(value: Any) -> Any:
    if isinstance(value, dict):
        return "secret-value" if set(value) == {"$env"} else {k: _no_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_refs(v) for v in value]
    return value


def test_config_mistakes_are_named() -> None:
    from autonomos.core.spec import PipelineError, parse_pipeline

    text = """sources:
  - name: crm
    connector: salesforce
    config:
      auth: {type: jwt_bearer, client_id: abc}
      objects: [Account, "Bad Name"]
      quota_stop_share: 1.5
"""
    with pytest.raises(PipelineError) as err:
        parse_pipeline(text, "p.yaml")
    text = str(err.value)
    assert "auth type jwt_bearer needs username and private_key" in text
    fixed = """sources:
  - name: crm
    connector: salesforce
    config:
      auth: {type: jwt_bearer, client_id: abc, username: u, private_key: k}
      objects: [Account, "Bad Name"]
"""
    with pytest.raises(PipelineError) as err:
        parse_pipeline(fixed, "p.yaml")
    assert "p.yaml:5: sources[0].config: objects: 'Bad Name' is not an object API name" in str(err.value)


# -- failures ------------------------------------------------------------------------------------
def test_a_503_mid_pagination_and_a_429_are_retried(org: FakeSalesforce, tmp_path: Path) -> None:
    org.page_size = 3
    org.faults = [(r"/queryAll/01g\w+-6$", 503, {}), (r"/queryAll/01g\w+-3$", 429, {"Retry-After": "0"})]
    conn = make(config(org), tmp_path)
    rows = read_all(conn, close=False)["account"]
    assert [r["Id"] for r in rows] == [account(i)["Id"] for i in range(1, 11)]
    assert not org.faults and len(org.calls(r"/queryAll/01g\w+-6$")) == 2
    conn.close()
    assert any(n.startswith("salesforce: the org has used ") for n in conn.context.notes)


def test_a_failed_bulk_job_falls_back_to_rest(org: FakeSalesforce, tmp_path: Path) -> None:
    org.fail_jobs = True
    conn = make(config(org, bulk_threshold=0), tmp_path)
    rows = read_all(conn, close=False)["account"]
    assert len(rows) == 10 and conn.paths["Account"] == "rest"
    assert any("job" in n and "failed: InternalServerError: query timed out" in n for n in conn.context.notes)
    conn.close()


def test_a_5xx_that_does_not_pass_is_transient_and_masked(org: FakeSalesforce, tmp_path: Path) -> None:
    org.faults = [(r"/describe$", 503, {})] * 3
    with pytest.raises(ConnectorError) as err:
        make(config(org), tmp_path).check()
    assert err.value.transient and "HTTP 503" in str(err.value) and "gave up after 3 tries" in str(err.value)
    assert "salesforce: object 'Account'" in str(err.value)


def test_a_read_that_fails_mid_pagination_leaves_the_state_as_it_was(org: FakeSalesforce, tmp_path: Path) -> None:
    org.page_size = 3
    states: dict[str, dict[str, Any]] = {}
    read_all(make(config(org), tmp_path), states)
    before = dict(states["account"])
    org.records("Account")[0]["SystemModstamp"] = "2024-03-01T00:00:00Z"
    org.records("Account").extend(account(i, "2024-03-01T00:00:00Z") for i in range(11, 16))
    org.faults = [(r"/queryAll/01g\w+-3$", 503, {})] * 3  # page 2 never passes
    with pytest.raises(ConnectorError):
        read_all(make(config(org), tmp_path), states)
    assert states["account"] == before
    rows = read_all(make(config(org), tmp_path), states)["account"]  # the next run reads the whole window
    assert sorted(r["Id"] for r in rows) == sorted([account(1)["Id"]] + [account(i)["Id"] for i in range(11, 16)])


def test_a_token_endpoint_outage_is_transient_and_a_refused_grant_is_not(org: FakeSalesforce, tmp_path: Path) -> None:
    org.faults = [(r"/services/oauth2/token$", 503, {})]
    with pytest.raises(ConnectorError) as err:
        make(config(org), tmp_path).check()
    assert err.value.transient and "HTTP 503" in str(err.value)
    cfg = config(org)
    cfg["auth"]["client_secret"] = "wrong-secret"
    with pytest.raises(ConnectorError) as err:
        make(cfg, tmp_path).check()
    assert not err.value.transient and "invalid_client" in str(err.value) and "wrong-secret" not in str(err.value)


def test_requests_take_from_the_tenants_rate_budget(org: FakeSalesforce, tmp_path: Path) -> None:
    import time

    org.page_size = 2
    conn = make(config(org, rate_limit={"requests_per_second": 10, "burst": 1}), tmp_path)
    started = time.monotonic()
    assert len(read_all(conn, close=False)["account"]) == 10
    took = time.monotonic() - started
    # describe and 5 pages (token requests take none): 6 requests at 10/s take at least 0.5 s
    assert took >= 0.45 and conn.session.http.rate_waited > 0.1
    conn.close()
