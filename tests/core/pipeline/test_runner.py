"""End-to-end runs through the real engine: files → raw → normalized → unified views."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autonomos.core.catalog import TenantCatalog
from autonomos.core.errors import AutonomosError
from autonomos.core.pipeline.runner import Runner
from autonomos.core.spec import load_pipeline, parse_pipeline

ACCOUNTS = """Account_ID,Account_Name,Website,Industry,Annual_Revenue,Billing_Country,Created_Date
A1,Acme Corp,acme.com,Manufacturing,"$1,200,000.00",US,01/15/2023
A2,Globex,globex.io,Energy,"$950,500.00",DE,02/20/2023
A3,Initech,initech.com,Software,"$3,000.00",US,03/01/2023
"""
INVOICES = """invoice_number,customer_id,invoice_date,due_date,total,currency,status
INV-1,A1,2024-01-05,2024-02-04,1200.50,USD,paid
INV-2,A2,2024-01-09,2024-02-08,99.00,EUR,open
INV-3,A1,2024-02-05,2024-03-06,310.00,USD,open
"""


def write_pipeline(tmp_path: Path, body: str, name: str = "pipeline.yaml") -> Path:
    p = tmp_path / name
    p.write_text(body)
    return p


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    d = tmp_path / "crm"
    d.mkdir()
    (d / "accounts.csv").write_text(ACCOUNTS)
    (d / "invoices.csv").write_text(INVOICES)
    return write_pipeline(tmp_path, f"sources:\n  - name: crm\n    connector: files\n    config: {{path: '{d}/*.csv'}}\n")


def run(path: Path, tenant: str = "default") -> object:
    return Runner(TenantCatalog(tenant)).run(load_pipeline(path), base_dir=path.parent, pipeline_name=path.name)


def query(sql: str, tenant: str = "default") -> list[tuple]:
    con = TenantCatalog(tenant).reader()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_files_to_unified_views(crm: Path) -> None:
    result = run(crm)
    assert result.status == "success"
    assert result.stats["tables"] == 2 and result.stats["rows"] == 6
    rows = query("SELECT id, name, domain, annual_revenue, country, _source, _source_table FROM unified.account ORDER BY id")
    assert rows[0][:5] == ("A1", "Acme Corp", "acme.com", 1_200_000, "US")
    assert rows[0][5:] == ("crm", "accounts")
    inv = query("SELECT number, account_id, amount, currency FROM unified.invoice ORDER BY number")
    assert inv[0] == ("INV-1", "A1", 1200.5, "USD")
    events = [e["type"] for e in TenantCatalog("default").meta.events()]
    for t in ("run_started", "new_source", "stage_progress", "mapping_proposed", "views_published", "run_finished"):
        assert t in events


def test_rerun_is_idempotent(crm: Path) -> None:
    run(crm)
    run(crm)
    assert query("SELECT count(*) FROM unified.account") == [(3,)]
    assert query("SELECT count(*) FROM unified.invoice") == [(3,)]


def test_failed_run_keeps_previous_views(crm: Path, tmp_path: Path) -> None:
    run(crm)
    before = query("SELECT count(*) FROM unified.account")
    bad = write_pipeline(tmp_path, "sources:\n  - name: crm\n    connector: files\n    config: {path: /nonexistent/x.csv}\n",
                         "bad.yaml")
    with pytest.raises(AutonomosError, match="nonexistent"):
        run(bad)
    assert query("SELECT count(*) FROM unified.account") == before
    assert [s["name"] for s in TenantCatalog("default").meta.sources()] == ["crm"]
    runs = TenantCatalog("default").meta.runs()
    assert runs[0]["status"] == "failed" and "nonexistent" in runs[0]["error"]


def test_tenants_are_isolated(crm: Path, tmp_path: Path) -> None:
    run(crm, "acme")
    assert query("SELECT count(*) FROM unified.account", "acme") == [(3,)]
    with pytest.raises(AutonomosError, match="nothing published"):
        TenantCatalog("globex").reader()
    a, b = TenantCatalog("acme"), TenantCatalog("globex")
    assert a.root != b.root and a.root.name == str(a.tenant_id)


def test_reader_cannot_touch_files(crm: Path, tmp_path: Path) -> None:
    import duckdb

    run(crm)
    con = TenantCatalog("default").reader()
    with pytest.raises(duckdb.Error):
        con.execute(f"SELECT * FROM read_csv('{tmp_path}/crm/accounts.csv')").fetchall()
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access=true")


def test_incremental_sql_source_with_cursor(tmp_path: Path) -> None:
    db = tmp_path / "billing.sqlite"
    c = sqlite3.connect(db)
    c.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer_id TEXT, amount REAL, updated_at TEXT)")
    c.executemany("INSERT INTO invoices VALUES (?,?,?,?)", [(1, "A1", 10.0, "2024-01-01 00:00:00"),
                                                            (2, "A2", 20.0, "2024-01-02 00:00:00")])
    c.commit()
    p = write_pipeline(tmp_path, f"sources:\n  - name: billing\n    connector: sql\n    config:\n"
                                 f"      url: sqlite:///{db}\n      cursor: {{invoices: updated_at}}\n")
    run(p)
    c.execute("UPDATE invoices SET amount = 25.0, updated_at = '2024-01-03 00:00:00' WHERE id = 2")
    c.execute("INSERT INTO invoices VALUES (3, 'A1', 30.0, '2024-01-04 00:00:00')")
    c.commit()
    result = run(p)
    assert query("SELECT id, amount FROM unified.invoice ORDER BY id") == [("1", 10.0), ("2", 25.0), ("3", 30.0)]
    assert result.stats["deduplicated"] == 1


def _table_files(source: str) -> dict[str, str]:
    return {t["name"]: t["file"] for t in TenantCatalog("default").meta.tables(source)}


def test_unchanged_files_are_not_read_again(crm: Path, tmp_path: Path) -> None:
    """Issue 9, item 6: a re-run over unchanged files reuses their typed tables (same file, no
    discovery), a touched but identical file too (its SHA-1), and a glob that gained a file
    loads only that file; a changed file, a changed config or --full-refresh reads again."""
    first = run(crm)
    files = _table_files("crm")
    again = run(crm)
    assert again.stats["unchanged"] == 2 and _table_files("crm") == files
    assert any("crm: 2 of 2 table(s) unchanged" in n for n in again.stats["notes"])
    assert query("SELECT count(*) FROM unified.account") == [(3,)] and again.stats["rows"] == first.stats["rows"]
    accounts = tmp_path / "crm" / "accounts.csv"
    os.utime(accounts, ns=(accounts.stat().st_atime_ns, accounts.stat().st_mtime_ns + 10**9))  # touched only
    assert run(crm).stats["unchanged"] == 2 and _table_files("crm") == files
    (tmp_path / "crm" / "contacts.csv").write_text("contact_id,first_name,email\nC1,Ada,ada@acme.com\n")
    gained = run(crm)
    assert gained.stats["unchanged"] == 2 and set(_table_files("crm")) == {"accounts", "invoices", "contacts"}
    accounts.write_text(ACCOUNTS + "A4,Umbrella,umbrella.com,Biotech,$10.00,US,04/01/2023\n")
    changed = run(crm)
    assert changed.stats["unchanged"] == 2 and _table_files("crm")["accounts"] != files["accounts"]
    assert query("SELECT count(*) FROM unified.account") == [(4,)]
    pk = write_pipeline(tmp_path, f"sources:\n  - name: crm\n    connector: files\n    config: "
                                  f"{{path: '{tmp_path}/crm/*.csv', primary_key: {{accounts: [Account_ID]}}}}\n", "pk.yaml")
    assert run(pk).stats.get("unchanged", 0) == 0  # another config: every table typed again
    assert run(pk).stats["unchanged"] == 3
    full = Runner(TenantCatalog("default")).run(load_pipeline(pk), base_dir=tmp_path, full_refresh=True)
    assert full.stats["unchanged"] == 0


def test_an_incremental_table_with_no_new_rows_is_not_normalized_again(tmp_path: Path) -> None:
    """Issue 9, item 6: the boundary rows a ``>=`` cursor reads again are exact copies, so they
    are dropped and the table received nothing: its typed table is reused. A row committed
    later arrives; rows a failed run appended are not skipped by the next one."""
    db = tmp_path / "billing.sqlite"
    c = sqlite3.connect(db)
    c.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer_id TEXT, amount REAL, updated_at TEXT)")
    c.executemany("INSERT INTO invoices VALUES (?,?,?,?)", [(i, f"A{i % 7}", i * 1.5, f"2024-01-0{1 + i % 3} 00:00:00")
                                                            for i in range(1, 301)])
    c.commit()
    p = write_pipeline(tmp_path, f"sources:\n  - name: billing\n    connector: sql\n    config:\n"
                                 f"      url: sqlite:///{db}\n      cursor: {{invoices: updated_at}}\n")
    run(p)
    files = _table_files("billing")
    again = run(p)
    assert again.stats["unchanged"] == 1 and _table_files("billing") == files and again.stats["deduplicated"] == 0
    c.execute("INSERT INTO invoices VALUES (1000, 'A1', 5.0, '2024-01-03 00:00:00')")  # late, at the boundary value
    c.commit()
    late = run(p)
    assert late.stats.get("unchanged", 0) == 0 and late.stats["deduplicated"] == 0
    assert query("SELECT count(*) FROM src_billing.invoices") == [(301,)]
    # a run that appends a row and then fails publishes nothing; the next run must still type it
    c.execute("INSERT INTO invoices VALUES (1001, 'A2', 6.0, '2024-01-04 00:00:00')")
    c.commit()
    broken = write_pipeline(tmp_path, f"sources:\n  - name: billing\n    connector: sql\n    config:\n"
                                      f"      url: sqlite:///{db}\n      cursor: {{invoices: updated_at}}\n"
                                      f"  - name: gone\n    connector: files\n    config: {{path: '{tmp_path}/nothing.csv'}}\n",
                            "broken.yaml")
    with pytest.raises(AutonomosError):
        run(broken)
    after = run(p)
    assert after.stats.get("unchanged", 0) == 0 and query("SELECT count(*) FROM src_billing.invoices") == [(302,)]
    assert run(p).stats["unchanged"] == 1


def test_a_database_primary_key_is_trusted_and_a_configured_one_deduplicates(tmp_path: Path) -> None:
    """A full read of a table with a PRIMARY KEY constraint holds each key once: normalize types it
    in one pass with no dedup (``unique_key``). A key named in the config is no such promise."""
    db = tmp_path / "shop.sqlite"
    c = sqlite3.connect(db)
    c.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
    c.execute("CREATE TABLE lines (order_id INTEGER, sku TEXT)")
    c.executemany("INSERT INTO orders VALUES (?, ?)", [(i, i * 2.0) for i in range(1, 51)])
    c.executemany("INSERT INTO lines VALUES (?, ?)", [(i // 2, f"S{i}") for i in range(40)])
    c.commit()
    from autonomos.connectors.sql import SqlConnector
    from autonomos.core.connector import ConnectorContext
    from autonomos.core.serde import structure

    ctx = ConnectorContext(source_name="shop", work_dir=tmp_path / "w")
    found = {t.name: t for t in SqlConnector(structure({"url": f"sqlite:///{db}", "primary_key": {"lines": ["order_id"]}},
                                                        SqlConnector.Config), ctx).discover()}
    assert found["orders"].unique_key and found["orders"].primary_key == ["id"]
    assert found["lines"].primary_key == ["order_id"] and not found["lines"].unique_key
    p = write_pipeline(tmp_path, f"sources:\n  - name: shop\n    connector: sql\n    config:\n      url: sqlite:///{db}\n"
                                 f"      primary_key: {{lines: [order_id]}}\n")
    result = run(p)
    assert query("SELECT count(*) FROM src_shop.orders") == [(50,)]
    assert query("SELECT count(*) FROM src_shop.lines") == [(20,)] and result.stats["deduplicated"] == 20


def test_schema_drift_is_detected(crm: Path, tmp_path: Path) -> None:
    run(crm)
    (tmp_path / "crm" / "accounts.csv").write_text(ACCOUNTS.replace("Billing_Country", "Billing_Country_Code")
                                                   .replace(",Created_Date", ",Created_Date,Tier")
                                                   .replace("01/15/2023\n", "01/15/2023,gold\n")
                                                   .replace("02/20/2023\n", "02/20/2023,silver\n")
                                                   .replace("03/01/2023\n", "03/01/2023,gold\n"))
    run(crm)
    drift = [e["data"] for e in TenantCatalog("default").meta.events() if e["type"] == "schema_drift"]
    assert len(drift) == 1
    assert drift[0]["table"] == "accounts" and drift[0]["added"] == ["tier"]
    assert drift[0]["renamed"][0]["from"] == "billing_country" and drift[0]["renamed"][0]["to"] == "billing_country_code"


def _second_pipeline(tmp_path: Path) -> Path:
    other = tmp_path / "companies.csv"
    other.write_text("company_id,company_name,website,industry,employees\n1,Hooli,hooli.com,Software,120\n")
    return write_pipeline(tmp_path, f"sources:\n  - name: other\n    connector: files\n    config: {{path: '{other}'}}\n",
                          "p2.yaml")


def test_a_run_replaces_only_what_it_owns(crm: Path, tmp_path: Path) -> None:
    """Issue 9, item 1: running one pipeline deleted every other source's data. Two pipelines run
    one after the other both stay in the views; running the first again changes only its own."""
    run(crm)
    run(_second_pipeline(tmp_path))
    assert query("SELECT DISTINCT _source FROM unified.account ORDER BY 1") == [("crm",), ("other",)]
    assert {s["name"] for s in TenantCatalog("default").meta.sources()} == {"crm", "other"}
    run(crm)
    assert query("SELECT _source, count(*) FROM unified.account GROUP BY 1 ORDER BY 1") == [("crm", 3), ("other", 1)]
    types = [e["type"] for e in TenantCatalog("default").meta.events()]
    assert "source_removed" not in types


def test_an_exclusive_run_and_an_explicit_removal_remove_sources(crm: Path, tmp_path: Path) -> None:
    run(crm)
    p2 = _second_pipeline(tmp_path)
    Runner(TenantCatalog("default")).run(load_pipeline(p2), base_dir=tmp_path, exclusive=True)
    types = [(e["type"], e["data"].get("source")) for e in TenantCatalog("default").meta.events()]
    assert ("source_removed", "crm") in types
    assert query("SELECT DISTINCT _source FROM unified.account") == [("other",)]
    run(crm)
    manifest = Runner(TenantCatalog("default")).remove_sources(["crm", "never-connected"])
    assert manifest is not None and query("SELECT DISTINCT _source FROM unified.account") == [("other",)]
    assert [r[0] for r in query("SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_schema LIKE 'src_%'")
            ] == ["src_other"]
    assert Runner(TenantCatalog("default")).remove_sources(["crm"]) is None  # already gone: nothing to do


def test_an_implicit_key_that_is_not_unique_loses_no_rows(tmp_path: Path) -> None:
    """Issue 9, item 5: a shop's supplies table, one row per id and sku (65 rows, 29 ids), was
    published as 29 rows with "0 rejected". A guessed key dedups only when it is unique."""
    lines = ["id,sku,cost"] + [f"{i // 3},SKU-{i},{i}.50" for i in range(65)]
    (tmp_path / "supplies.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "products.csv").write_text("id,name\n1,Chair\n2,Desk\n3,Lamp\n")  # unique ids: the key is used
    p = write_pipeline(tmp_path, f"sources:\n  - name: shop\n    connector: files\n    config: {{path: '{tmp_path}/*.csv'}}\n")
    result = run(p)
    assert query("SELECT count(*) FROM src_shop.supplies") == [(65,)]
    assert result.stats["deduplicated"] == 0
    notes = result.stats["notes"]
    assert len(notes) == 1 and "supplies" in notes[0] and "id" in notes[0] and "65 rows share 22" in notes[0], notes
    table = next(t for t in TenantCatalog("default").meta.tables() if t["name"] == "supplies")
    assert table["primary_key"] == []
    # a declared key still dedups, and says so in the count
    p2 = write_pipeline(tmp_path, f"sources:\n  - name: shop\n    connector: files\n    config: {{path: '{tmp_path}/supplies.csv', "
                                  f"primary_key: [id]}}\n", "p2.yaml")
    declared = run(p2)
    assert query("SELECT count(*) FROM src_shop.supplies") == [(22,)] and declared.stats["deduplicated"] == 43


def test_ragged_rows_are_kept_queryable_and_reported(tmp_path: Path) -> None:
    """Issue 9, item 3: a row with fewer cells than the header keeps them (the rest null), a row
    with more keeps the surplus in ``_extra``; the run says how many, and ``_extra`` is never
    mapped onto an entity. ``bad_rows: quarantine`` still sets such rows aside."""
    (tmp_path / "customers.csv").write_text(
        "id,name,email\n1,Ada,ada@x.io\n2,Bob,bob@x.io,VIP,since 2019\n3,Cy\n4,Di,di@x.io\n")
    p = write_pipeline(tmp_path, f"sources:\n  - name: crm\n    connector: files\n    config: {{path: '{tmp_path}/customers.csv'}}\n")
    result = run(p)
    assert query("SELECT id, email, _extra FROM src_crm.customers ORDER BY id") == [
        (1, "ada@x.io", None), (2, "bob@x.io", ["VIP", "since 2019"]), (3, None, None), (4, "di@x.io", None)]
    assert result.stats["rejected"] == 0
    assert any("customers.csv: 2 row(s)" in n and "_extra" in n for n in result.stats["notes"]), result.stats["notes"]
    assert query("SELECT count(*) FROM unified.account") == [(4,)]
    mapped = [c[0] for c in query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'unified'")]
    assert "name" in mapped and not any("extra" in c for c in mapped)
    q = write_pipeline(tmp_path, f"bad_rows: quarantine\nsources:\n  - name: crm\n    connector: files\n"
                                 f"    config: {{path: '{tmp_path}/customers.csv'}}\n", "q.yaml")
    assert run(q).stats["rejected"] == 2 and query("SELECT count(*) FROM src_crm.customers") == [(2,)]


def test_a_bad_cell_costs_its_value_not_its_row(tmp_path: Path) -> None:
    """Issue 9, item 3: weather.csv lost 7 of 366 rows because precipitation holds "T" (trace)
    beside numbers. Now the row stays with that cell null, and the value and why are queryable;
    a column mostly not of its type stays text; ``bad_rows: quarantine`` still sets rows aside."""
    lines = ["day,precipitation,station"] + [f"{d},{'T' if d % 30 == 0 else d / 10},{'X' if d % 2 else d}"
                                             for d in range(1, 61)]
    (tmp_path / "weather.csv").write_text("\n".join(lines) + "\n")
    p = write_pipeline(tmp_path, f"sources:\n  - name: csv\n    connector: files\n    config: {{path: '{tmp_path}/weather.csv'}}\n")
    result = run(p)
    assert query("SELECT count(*), count(precipitation) FROM src_csv.weather") == [(60, 58)]
    assert result.stats["rejected"] == 0 and result.stats["bad_cells"] == 2
    cells = query("SELECT reason, raw FROM src_csv._rejected")
    assert all(r[0].startswith("kept, value set to null: precipitation: cannot read T as DECIMAL") for r in cells)
    # a file scanned directly has no row numbers; the row's other typed values name it
    assert sorted((json.loads(r[1])["day"], json.loads(r[1])["precipitation"]) for r in cells) == [("30", "T"),
                                                                                                 ("60", "T")]
    types = dict(query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'src_csv'"
                       " AND table_name = 'weather'"))
    assert types["precipitation"].startswith("DECIMAL") and types["station"] == "VARCHAR"  # half text: stays text
    quarantined = Runner(TenantCatalog("strict")).run(parse_pipeline(p.read_text().replace(
        "sources:", "bad_rows: quarantine\nsources:"), str(p)), base_dir=tmp_path)
    assert quarantined.stats["rejected"] == 2 and query("SELECT count(*) FROM src_csv.weather", "strict") == [(58,)]


def test_review_decision_republishes_views(crm: Path) -> None:
    from autonomos.core.review import decide

    run(crm)
    cat = TenantCatalog("default")
    industry = [m for m in cat.meta.mappings() if m["field"] == "industry"][0]
    decide(cat, industry["id"], "reject")
    assert query("SELECT count(industry) FROM unified.account") == [(0,)]
    decide(cat, industry["id"], "edit", "account.industry")
    assert query("SELECT count(industry) FROM unified.account") == [(3,)]


def test_money_in_minor_units_is_published_in_major_units(tmp_path: Path) -> None:
    """A column named for its minor unit (``total_in_cents``) lands in the view divided back:
    invoice amounts from a billing API are comparable with everyone else's."""
    d = tmp_path / "billing"
    d.mkdir()
    (d / "invoices.csv").write_text("invoice_number,customer_id,invoice_date,total_in_cents,currency\n"
                                    "B-1,A1,2024-01-05,120050,USD\nB-2,A2,2024-01-09,9900,EUR\n")
    p = write_pipeline(tmp_path, f"sources:\n  - name: billing\n    connector: files\n    config: {{path: '{d}/invoices.csv'}}\n"
                                 "mapping:\n  overrides: {'billing.invoices.total_in_cents': 'invoice.amount'}\n")
    assert run(p).status == "success"
    assert query("SELECT number, amount FROM unified.invoice ORDER BY number") == [("B-1", 1200.5), ("B-2", 99.0)]


def test_overrides_win(crm: Path, tmp_path: Path) -> None:
    text = crm.read_text() + "mapping:\n  overrides: {'crm.accounts.website': null, 'crm.accounts.industry': 'account.owner'}\n"
    p = write_pipeline(tmp_path, text, "ov.yaml")
    run(p)
    assert query("SELECT count(domain), count(owner), count(industry) FROM unified.account") == [(0, 3, 0)]


WRITER = """
import sys
from pathlib import Path
from autonomos.core.catalog import TenantCatalog
from autonomos.core.pipeline.runner import Runner
from autonomos.core.spec import load_pipeline
p = Path(sys.argv[1])
for _ in range(int(sys.argv[2])):
    Runner(TenantCatalog("default")).run(load_pipeline(p), base_dir=p.parent)
"""

READER = """
import sys, time
from autonomos.core.catalog import TenantCatalog
seen, errors, end = set(), 0, time.time() + float(sys.argv[1])
while time.time() < end:
    con = TenantCatalog("default").reader()
    try:
        seen.add(con.execute("SELECT count(*) FROM unified.invoice").fetchall()[0][0])
    finally:
        con.close()
print(sorted(seen))
"""


def _big_invoices(path: Path, rows: int) -> None:
    import duckdb

    duckdb.connect().execute(
        f"COPY (SELECT 'INV-' || i AS invoice_number, 'A' || (i % 50) AS customer_id, DATE '2024-01-01' + CAST(i % 300 AS INTEGER) AS invoice_date,"
        f" '$' || format('{{:,.2f}}', i / 7.0) AS total, 'USD' AS currency FROM range({rows}) t(i)) TO '{path}' (HEADER)")


def test_concurrent_reader_process_against_running_writer(tmp_path: Path) -> None:
    csv = tmp_path / "invoices.csv"
    _big_invoices(csv, 200_000)
    p = write_pipeline(tmp_path, f"sources:\n  - name: erp\n    connector: files\n    config: {{path: '{csv}'}}\n")
    run(p)
    env = {**os.environ}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(p), "3"], env=env, stderr=subprocess.PIPE, text=True)
    reader = subprocess.run([sys.executable, "-c", READER, "6"], env=env, capture_output=True, text=True, timeout=120)
    assert writer.wait(timeout=180) == 0, writer.stderr.read()
    assert reader.returncode == 0, reader.stderr
    assert json.loads(reader.stdout) == [200_000]  # every read saw a complete, published state


def test_killed_run_leaves_views_intact(tmp_path: Path) -> None:
    csv = tmp_path / "invoices.csv"
    _big_invoices(csv, 300_000)
    p = write_pipeline(tmp_path, f"sources:\n  - name: erp\n    connector: files\n    config: {{path: '{csv}'}}\n")
    run(p)
    version = TenantCatalog("default").current_manifest()["version"]
    _big_invoices(csv, 600_000)
    tables = TenantCatalog("default").root / "tables"
    before = set(tables.glob("*.duckdb"))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(p), "1"], env={**os.environ})
    deadline = time.time() + 60
    while not (set(tables.glob("*.duckdb")) - before) and time.time() < deadline:
        time.sleep(0.005)  # kill it while it writes its new table file: mid-run for sure
    assert writer.poll() is None, "the run ended before it could be killed"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert TenantCatalog("default").current_manifest()["version"] == version
    assert query("SELECT count(*) FROM unified.invoice") == [(300_000,)]
    assert run(p).status == "success"  # the lock died with the process; the next run works
    assert query("SELECT count(*) FROM unified.invoice") == [(600_000,)]


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    p = write_pipeline(tmp_path, "sources:\n  - name: crm\n    connector: filez\n    config: {}\n")
    with pytest.raises(AutonomosError, match=r"pipeline.yaml:3: sources\[0\].connector: unknown connector 'filez'"):
        load_pipeline(p)


def test_parse_pipeline_roundtrip() -> None:
    spec = parse_pipeline("sources: [{name: s, connector: files, config: {path: x.csv}}]\nagents: [revops]\n")
    assert spec.sources[0].name == "s" and spec.agents == ["revops"]


def test_a_mapping_id_keeps_naming_its_field_across_runs(crm: Path, tmp_path: Path) -> None:
    """Issue 12, item 1: review ids were SQLite rowids re-created on every run, so an id read
    from the queue before a run could name another field after it. Now a field keeps its id;
    a new column gets a new one and a removed column's id goes."""
    from autonomos.core.review import decide

    def ids() -> dict[tuple[str, str], int]:
        return {(m["tbl"], m["field"]): m["id"] for m in TenantCatalog("default").meta.mappings()}

    run(crm)
    before = ids()
    full = Runner(TenantCatalog("default")).run(load_pipeline(crm), base_dir=crm.parent, full_refresh=True)
    assert full.stats["unchanged"] == 0 and ids() == before  # mapped again from scratch: same ids
    accounts = tmp_path / "crm" / "accounts.csv"
    accounts.write_text(ACCOUNTS.replace("Industry,", "Segment,", 1))  # a column renamed
    run(crm)
    after = ids()
    assert {k: v for k, v in after.items() if k != ("accounts", "segment")} == \
        {k: v for k, v in before.items() if k != ("accounts", "industry")}
    assert ("accounts", "industry") not in after and after[("accounts", "segment")] not in before.values()
    website = after[("accounts", "website")]
    decide(TenantCatalog("default"), website, "reject", actor="test")
    run(crm)
    assert ids()[("accounts", "website")] == website
    assert TenantCatalog("default").meta.mapping(website)["field"] == "website"


def test_an_entity_without_its_defining_field_waits_for_review(tmp_path: Path) -> None:
    """Issue 12, item 2: a customers table taken for `account` with no field accepted as its
    name published `unified.account` with name null on every row. Now the table waits for
    review, saying why; mapping a column to account.name lets its confident fields in at once."""
    from autonomos.core.review import decide

    d = tmp_path / "shop"
    d.mkdir()
    (d / "customers.csv").write_text("customer_id,website,phone,country,label_txt\n"
                                     "C1,acme.com,+1 555 0100,US,Acme\nC2,globex.io,+49 30 1234,DE,Globex\n")
    spec = write_pipeline(tmp_path, f"sources:\n  - name: shop\n    connector: files\n    config: {{path: '{d}/*.csv'}}\n")
    result = run(spec)
    rows = {m["field"]: m for m in TenantCatalog("default").meta.mappings()}
    assert result.stats["mapped_fields"] == 0 and rows["website"]["canonical"] == "domain"
    assert rows["website"]["status"] == "review" and "account needs name" in rows["website"]["reason"]
    assert TenantCatalog("default").reader().execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'account'").fetchone() == (0,)
    decide(TenantCatalog("default"), rows["label_txt"]["id"], "edit", "account.name", actor="test")
    after = {m["field"]: m for m in TenantCatalog("default").meta.mappings()}
    assert after["website"]["status"] == "accepted" and "needs name" not in (after["website"]["reason"] or "")
    assert query("SELECT id, name, domain FROM unified.account ORDER BY id") == [
        ("C1", "Acme", "acme.com"), ("C2", "Globex", "globex.io")]
    again = run(spec)  # the decision is remembered: the table stays published
    assert again.stats["mapped_fields"] >= 4 and query("SELECT count(*) FROM unified.account") == [(2,)]
