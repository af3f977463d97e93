"""Issue 9, item 1: approving a mapping in the console published an all-null column.

Review → approve ``AR_INVOICES.amt → invoice.amount`` made the view ``TRY_CAST("amt" AS
DECIMAL(18,2))`` over "$15,723.93" and "3.704,31 €" alike, and 0 of 188 amounts survived. Every path
that republishes (CLI review, API review, bulk review, a run) builds the view SQL through the same
``entity_views`` and ``cast_to_canonical``; here the CLI and the API approve the same mapping on
two copies of one catalog, and the views must be the same, with the amounts read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autonomos.core.catalog import TenantCatalog
from autonomos.server.dcl import service


def _cli(data_dir: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "autonomos.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "AUTONOMOS_DATA_DIR": str(data_dir), "COLUMNS": "200"}, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _amounts(data_dir: Path) -> list[tuple]:
    con = TenantCatalog("default", data_dir).reader()
    try:
        return con.execute("SELECT number, amount FROM unified.invoice WHERE _source = 'erp' ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_cli_and_api_approval_publish_the_same_parsed_view(tmp_path: Path) -> None:
    cli_dir, api_dir = tmp_path / "cli", tmp_path / "api"
    _cli(cli_dir, "demo", "--json")
    shutil.copytree(cli_dir, api_dir)
    queue = json.loads(_cli(cli_dir, "review", "list", "--json"))
    amt = next(m for m in queue if (m["tbl"], m["field"]) == ("AR_INVOICES", "amt"))
    assert amt["canonical"] == "amount"

    _cli(cli_dir, "review", "approve", str(amt["id"]))
    service.decide_one(TenantCatalog("default", api_dir), amt["id"], "approve", None, "console")

    cli_rows, api_rows = _amounts(cli_dir), _amounts(api_dir)
    assert cli_rows == api_rows
    read = [a for _, a in cli_rows if a is not None]
    assert len(cli_rows) > 100 and len(read) >= len(cli_rows) - 2, (len(read), len(cli_rows))
    assert all(a > 0 for a in read)
    # both conventions are in the column, and each value is read by its own
    con = TenantCatalog("default", cli_dir).reader()
    try:
        pairs = con.execute('SELECT r.amt, v.amount FROM src_erp."AR_INVOICES" r JOIN unified.invoice v '
                            "ON v._source = 'erp' AND v.number = r.inv_no").fetchall()
    finally:
        con.close()
    eu = [(raw, amount) for raw, amount in pairs if raw.endswith("€")]
    us = [(raw, amount) for raw, amount in pairs if raw.startswith("$")]
    assert eu and us
    for raw, amount in eu:
        assert str(amount) == raw.rstrip(" €").replace(".", "").replace(",", "."), (raw, amount)
    for raw, amount in us:
        assert str(amount) == raw.lstrip("$").replace(",", ""), (raw, amount)
    cli_sql = TenantCatalog("default", cli_dir).current_manifest()["entities"]["invoice"]
    api_sql = TenantCatalog("default", api_dir).current_manifest()["entities"]["invoice"]
    assert cli_sql == api_sql and 'TRY_CAST("amt" AS DECIMAL(18,2))' not in cli_sql
