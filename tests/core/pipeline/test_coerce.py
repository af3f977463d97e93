"""Type inference for text columns, and the SQL each parser produces, run in real DuckDB."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from autonomos.core.pipeline.coerce import cast_to_canonical, infer_parser


@pytest.mark.parametrize(
    "name, values, type_, kind",
    [
        ("amount", ["$1,234.50", "$12.00", "($5.00)"], "DECIMAL(18,2)", "money_us"),
        ("amount", ["1.234,50 €", "12,00 €"], "DECIMAL(18,2)", "money_eu"),
        ("close", ["01/15/2024", "02/20/2024"], "DATE", "date"),
        ("close", ["15/01/2024", "20/02/2024"], "DATE", "date"),
        ("close", ["Jan 5, 2025", "Feb 11, 2025"], "DATE", "date"),
        ("born", ["Jan 1 2000", "Feb 29 2000"], "DATE", "date"),  # month names without a comma
        ("born", ["January 1 2000", "March 12 2001"], "DATE", "date"),
        ("born", ["1 January 2000", "12 March 2001"], "DATE", "date"),
        ("ts", ["2024-01-02T10:00:00Z", "2024-01-03T11:00:00+02:00"], "TIMESTAMP", "tstz"),
        ("ts", ["2024-01-02 10:00:00", "2024-01-03"], "TIMESTAMP", "timestamp"),
        ("created", ["1700000000", "1700086400"], "TIMESTAMP", "epoch_s"),
        ("qty", ["1", "22", "-3"], "BIGINT", "int"),
        ("ratio", ["0.1", "2.5e3"], "DOUBLE", "double"),
        ("active", ["yes", "no", "Yes"], "BOOLEAN", "boolean"),
        ("zip", ["02134", "10001"], "VARCHAR", "varchar"),
        ("name", ["Acme", "Globex"], "VARCHAR", "varchar"),
        ("empty", [None, "", "N/A"], "VARCHAR", "varchar"),
    ],
)
def test_infer_parser(name: str, values: list, type_: str, kind: str) -> None:
    p = infer_parser(name, values)
    assert (p.type, p.kind) == (type_, kind)


def test_parsers_run_in_duckdb() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")

    def run(name: str, values: list[str]) -> list:
        p = infer_parser(name, values)
        rows = con.execute(f"SELECT {p.sql('v')} FROM (SELECT unnest(?) AS v)", [values]).fetchall()
        return [r[0] for r in rows]

    assert run("amt", ["$1,234.50", "($5.00)", "$0.99"]) == [Decimal("1234.50"), Decimal("-5.00"), Decimal("0.99")]
    assert run("amt", ["1.234,50 €", "12,00 €"]) == [Decimal("1234.50"), Decimal("12.00")]
    assert run("d", ["15/01/2024", "20/02/2024"]) == [dt.date(2024, 1, 15), dt.date(2024, 2, 20)]
    assert run("t", ["2024-01-02T10:00:00Z", "2024-01-02T12:00:00+02:00"]) == [dt.datetime(2024, 1, 2, 10)] * 2
    assert run("created_at", ["1700000000"]) == [dt.datetime(2023, 11, 14, 22, 13, 20)]
    assert run("flag", ["Y", "n", "yes"]) == [True, False, True]
    assert run("born", ["Jan 1 2000", "Dec 31 1999"]) == [dt.date(2000, 1, 1), dt.date(1999, 12, 31)]
    assert run("born", ["1 January 2000", "3 September 2002"]) == [dt.date(2000, 1, 1), dt.date(2002, 9, 3)]


def test_cast_to_canonical_parses_text() -> None:
    con = duckdb.connect()
    sql = cast_to_canonical("v", "VARCHAR", "DECIMAL(18,2)", ["$1,200.00", "$3.50"])
    assert con.execute(f"SELECT {sql} FROM (SELECT '$1,200.00' AS v)").fetchall() == [(Decimal("1200.00"),)]
    sql = cast_to_canonical("v", "DATE", "TIMESTAMP")
    assert con.execute(f"SELECT {sql} FROM (SELECT DATE '2024-01-02' AS v)").fetchall() == [(dt.datetime(2024, 1, 2),)]
