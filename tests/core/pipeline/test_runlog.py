"""A run's log (issue 13, item 4): lines from the run's events, notes, counts and the records of
``autonomos`` loggers, stored per run, bounded, scoped to the run's context."""

from __future__ import annotations

import logging
import threading
import warnings
from pathlib import Path

import pytest

from autonomos.core import runlog
from autonomos.core.catalog import TenantCatalog
from autonomos.core.errors import AutonomosError
from autonomos.core.pipeline.runner import Runner
from autonomos.core.spec import load_pipeline


def _pipeline(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "pipeline.yaml"
    p.write_text(body)
    return p


def _run(path: Path, tenant: str = "default"):
    return Runner(TenantCatalog(tenant)).run(load_pipeline(path), base_dir=path.parent, pipeline_name=path.name)


def _files(tmp_path: Path) -> Path:
    d = tmp_path / "crm"
    d.mkdir()
    (d / "customers.csv").write_text("id,name,email\n1,Ada,ada@x.io\n2,Bob,bob@x.io,VIP,since 2019\n3,Cy\n")
    rows = ["day,precipitation"] + [f"{d},{'T' if d % 30 == 0 else d / 10}" for d in range(1, 61)]
    (d / "weather.csv").write_text("\n".join(rows) + "\n")
    return d


def test_ragged_rows_and_a_bad_cell_are_warning_lines_with_table_and_counts(tmp_path: Path, data_dir: Path) -> None:
    d = _files(tmp_path)
    result = _run(_pipeline(tmp_path, f"sources:\n  - name: crm\n    connector: files\n    config: {{path: '{d}/*.csv'}}\n"))
    lines = runlog.lines(TenantCatalog("default").meta, result.run_id)
    assert [l["seq"] for l in lines] == sorted(l["seq"] for l in lines)
    assert lines[0]["stage"] == "run" and lines[0]["message"].startswith("run started")
    assert lines[-1]["stage"] == "run" and lines[-1]["message"].startswith("run finished")
    ragged = [l for l in lines if l["level"] == "warning" and l["table"] == "customers"]
    assert any("2 row(s) do not have the header's 3 cells" in l["message"] for l in ragged), lines
    bad = [l for l in lines if l["table"] == "weather" and l["stage"] == "normalize"]
    assert bad[0]["level"] == "warning" and "2 bad cell(s)" in bad[0]["message"]
    assert bad[0]["counts"]["bad_cells"] == 2 and bad[0]["counts"]["rows"] == 60 and bad[0]["source"] == "crm"
    assert {l["stage"] for l in lines} <= set(runlog.STAGES) and {l["level"] for l in lines} <= set(runlog.LEVELS)
    # a cursor: the lines after one seq
    after = runlog.lines(TenantCatalog("default").meta, result.run_id, after=lines[2]["seq"], limit=2)
    assert after == lines[3:5]


def test_a_failed_run_keeps_its_lines_and_ends_with_the_error(tmp_path: Path, data_dir: Path) -> None:
    d = _files(tmp_path)
    p = _pipeline(tmp_path, f"sources:\n  - name: crm\n    connector: files\n    config: {{path: '{d}/*.csv'}}\n"
                            "  - name: gone\n    connector: files\n    config: {path: /nonexistent/x.csv}\n")
    with pytest.raises(AutonomosError, match="nonexistent"):
        _run(p)
    run_id = TenantCatalog("default").meta.runs()[0]["id"]
    lines = runlog.lines(TenantCatalog("default").meta, run_id)
    assert any(l["table"] == "weather" and "bad cell" in l["message"] for l in lines)  # what came before
    assert lines[-1]["level"] == "error" and lines[-1]["stage"] == "run"
    assert lines[-1]["message"].startswith("run failed") and "nonexistent" in lines[-1]["message"]
    errors = [l for l in lines if l["level"] == "error"]  # the fault where the run stopped, then the end
    assert [(l["stage"], l["source"]) for l in errors] == [("connect", "gone"), ("run", None)]


def test_log_records_of_the_run_are_lines_and_secrets_are_redacted(tmp_path: Path, data_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from autonomos.core.pipeline import runner as runner_mod

    original = runner_mod.normalize_table

    def noisy(*args, **kwargs):
        logging.getLogger("autonomos.core.pipeline.normalize").warning(
            "slow read from postgresql://bob:hunter2@db/crm?password=hunter3")
        with warnings.catch_warnings():  # shown whatever the session's filters say
            warnings.simplefilter("always")
            warnings.warn("a deprecated option", DeprecationWarning)
        return original(*args, **kwargs)

    monkeypatch.setattr(runner_mod, "normalize_table", noisy)
    d = _files(tmp_path)
    result = _run(_pipeline(tmp_path, f"sources:\n  - name: crm\n    connector: files\n    config: {{path: '{d}/weather.csv'}}\n"))
    lines = runlog.lines(TenantCatalog("default").meta, result.run_id)
    slow = [l for l in lines if l["message"].startswith("slow read")]
    assert slow and slow[0]["level"] == "warning" and slow[0]["table"] == "weather" and slow[0]["source"] == "crm"
    assert slow[0]["stage"] == "normalize"
    assert "hunter2" not in repr(lines) and "hunter3" not in repr(lines) and "bob:***@db" in slow[0]["message"]
    assert any("DeprecationWarning: a deprecated option" in l["message"] for l in lines)
    # outside a run nothing is captured
    logging.getLogger("autonomos.core").warning("after the run")
    assert runlog.lines(TenantCatalog("default").meta, result.run_id) == lines


def test_capture_is_scoped_to_the_run_context_not_the_process() -> None:
    got: dict[str, list[dict]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        log = runlog.RunLog(got[name].append)
        with runlog.capture(log):
            barrier.wait()
            for i in range(20):
                logging.getLogger("autonomos.test").warning("%s line %d", name, i)
            barrier.wait()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [l["message"] for l in got["a"]] == [f"a line {i}" for i in range(20)]
    assert [l["message"] for l in got["b"]] == [f"b line {i}" for i in range(20)]


def test_the_log_is_bounded_and_says_how_many_lines_were_dropped() -> None:
    kept: list[dict] = []
    log = runlog.RunLog(kept.append, max_lines=3)
    for i in range(10):
        log.line("info", f"line {i}")
    log.finish()
    assert [l["message"] for l in kept[:3]] == ["line 0", "line 1", "line 2"]
    assert len(kept) == 4 and kept[-1]["counts"] == {"dropped": 7} and "7 more log line(s)" in kept[-1]["message"]


def test_a_left_out_column_never_reaches_a_free_text_line() -> None:
    kept: list[dict] = []
    log = runlog.RunLog(kept.append)
    log.leaves_out(["ssn"])
    log.line("warning", "could not cast 'S3CR3T' in column ssn", free_text=True, table="contacts")
    log.line("warning", "could not cast 'S3CR3T' to INTEGER", free_text=True, table="contacts")
    log.note("crm", "a connector note quoting 'S3CR3T'")
    assert "S3CR3T" not in repr(kept) and len(kept) == 3


def test_concurrent_runs_of_two_tenants_keep_their_own_lines(tmp_path: Path, data_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Two tenants' runs at once in one process (as the server's workers do): each log holds
    the records its own run logged, never the other's."""
    from autonomos.core import settings
    from autonomos.core.pipeline import runner as runner_mod

    original = runner_mod.normalize_table
    both_in = threading.Barrier(2, timeout=30)

    def tagged(*args, **kwargs):
        both_in.wait()  # both runs are inside Normalize together
        for i in range(5):
            logging.getLogger("autonomos.core.pipeline.normalize").warning("tenant %s record %d",
                                                                           settings.current_tenant.get(), i)
        return original(*args, **kwargs)

    monkeypatch.setattr(runner_mod, "normalize_table", tagged)
    d = _files(tmp_path)
    p = _pipeline(tmp_path, f"sources:\n  - name: crm\n    connector: files\n    config: {{path: '{d}/weather.csv'}}\n")
    results: dict[str, str] = {}

    def go(tenant: str) -> None:
        results[tenant] = _run(p, tenant).run_id

    threads = [threading.Thread(target=go, args=(t,)) for t in ("alpha", "beta")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for tenant in ("alpha", "beta"):
        catalog = TenantCatalog(tenant)
        records = [l["message"] for l in runlog.lines(catalog.meta, results[tenant]) if "record" in l["message"]]
        assert records == [f"tenant {catalog.tenant_id} record {i}" for i in range(5)], records
