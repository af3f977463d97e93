"""``autonomos runs`` and ``autonomos runs show RUN_ID`` (issue 13, item 4): a run's summary and log."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from autonomos import cli
from autonomos.core.catalog import TenantCatalog
from autonomos.core.errors import AutonomosError
from autonomos.core.pipeline.runner import Runner
from autonomos.core.spec import load_pipeline


@pytest.fixture
def two_runs(tmp_path: Path, data_dir: Path) -> tuple[str, str]:
    d = tmp_path / "crm"
    d.mkdir()
    rows = ["day,precipitation"] + [f"{n},{'T' if n % 30 == 0 else n / 10}" for n in range(1, 61)]
    (d / "weather.csv").write_text("\n".join(rows) + "\n")
    good = tmp_path / "good.yaml"
    good.write_text(f"sources:\n  - name: crm\n    connector: files\n    config: {{path: '{d}/weather.csv'}}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - name: gone\n    connector: files\n    config: {path: /nonexistent/x.csv}\n")
    ok = Runner(TenantCatalog("default")).run(load_pipeline(good), base_dir=tmp_path, pipeline_name="good.yaml")
    with pytest.raises(AutonomosError):
        Runner(TenantCatalog("default")).run(load_pipeline(bad), base_dir=tmp_path, pipeline_name="bad.yaml")
    failed = TenantCatalog("default").meta.runs()[0]["id"]
    return ok.run_id, failed


def test_runs_show_prints_the_summary_and_the_log(two_runs: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    ok, failed = two_runs
    buf = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buf, force_terminal=True, width=200, color_system=None))
    res = CliRunner().invoke(cli.main, ["runs", "show", ok])
    assert res.exit_code == 0, res.output
    text = buf.getvalue()
    assert f"run {ok} success" in text and "pipeline good.yaml" in text and "60 rows" in text
    assert "crm.weather" in text and "2 bad cell(s) set to null" in text and "run finished" in text
    for row in text.splitlines():
        if "bad cell(s)" in row:
            assert "warning" in row and "normalize" in row

    buf.truncate(0)
    res = CliRunner().invoke(cli.main, ["runs", "show", failed[:6], "--level", "error"])  # a prefix is enough
    assert res.exit_code == 0, res.output
    text = buf.getvalue()
    assert "failed" in text and "nonexistent" in text and "run failed" in text and "checking" not in text


def test_runs_show_piped_and_json(two_runs: tuple[str, str]) -> None:
    ok, failed = two_runs
    res = CliRunner().invoke(cli.main, ["runs", "show", failed])
    assert res.exit_code == 0, res.output
    tsv = [line.split("\t") for line in res.output.splitlines() if "\t" in line]
    assert tsv and all(len(f) == 5 for f in tsv)
    assert tsv[-1][1:3] == ["error", "run"] and tsv[-1][4].startswith("run failed")

    res = CliRunner().invoke(cli.main, ["runs", "show", ok, "--json"])
    body = json.loads(res.output)
    assert body["run"]["id"] == ok and body["run"]["status"] == "success"
    assert [l["seq"] for l in body["log"]] == sorted(l["seq"] for l in body["log"])
    assert {"ts", "level", "stage", "source", "table", "message"} <= set(body["log"][0])


def test_runs_lists_and_an_unknown_run_is_an_error(two_runs: tuple[str, str]) -> None:
    ok, failed = two_runs
    res = CliRunner().invoke(cli.main, ["runs", "--json"])
    assert [r["id"] for r in json.loads(res.output)] == [failed, ok]
    res = CliRunner().invoke(cli.main, ["runs"])
    assert res.exit_code == 0 and ok in res.output and "good.yaml" in res.output
    res = CliRunner().invoke(cli.main, ["runs", "show", "nosuchrun"])
    assert res.exit_code == 1 and "no run 'nosuchrun'" in res.output + (res.stderr if res.stderr_bytes else "")
