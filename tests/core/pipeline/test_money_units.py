"""Money in the unified views is in major units with one spelling per currency (issue 13: the
demo's unified invoice view put Stripe's `total` 19600 — cents — beside dollars, and `usd` beside
`USD`). Stripe's API documents every amount in the smallest unit; the demo connector says so on
its fields (Field.minor_units), and Unify divides; currency codes are upper-cased."""

from __future__ import annotations

import json
from pathlib import Path

from autonomos.connectors.demo import DATA_DIR
from autonomos.core.catalog import TenantCatalog
from autonomos.core.pipeline.runner import Runner
from autonomos.core.spec import load_pipeline


def test_stripe_cents_become_units_and_currency_codes_one_spelling(tmp_path: Path) -> None:
    (tmp_path / "ledger.csv").write_text("invoice_id,customer_id,amount,currency\nL-1,C-1,120.50,usd\nL-2,C-2,99.00,Eur \n")
    path = tmp_path / "pipeline.yaml"
    path.write_text("sources:\n"
                    "  - {name: stripe, connector: demo, config: {system: stripe}}\n"
                    "  - {name: ledger, connector: files, config: {path: ledger.csv}}\n"
                    "mapping:\n  overrides: {ledger.ledger.amount: invoice.amount, ledger.ledger.currency: invoice.currency,\n"
                    "              ledger.ledger.invoice_id: invoice.id, ledger.ledger.customer_id: invoice.account_id}\n")
    catalog = TenantCatalog("money")
    Runner(catalog).run(load_pipeline(path), base_dir=tmp_path)
    raw = json.loads((DATA_DIR / "stripe" / "invoices.json").read_text())["data"][0]
    con = catalog.reader()
    try:
        amount, currency = con.execute("SELECT amount, currency FROM unified.invoice WHERE _source = 'stripe' AND id = ?",
                                       [raw["id"]]).fetchone()
        codes = {c for (c,) in con.execute("SELECT DISTINCT currency FROM unified.invoice").fetchall()}
        ledger = con.execute("SELECT id, amount, currency FROM unified.invoice WHERE _source = 'ledger' ORDER BY id").fetchall()
    finally:
        con.close()
    assert float(amount) == raw["total"] / 100 and currency == raw["currency"].upper()
    assert codes == {c.upper() for c in codes} and "USD" in codes
    assert [(i, float(a), c) for i, a, c in ledger] == [("L-1", 120.5, "USD"), ("L-2", 99.0, "EUR")]
    schema = {f["name"]: f.get("minor_units") for f in catalog.meta.table("stripe", "invoices")["schema"]}
    assert schema["total"] == 100 and schema["currency"] is None
