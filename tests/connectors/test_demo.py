"""The demo connector: conformance per system, shape and messiness of the data, determinism."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import yaml

from autonomos.agents.base import domain_key_sql, name_key_sql
from autonomos.connectors.demo import DATA_DIR, SYSTEMS, DemoConnector, demo_pipeline_path
from autonomos.connectors.demo_data.generate import generate
from autonomos.core.connector import ConnectorContext
from autonomos.core.errors import BadRowsError, ConfigError, ConnectorError
from autonomos.core.plugins import PluginHost
from autonomos.core.serde import ValidationError, structure
from autonomos.testing import check_connector

EXPECTED_ROWS = {
    "salesforce": {"Account": 64, "Contact": 151, "Opportunity": 152},
    "hubspot": {"companies": 47, "contacts": 76, "deals": 50},
    "stripe": {"customers": 41, "invoices": 160},
    "erp": {"CUST_MASTER": 40, "AR_INVOICES": 191},
    "billing": {"accounts": 41, "subscriptions": 58, "usage": 369, "invoices": 123, "account_health": 123},
    "aws": {"cost_and_usage_report": 2023, "resources": 75},
}


def connector(system: str, tmp_path: Path, bad_rows: str = "quarantine", **cfg: str) -> DemoConnector:
    ctx = ConnectorContext(source_name=system, work_dir=tmp_path / "work", bad_rows=bad_rows)
    return DemoConnector(structure({"system": system, **cfg}, DemoConnector.Config), ctx)


def table(system: str, name: str, tmp_path: Path) -> pa.Table:
    conn = connector(system, tmp_path)
    schema = next(t for t in conn.discover() if t.name == name)
    return pa.Table.from_batches(list(conn.read(schema, {})))


@pytest.mark.parametrize("system", list(SYSTEMS))
def test_each_system_conforms(system: str, tmp_path: Path) -> None:
    report = check_connector(DemoConnector, {"system": system}, tmp_path)
    report.assert_ok()
    assert report.rows == EXPECTED_ROWS[system]
    for t in report.tables:
        assert t.primary_key, f"{system}.{t.name} states no primary key"
        assert t.row_count == report.rows[t.name]
    # the CSV exports also load through DuckDB, with the same rows
    for name, n in report.fast_rows.items():
        assert n == report.rows[name]
    assert set(report.fast_rows) == {t.name for t in SYSTEMS[system] if t.kind in ("csv", "csv_gz")}


@pytest.mark.parametrize("system", ["salesforce", "aws"])
def test_fast_path_gives_the_same_values_as_read(system: str, tmp_path: Path) -> None:
    conn = connector(system, tmp_path)
    con = duckdb.connect()
    for schema in conn.discover():
        scan = conn.duckdb_scan(schema, {})
        if scan is None:
            continue
        via_read = pa.Table.from_batches(list(conn.read(schema, {})))
        con.register("r", via_read)
        diff = con.execute(f"SELECT count(*) FROM (SELECT * FROM {scan} "
                           "EXCEPT ALL SELECT * FROM r)").fetchall()[0][0]
        assert diff == 0, schema.name
        con.unregister("r")


def test_title_and_icon_per_system(tmp_path: Path) -> None:
    icons = {s: connector(s, tmp_path).icon for s in SYSTEMS}
    assert icons == {"salesforce": "salesforce", "hubspot": "hubspot", "stripe": "stripe",
                     "erp": "erp", "billing": "database", "aws": "aws"}
    assert connector("hubspot", tmp_path).title == "HubSpot (demo)"


def test_unknown_system_is_a_clear_config_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="unknown demo system 'oracle'.*salesforce"):
        structure({"system": "oracle"}, DemoConnector.Config, path="sources[0].config")
    ctx = ConnectorContext(source_name="x", work_dir=tmp_path)
    with pytest.raises(ConfigError, match="unknown system 'zoho'"):
        DemoConnector(type("Cfg", (), {"system": "zoho", "data_dir": None})(), ctx)


def test_missing_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "stripe").mkdir()
    conn = connector("stripe", tmp_path, data_dir=str(tmp_path))
    with pytest.raises(ConnectorError, match=r"stripe/customers\.json"):
        conn.check()


def test_broken_rows_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    erp = connector("erp", tmp_path)
    inv = next(t for t in erp.discover() if t.name == "AR_INVOICES")
    list(erp.read(inv, {}))
    found = [(r.table, r.line, r.reason) for r in erp.context.rejected]
    assert found == [("AR_INVOICES", 32, "expected 10 fields, found 3"),
                     ("AR_INVOICES", 194, "expected 10 fields, found 1")]
    assert "END OF REPORT" in erp.context.rejected[1].raw

    hub = connector("hubspot", tmp_path)
    contacts = next(t for t in hub.discover() if t.name == "contacts")
    list(hub.read(contacts, {}))
    assert [(r.table, r.line) for r in hub.context.rejected] == [("contacts", 39)]
    assert hub.context.rejected[0].reason.startswith("invalid JSON")

    strict = connector("erp", tmp_path, bad_rows="fail")
    with pytest.raises(BadRowsError, match="AR_INVOICES, line 32"):
        list(strict.read(inv, {}))


def test_values_arrive_raw_and_nested(tmp_path: Path) -> None:
    companies = table("hubspot", "companies", tmp_path)
    assert pa.types.is_struct(companies.schema.field("properties").type)
    assert "domain" in [f.name for f in companies.schema.field("properties").type]
    deals = table("hubspot", "deals", tmp_path)
    assert pa.types.is_struct(deals.schema.field("associations").type)
    invoices = table("stripe", "invoices", tmp_path)
    assert pa.types.is_integer(invoices.schema.field("amount_due").type)  # cents, as Stripe sends
    assert set(invoices.column("currency").to_pylist()) <= {"usd", "eur", "gbp"}
    assert set(invoices.column("status").to_pylist()) >= {"paid", "open", "void", "uncollectible"}
    sf = table("salesforce", "Account", tmp_path)
    assert all(pa.types.is_string(f.type) for f in sf.schema)  # CSV stays text
    assert " Vandelay Imports " in sf.column("Name").to_pylist()  # stray spaces survive


def _values(system: str, name: str, column: str, tmp_path: Path) -> list[str]:
    return [str(v) for v in table(system, name, tmp_path).column(column).to_pylist() if v is not None]


def test_messiness_is_really_there(tmp_path: Path) -> None:
    formats = {
        "iso": _values("salesforce", "Opportunity", "CreatedDate", tmp_path),
        "dd/mm/yyyy": _values("erp", "AR_INVOICES", "INV_DT", tmp_path),
        "mm/dd/yyyy": _values("billing", "subscriptions", "started_on", tmp_path),
        "Mon d, yyyy": _values("billing", "accounts", "created_at", tmp_path),
        "epoch": _values("stripe", "invoices", "created", tmp_path),
    }
    assert all(re.match(r"\d{4}-\d\d-\d\dT", v) for v in formats["iso"])
    dmy = [v.split("/") for v in formats["dd/mm/yyyy"]]
    assert all(len(p) == 3 for p in dmy) and any(int(p[0]) > 12 for p in dmy)  # day first
    mdy = [v.split("/") for v in formats["mm/dd/yyyy"]]
    assert any(int(p[1]) > 12 for p in mdy)  # month first
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", v) for v in formats["Mon d, yyyy"])
    assert all(re.fullmatch(r"1[67]\d{8}", v) for v in formats["epoch"])
    amounts = _values("erp", "AR_INVOICES", "AMT", tmp_path)
    assert any(re.fullmatch(r"\$\d{1,3}(,\d{3})*\.\d\d", a) for a in amounts)
    assert any(re.fullmatch(r"\d{1,3}(\.\d{3})*,\d\d €", a) for a in amounts)
    assert "#VALUE!" in amounts
    stages = set(_values("salesforce", "Opportunity", "StageName", tmp_path))
    assert {"Closed Won", "Closed - Won", "Closed Lost"} <= stages
    for system, name, key, stamp in (("salesforce", "Account", "Id", "SystemModstamp"),
                                     ("erp", "AR_INVOICES", "INV_NO", "LAST_CHG"),
                                     ("hubspot", "companies", "id", "updatedAt")):
        t = table(system, name, tmp_path).to_pylist()
        dups = [k for k, n in Counter(r[key] for r in t).items() if n > 1]
        assert len(dups) >= 2, (system, name)
        for k in dups:  # the later copy carries a different (later) modification stamp
            assert len({r[stamp] for r in t if r[key] == k}) == 2


def test_same_companies_in_at_least_four_systems(tmp_path: Path) -> None:
    """Resolve accounts by domain (else name) the way the RevOps agent does; ≥ 50 companies
    must be found in ≥ 4 of the five business systems."""
    con = duckdb.connect()
    parts = {
        "salesforce": ("Account", "Name", "Website", "NULL"),
        "hubspot": ("companies", "properties.name", "properties.domain", "NULL"),
        "stripe": ("customers", "name", "metadata.domain", "email"),
        "erp": ("CUST_MASTER", "CUST_NAME", "NULL", "NULL"),
        "billing": ("accounts", "account_name", "domain", "NULL"),
    }
    selects = []
    for system, (name, n, d, e) in parts.items():
        con.register(f"t_{system}", table(system, name, tmp_path))
        selects.append(f"SELECT '{system}' AS s, {n} AS name, {d} AS domain, {e} AS email FROM t_{system}")
    con.execute(f"CREATE TABLE a AS SELECT s, {name_key_sql('name')} AS nkey, "
                f"{domain_key_sql('domain', 'email')} AS dkey FROM ({' UNION ALL '.join(selects)})")
    found = con.execute("""
        WITH nd AS (SELECT nkey, min(dkey) AS dkey FROM a WHERE dkey IS NOT NULL GROUP BY nkey
                    HAVING count(DISTINCT dkey) = 1)
        SELECT count(*) FROM (SELECT coalesce(a.dkey, nd.dkey, a.nkey) AS k FROM a LEFT JOIN nd USING (nkey)
                              GROUP BY k HAVING count(DISTINCT s) >= 4)""").fetchall()[0][0]
    assert found >= 50


def test_agents_have_something_to_find(tmp_path: Path) -> None:
    health = table("billing", "account_health", tmp_path).to_pylist()
    latest: dict[int, dict] = {}
    for r in health:
        if r["account_id"] not in latest or r["measured_at"] > latest[r["account_id"]]["measured_at"]:
            latest[r["account_id"]] = r
    red = [r for r in latest.values() if r["health_score"] is not None and r["health_score"] < 40]
    assert len(red) >= 5
    con = duckdb.connect()
    con.register("cur", table("aws", "cost_and_usage_report", tmp_path))
    daily = con.execute('SELECT left("lineItem/UsageStartDate", 10) d, sum("lineItem/UnblendedCost"::DOUBLE) '
                        "FROM cur GROUP BY 1 ORDER BY 1").fetchall()
    assert len(daily) == 30
    median = sorted(v for _, v in daily)[15]
    assert [d for d, v in daily if v > 3 * median] == ["2025-01-17", "2025-01-24"]


def test_generator_is_deterministic(tmp_path: Path) -> None:
    written = generate(tmp_path)
    assert len(written) == 13
    for path in written:
        shipped = DATA_DIR / path.relative_to(tmp_path)
        if path.suffix == ".sqlite":  # the header records the SQLite library version
            dump = lambda p: list(sqlite3.connect(p).iterdump())  # noqa: E731
            assert dump(path) == dump(shipped), path.name
        else:
            assert path.read_bytes() == shipped.read_bytes(), path.name
    assert sum(p.stat().st_size for p in written) < 700_000


def test_pipeline_yaml_and_registration() -> None:
    host = PluginHost(load_entrypoints=False)
    assert host.connector("demo") is DemoConnector
    doc = yaml.safe_load(demo_pipeline_path().read_text())
    assert [s["config"]["system"] for s in doc["sources"]] == list(SYSTEMS)
    assert doc["ontology"] == "crm_finance" and doc["mapping"] == {"accept_threshold": 0.85}
    assert doc["agents"] == ["revops", "finops"]
    from autonomos.core.spec import load_pipeline

    spec = load_pipeline(demo_pipeline_path(), connectors=host.connectors(), agents=host.agents(),
                         ontologies=host.ontologies())
    assert [s.name for s in spec.sources] == list(SYSTEMS)
