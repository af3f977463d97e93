"""Normalize in real DuckDB: names, types, flattening, dedup, quarantine and the fail policy."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from autonomos.core.errors import BadRowsError
from autonomos.core.pipeline.normalize import normalize_table, snake_case

ROWS = """
('1','Acme Corp','$1,234.50','01/15/2024','2024-01-05T10:00:00Z', {'city':'Paris','zip':'75001'}),
('2','Globex','$99.00','02/20/2024','2024-01-06T10:00:00Z', {'city':'Berlin','zip':'10115'}),
('2','Globex Inc','$100.00','02/21/2024','2024-01-07T10:00:00Z', {'city':'Berlin','zip':'10115'}),
('3','Initech','N/A','03/45/2024','2024-01-08T10:00:00Z', {'city':null,'zip':null}),
('4','Umbrella','oops','03/01/2024','2024-01-09T10:00:00Z', {'city':'Rome','zip':'00100'})
""" + "".join(f",('{i}','Hooli {i}','$5.00','03/02/2024','2024-01-09T10:00:00Z', {{'city':'Rome','zip':'00100'}})\n"
               for i in range(5, 15))


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("SET TimeZone='UTC'")
    c.execute(f"""CREATE TABLE raw AS SELECT *, now()::TIMESTAMP AS _loaded_at, 'b1' AS _batch_id FROM (VALUES {ROWS})
                  t("Id", "AccountName", "AnnualRevenue", "CloseDate", "LastModifiedDate", "billing")""")
    c.execute(f"ATTACH '{tmp_path / 'out.duckdb'}' AS o")
    return c


@pytest.mark.parametrize("raw, snake", [
    ("BillingCity", "billing_city"), ("lineItem/UnblendedCost", "line_item__unblended_cost"),
    ("CUST_NO", "cust_no"), ("Account Name", "account_name"), ("HTTPStatusCode", "http_status_code"),
    ("2fa enabled", "c_2fa_enabled"), ("properties.domain", "properties__domain"), ("  ", "column"),
])
def test_snake_case(raw: str, snake: str) -> None:
    assert snake_case(raw) == snake


def test_normalize_types_flattens_dedups_and_quarantines(con: duckdb.DuckDBPyConnection) -> None:
    r = normalize_table(con, "raw", "o", "sf", "Account", [], "quarantine")
    types = {f.name: f.type for f in r.fields}
    assert types == {"id": "BIGINT", "account_name": "VARCHAR", "annual_revenue": "DECIMAL(18,2)",
                     "close_date": "DATE", "last_modified_date": "TIMESTAMP", "billing__city": "VARCHAR",
                     "billing__zip": "VARCHAR"}
    # id 2 twice in one load: a column merely named id is no key then (issue 9, item 5)
    assert r.primary_key == [] and r.deduplicated == 0 and "2 rows share 1" in r.notes[0]
    assert r.rejected_count == 2  # an impossible date, an unreadable amount ("N/A" alone is a null)
    assert r.row_count == 15 - 2
    reasons = [row[0] for row in con.execute("SELECT reason FROM o.rejected ORDER BY _row").fetchall()]
    assert reasons == ["close_date: cannot read 03/45/2024 as DATE", "annual_revenue: cannot read oops as DECIMAL(18,2)"]
    cols = [d[0] for d in con.execute("SELECT * FROM o.data LIMIT 0").description]
    assert cols[-2:] == ["_loaded_at", "_batch_id"]  # _source, _source_table: constants the views add


def test_fail_policy_names_the_row(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(BadRowsError, match=r"accounts.csv: row 4: close_date: cannot read 03/45/2024 as DATE"):
        normalize_table(con, "raw", "o", "sf", "Account", [], "fail", location="accounts.csv")


def test_a_declared_key_dedups_and_the_latest_version_wins(con: duckdb.DuckDBPyConnection) -> None:
    r = normalize_table(con, "raw", "o", "sf", "Account", ["Id"], "quarantine")
    assert r.primary_key == ["id"] and r.notes == []
    assert r.deduplicated == 1  # id 2 twice: the later LastModifiedDate wins
    assert r.row_count == 15 - 2 - 1
    assert con.execute("SELECT account_name FROM o.data WHERE id = 2").fetchall() == [("Globex Inc",)]


def test_a_unique_implicit_key_is_used(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM raw WHERE \"AccountName\" = 'Globex'")
    r = normalize_table(con, "raw", "o", "sf", "Account", [], "quarantine")
    assert r.primary_key == ["id"] and r.notes == [] and r.deduplicated == 0


def test_declared_primary_key_wins(con: duckdb.DuckDBPyConnection) -> None:
    r = normalize_table(con, "raw", "o", "sf", "Account", ["AccountName"], "quarantine")
    assert r.primary_key == ["account_name"] and r.deduplicated == 0


def test_a_deleted_marker_keeps_its_name_and_the_tombstone_wins(tmp_path: Path) -> None:
    """``_deleted`` (a connector's tombstone marker) stays a BOOLEAN of that name; the latest row
    per key is kept even when it is the tombstone, and unify leaves it out of the view."""
    from autonomos.core.models import Entity, OntologyField
    from autonomos.core.pipeline.unify import MappedTable, table_select

    c = duckdb.connect()
    c.execute("CREATE TABLE raw AS SELECT * FROM (VALUES ('1', 'Acme', false, TIMESTAMP '2024-01-01', 'b1'), "
              "('2', 'Globex', false, TIMESTAMP '2024-01-01', 'b1'), ('2', 'Globex', true, TIMESTAMP '2024-01-02', 'b2')) "
              "t(\"Id\", \"Name\", _deleted, _loaded_at, _batch_id)")
    c.execute(f"ATTACH '{tmp_path / 'out.duckdb'}' AS o")
    result = normalize_table(c, "raw", "o", "crm", "account", ["Id"])
    types = {f.name: f.type for f in result.fields}
    assert types["_deleted"] == "BOOLEAN" and "deleted" not in types
    assert c.execute("SELECT id, _deleted FROM o.data ORDER BY id").fetchall() == [(1, False), (2, True)]
    entity = Entity("account", [OntologyField("name", "VARCHAR")])
    table = MappedTable(alias="o", source="crm", table="account", entity="account", field_types=types,
                        mapping={"name": "name"}, primary_key=["id"])
    assert c.execute(table_select(entity, table)).fetchall()[0][0] == "Acme"
    assert len(c.execute(table_select(entity, table)).fetchall()) == 1
