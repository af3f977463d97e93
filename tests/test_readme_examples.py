"""The README's examples run as written (issue 13).

Every line of a ```bash block in README.md that starts with ``autonomos`` runs, in README order,
through the real CLI (``.venv/bin`` first on PATH, as after ``source .venv/bin/activate``) in one
empty directory with its own data dir. The files the examples name are the README's own blocks:
``schema.json`` is its ```json block, ``pipeline.yaml`` its ```yaml block, and that pipeline's
inputs (``exports/accounts.csv``, an SQLite ``billing.db`` at ``BILLING_DB_URL``) are made here.
A line that cannot run here is listed in :data:`NOT_RUN` with the reason; any other line fails.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent

# lines of the README's bash blocks that this test does not run, and why (explicit, not silent)
NOT_RUN = {
    "./start.sh": "installs, builds and serves until stopped (the console and server tests cover what it starts)",
    "./scripts/test.sh": "runs the whole test suite, this test included",
    "source .venv/bin/activate": "a shell builtin: the test puts .venv/bin first on PATH instead",
}


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README.read_text(), flags=re.S | re.M)


def _commands() -> list[str]:
    lines = [ln.strip() for block in _blocks("bash") for ln in block.splitlines() if ln.strip()]
    strange = [ln for ln in lines if not ln.startswith("autonomos ") and shlex.split(ln, comments=True)
               and " ".join(shlex.split(ln, comments=True)) not in NOT_RUN]
    assert not strange, f"README bash lines neither run nor listed in NOT_RUN: {strange}"
    return [ln for ln in lines if ln.startswith("autonomos ")]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty directory holding the files the README's examples name."""
    d = tmp_path_factory.mktemp("readme")
    (schema,) = _blocks("json")
    (d / "schema.json").write_text(schema)
    (pipeline,) = _blocks("yaml")
    (d / "pipeline.yaml").write_text(pipeline)
    (d / "exports").mkdir()
    (d / "exports" / "accounts.csv").write_text(
        "acct_id,acct_nm,industry\n1,Acme Corp,Manufacturing\n2,Globex,Energy\n3,Initech,Software\n")
    con = sqlite3.connect(d / "billing.db")
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, account_id INTEGER, amount NUMERIC, "
                "currency TEXT, updated_at TEXT)")
    con.executemany("INSERT INTO invoices VALUES (?, ?, ?, ?, ?)",
                    [(1, 1, 120.5, "USD", "2026-01-02T10:00:00"), (2, 2, 99.0, "USD", "2026-01-03T11:00:00")])
    con.commit()
    con.close()
    return d


@pytest.fixture(scope="module")
def ran(workdir: Path) -> list[tuple[str, subprocess.CompletedProcess]]:
    """Each README command and what it did, in README order (each depends on the ones before)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTONOMOS_")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", BILLING_DB_URL="sqlite:///billing.db")
    results = []
    for line in _commands():
        proc = subprocess.run(shlex.split(line, comments=True), cwd=workdir, env=env, capture_output=True,
                              text=True, timeout=300)
        results.append((line, proc))
    return results


def _output(ran: list, start: str) -> str:
    line, proc = next((ln, p) for ln, p in ran if ln.startswith(start))
    return proc.stdout


def test_every_readme_command_runs_as_written(ran: list) -> None:
    assert len(ran) >= 12, [ln for ln, _ in ran]
    for line, proc in ran:
        assert proc.returncode == 0, f"{line}\n{proc.stderr[-2000:]}"
        assert proc.stdout.strip(), f"{line}: printed nothing"


def test_the_approve_example_names_the_mapping_it_approves(ran: list) -> None:
    """The id in the README is the demo's mapping the comment names (ids are stable)."""
    line = next(ln for ln, _ in ran if ln.startswith("autonomos review approve"))
    mapping_id = shlex.split(line, comments=True)[-1]
    named = re.search(rf"{mapping_id}: (\S+ → \S+)\)", line)
    assert named, f"the comment should name mapping {mapping_id}: {line}"
    listed = _output(ran, "autonomos review list")
    assert re.search(rf"^{mapping_id}\t{re.escape(named.group(1).split(' → ')[0])}\t", listed, flags=re.M), listed
    assert f"approved mapping {mapping_id}: {named.group(1)}" in _output(ran, "autonomos review approve")


def test_piped_output_is_readable(ran: list) -> None:
    """Not a terminal: tab-separated rows, the counts in words, findings as text (no dicts, no JSON)."""
    rows = _output(ran, 'autonomos query "select _source').splitlines()
    assert rows[0] == "_source\tcount_star()"
    assert {r.split("\t")[0] for r in rows[1:]} >= {"salesforce", "hubspot", "stripe"}
    assert "unified.account\tentity\t" in _output(ran, "autonomos tables")
    graph = _output(ran, "autonomos graph")
    assert "{" not in graph and re.search(r"\d+ sources, \d+ tables", " ".join(graph.split())), graph
    revops = _output(ran, "autonomos agents run revops")
    assert "{" not in revops and '"' not in revops, revops[:2000]
    assert re.search(r"^stage\tdeals\tamount", revops, flags=re.M), revops[:2000]


def test_map_and_the_pipeline_do_what_the_readme_says(ran: list, workdir: Path) -> None:
    mapped = json.loads(_output(ran, "autonomos map schema.json"))
    (accounts,) = mapped["tables"]
    assert accounts["entity"] == "account"
    assert {f["field"]: f["canonical"] for f in accounts["fields"]}["Account_Name"] == "name"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTONOMOS_")}
    proc = subprocess.run([str(BIN / "autonomos"), "query", "--tenant", "acme", "--json",
                           "select name, _source from unified.account order by name"],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [r["name"] for r in json.loads(proc.stdout)] == ["Acme Corp", "Globex", "Initech"]
    run = " ".join(_output(ran, "autonomos run pipeline.yaml").split())
    assert "2 sources, 2 tables, 5 rows" in run and "0 rejected" in run, run
