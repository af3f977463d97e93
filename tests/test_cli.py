"""The CLI contracts, run as a person would: demo, query, map, run errors, graph, review, agents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import cli


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("demo-data")
    proc = cli("demo", env={"AUTONOMOS_DATA_DIR": str(d)})
    assert proc.returncode == 0, proc.stderr
    assert "autonomos query" in proc.stdout
    return str(d)


def test_demo_unifies_at_least_four_sources(demo_dir: str) -> None:
    proc = cli("query", "select _source, count(*) AS n from unified.account group by 1 order by 1", "--json",
               env={"AUTONOMOS_DATA_DIR": demo_dir})
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) >= 4 and all(r["n"] > 0 for r in rows)


def test_demo_views_exist(demo_dir: str) -> None:
    for entity in ("account", "contact", "opportunity", "invoice", "usage", "cloud_cost"):
        proc = cli("query", f"select count(*) AS n from unified.{entity}", "--json", env={"AUTONOMOS_DATA_DIR": demo_dir})
        assert proc.returncode == 0, (entity, proc.stderr)
        assert json.loads(proc.stdout)[0]["n"] > 0, entity


def test_demo_graph_has_all_layers(demo_dir: str) -> None:
    proc = cli("graph", "--json", env={"AUTONOMOS_DATA_DIR": demo_dir})
    g = json.loads(proc.stdout)
    assert {n["layer"] for n in g["graph"]["nodes"]} == {0, 1, 2, 3}
    assert {e["type"] for e in g["graph"]["edges"]} == {"hierarchy", "dataflow"}
    flows = [e for e in g["graph"]["edges"] if e["type"] == "dataflow" and e["source"].startswith("table:")]
    assert all(e["mapped_fields"] > 0 and 0 < e["confidence"] <= 1 for e in flows)


def test_demo_agents(demo_dir: str) -> None:
    for agent in ("revops", "finops"):
        proc = cli("agents", "run", agent, "--json", env={"AUTONOMOS_DATA_DIR": demo_dir})
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout)
        assert result["status"] == "ok" and result["summary"]


def test_query_errors_are_one_clear_line(demo_dir: str) -> None:
    proc = cli("query", "select * from unified.nope", env={"AUTONOMOS_DATA_DIR": demo_dir})
    assert proc.returncode == 1
    assert "Error:" in proc.stderr and "nope" in proc.stderr and "Traceback" not in proc.stderr


def test_map_contract(tmp_path: Path) -> None:
    schema = {"source": "x", "tables": [{"name": "Accounts", "fields": [
        {"name": "Account_Name", "type": "VARCHAR", "samples": ["Acme", "Globex"]},
        {"name": "Website", "type": "VARCHAR", "samples": ["acme.com"]},
        {"name": "zzz_internal_flag"}]}]}
    f = tmp_path / "schema.json"
    f.write_text(json.dumps(schema))
    proc = cli("map", str(f), "--no-llm")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["source"] == "x" and out["ontology"] == "crm_finance"
    t = out["tables"][0]
    assert t["table"] == "Accounts" and t["entity"] == "account"
    fields = {f["field"]: f for f in t["fields"]}
    assert fields["Account_Name"]["canonical"] == "name" and fields["Account_Name"]["mapper"] == "heuristic"
    assert fields["Website"]["canonical"] == "domain"
    assert [f["field"] for f in t["fields"]] == ["Account_Name", "Website", "zzz_internal_flag"]
    assert not list((tmp_path).glob("**/meta.sqlite"))


def test_map_bad_json(tmp_path: Path) -> None:
    f = tmp_path / "schema.json"
    f.write_text('{"tables": [')
    proc = cli("map", str(f))
    assert proc.returncode == 1 and "schema.json" in proc.stderr and "line 1" in proc.stderr


def _run_yaml(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    p = tmp_path / "pipeline.yaml"
    p.write_text(body)
    return cli("run", str(p))


def test_run_bad_yaml(tmp_path: Path) -> None:
    proc = _run_yaml(tmp_path, "sources:\n  - name: crm\n    connector: files\n    config: {path: [unclosed\n")
    assert proc.returncode == 1 and "pipeline.yaml:" in proc.stderr and "line 4" in proc.stderr
    assert "YAML syntax error" in proc.stderr and "Traceback" not in proc.stderr


def test_run_missing_file(tmp_path: Path) -> None:
    proc = _run_yaml(tmp_path, "sources:\n  - name: crm\n    connector: files\n    config: {path: missing.csv}\n")
    assert proc.returncode == 1 and "missing.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_run_refused_database(tmp_path: Path) -> None:
    proc = _run_yaml(tmp_path, "sources:\n  - name: db\n    connector: sql\n"
                               "    config: {url: 'postgresql+psycopg://postgres:secret@127.0.0.1:1/test'}\n")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "refused" in proc.stderr.lower() and "secret" not in proc.stderr


def test_run_corrupt_csv(tmp_path: Path) -> None:
    (tmp_path / "corrupt.csv").write_bytes(b"\x00\x01\x02\xff\xfe" * 200 + b"\x89PNG\r\n")
    proc = _run_yaml(tmp_path, "sources:\n  - name: f\n    connector: files\n    config: {path: corrupt.csv}\n")
    assert proc.returncode == 1 and "corrupt.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_failed_runs_lose_nothing(demo_dir: str, tmp_path: Path) -> None:
    env = {"AUTONOMOS_DATA_DIR": demo_dir}
    before = cli("query", "select count(*) AS n from unified.account", "--json", env=env).stdout
    p = tmp_path / "pipeline.yaml"
    p.write_text("sources:\n  - name: f\n    connector: files\n    config: {path: missing.csv}\n")
    assert cli("run", str(p), env=env).returncode == 1
    assert cli("query", "select count(*) AS n from unified.account", "--json", env=env).stdout == before


def test_review_list_and_sources(demo_dir: str) -> None:
    env = {"AUTONOMOS_DATA_DIR": demo_dir}
    items = json.loads(cli("review", "list", "--all", "--json", env=env).stdout)
    assert items and all({"id", "source", "tbl", "field", "confidence", "status"} <= set(i) for i in items)
    srcs = json.loads(cli("sources", "--json", env=env).stdout)
    assert {s["name"] for s in srcs} == {"salesforce", "hubspot", "stripe", "erp", "billing", "aws"}


def test_every_table_is_queryable_by_name(tmp_path: Path) -> None:
    """Issue 9, item 2: after `autonomos run` of a `files` source named `csv`,
    `select * from src_csv.simple` failed (schema "src_csv" does not exist); a table mapped to no
    entity was unreachable. Its quarantine is `src_csv._rejected` (here: the unreadable weight `x`;
    the ragged row stays, its surplus cell in `_extra`); `autonomos query` alone lists."""
    more = "".join(f"{i},grey,{i}\n" for i in range(4, 41))  # enough rows for weight to be typed, x a bad cell
    (tmp_path / "simple.csv").write_text("id,colour,weight\n1,red,10\n2,blue,x\n3,green,30,extra\n" + more)
    (tmp_path / "p.yaml").write_text("sources:\n  - name: csv\n    connector: files\n    config: {path: ./simple.csv}\n")
    env = {"AUTONOMOS_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run([sys.executable, "-m", "autonomos.cli", "run", "p.yaml"], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, **env}, timeout=600)
    assert proc.returncode == 0, proc.stderr
    proc = cli("query", "select * from src_csv.simple where id <= 3 order by id", "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [(r["colour"], r["weight"], r["_extra"]) for r in rows] == [("red", 10, None), ("blue", None, None),
                                                                       ("green", 30, ["extra"])]
    rejected = json.loads(cli("query", "select * from src_csv._rejected", "--json", env=env).stdout)
    assert [r["_source_table"] for r in rejected] == ["simple"]
    assert rejected[0]["reason"].startswith("kept, value set to null: weight: cannot read x")
    listed = json.loads(cli("query", "--json", env=env).stdout)
    assert {"name": "src_csv.simple", "kind": "source table", "rows": 40} in listed
    assert listed == json.loads(cli("tables", "--json", env=env).stdout)


def test_two_pipelines_both_stay_and_removal_is_explicit(tmp_path: Path) -> None:
    """Issue 9, item 1: `autonomos run` of one pipeline removed every other source."""
    env = {"AUTONOMOS_DATA_DIR": str(tmp_path / "data")}
    for name, csv in (("one", "id,colour\n1,red\n"), ("two", "id,shape\n1,round\n2,square\n")):
        (tmp_path / f"{name}.csv").write_text(csv)
        (tmp_path / f"{name}.yaml").write_text(f"sources:\n  - name: {name}\n    connector: files\n"
                                              f"    config: {{path: ./{name}.csv}}\n")
        proc = subprocess.run([sys.executable, "-m", "autonomos.cli", "run", f"{name}.yaml", "-q"], capture_output=True,
                              text=True, cwd=tmp_path, env={**os.environ, **env}, timeout=600)
        assert proc.returncode == 0, proc.stderr
    listed = {t["name"] for t in json.loads(cli("tables", "--json", env=env).stdout)}
    assert {"src_one.one", "src_two.two"} <= listed
    assert cli("remove", "nothing", "--yes", env=env).returncode != 0
    assert cli("remove", "one", env=env, input="n\n").returncode != 0  # declined: nothing removed
    assert "src_one.one" in {t["name"] for t in json.loads(cli("tables", "--json", env=env).stdout)}
    proc = cli("remove", "one", "--yes", env=env)
    assert proc.returncode == 0, proc.stderr
    listed = {t["name"] for t in json.loads(cli("tables", "--json", env=env).stdout)}
    assert "src_two.two" in listed and not any(n.startswith("src_one.") for n in listed)
