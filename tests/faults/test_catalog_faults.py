"""Faults of the DuckDB writer, through the command line as an operator runs it: ``autonomos run``
SIGKILLed while it writes the second run's tables, and the data directory's disk full during a
load (a 16 MB tmpfs). Either way ``autonomos query`` shows the earlier run's views with their
exact row counts, no half-written table is visible, and the next run succeeds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pytest

from tests.conftest import IN_CI
from tests.faults.conftest import poll

BIG = 3_000_000
SMALL = "customer_id,customer_name,email,employees\n" + "".join(
    f"{i},Customer {i},c{i}@example.test,{i * 10}\n" for i in range(1, 1001))
PIPELINE = "sources:\n  - name: shop\n    connector: files\n    config:\n      path: customers.csv\n"


@pytest.fixture(scope="module")
def big_customers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BIG customer rows with the small file's columns (~130 MB), written by DuckDB."""
    path = tmp_path_factory.mktemp("big-customers") / "customers.csv"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT i AS customer_id, 'Customer ' || i AS customer_name, 'c' || i || '@example.test'
                             AS email, i * 10 AS employees FROM range(1, {BIG + 1}) t(i)) TO '{path}' (HEADER)""")
    con.close()
    return path


def autonomos(*args: str, data: Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autonomos.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "AUTONOMOS_DATA_DIR": str(data), "COLUMNS": "200"}, timeout=timeout)


def counts(data: Path, cwd: Path) -> list[dict[str, Any]]:
    """Rows of the source table and of the unified view, and distinct ids, per ``autonomos query``."""
    proc = autonomos("query", "SELECT (SELECT count(*) FROM src_shop.customers) AS raw, "
                     "(SELECT count(DISTINCT customer_id) FROM src_shop.customers) AS ids, "
                     "(SELECT count(*) FROM unified.account) AS unified", "--json", data=data, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def published(data: Path) -> tuple[int, set[str]]:
    """The current manifest's version and the table files it names."""
    (tenant,) = (data / "tenants").iterdir()
    manifest = json.loads((tenant / "current.json").read_text())
    return manifest["version"], {t["file"] for t in manifest["tables"].values()}


def first_run(work: Path, data: Path) -> None:
    (work / "customers.csv").write_text(SMALL)
    (work / "pipeline.yaml").write_text(PIPELINE)
    proc = autonomos("run", "pipeline.yaml", data=data, cwd=work)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert counts(data, work) == [{"raw": 1000, "ids": 1000, "unified": 1000}]


def test_writer_sigkilled_while_writing_tables_leaves_the_previous_views(tmp_path: Path, big_customers: Path) -> None:
    work, data = tmp_path / "work", tmp_path / "data"
    work.mkdir()
    first_run(work, data)
    version, files = published(data)
    (tenant,) = (data / "tenants").iterdir()
    before = set(p.name for p in (tenant / "tables").glob("*.duckdb"))
    (work / "customers.csv").unlink()
    os.link(big_customers, work / "customers.csv")
    proc = subprocess.Popen([sys.executable, "-m", "autonomos.cli", "run", "pipeline.yaml"], cwd=work,
                            env={**os.environ, "AUTONOMOS_DATA_DIR": str(data)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        # the second run's own table file appears when it starts writing the normalized table
        new = poll(lambda: (set(p.name for p in (tenant / "tables").glob("*.duckdb")) - before)
                   or (proc.poll() is not None and pytest.fail(f"the run ended first: {proc.stderr.read()}")),
                   timeout=120, interval=0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    print(f"killed the writer with {sorted(new)} half-written")
    assert published(data) == (version, files)  # current.json untouched
    assert counts(data, work) == [{"raw": 1000, "ids": 1000, "unified": 1000}]
    runs = autonomos("runs", "--json", data=data, cwd=work)
    assert runs.returncode == 0, runs.stderr
    # the next run takes the lock the dead one held (a file lock dies with its process) and succeeds
    proc2 = autonomos("run", "pipeline.yaml", data=data, cwd=work)
    assert proc2.returncode == 0, proc2.stderr + proc2.stdout
    assert counts(data, work) == [{"raw": BIG, "ids": BIG, "unified": BIG}]
    assert published(data)[0] == version + 1
    listed = json.loads(autonomos("runs", "--json", data=data, cwd=work).stdout)
    statuses = [r["status"] for r in listed]
    assert statuses.count("success") == 2 and statuses.count("failed") == 1 and "running" not in statuses, statuses
    (killed,) = [r for r in listed if r["status"] == "failed"]  # the dead writer's run, closed by the next
    assert "stopped before it finished" in killed["error"], killed


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs (root may mount one: the test machine's tests run as root)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True,
                         text=True)
    if out.returncode != 0:
        message = f"cannot mount a tmpfs here ({out.stderr.strip()}): the disk-full test needs root"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_during_a_load_fails_clearly_and_keeps_the_earlier_data(tmp_path: Path, small_disk: Path,
                                                                          big_customers: Path) -> None:
    work, data = tmp_path / "work", small_disk / "data"
    work.mkdir()
    first_run(work, data)
    version, files = published(data)
    (work / "customers.csv").unlink()
    os.link(big_customers, work / "customers.csv")  # the file is elsewhere; the catalog's disk fills
    start = time.monotonic()
    proc = autonomos("run", "pipeline.yaml", data=data, cwd=work)
    took = time.monotonic() - start
    out = proc.stderr + proc.stdout
    print(f"disk full: exit {proc.returncode} after {took:.1f} s: {out.strip().splitlines()[-1:]}")
    assert proc.returncode == 1, out
    last = out.strip().splitlines()[-1]
    # the last line says what went wrong and where (the log above it may hold the runner's note
    # that it could not record the failed run: its metadata is on the full disk too)
    assert last.startswith("Error: shop.customers:") and "No space left on device" in last, out
    assert published(data) == (version, files)
    assert counts(data, work) == [{"raw": 1000, "ids": 1000, "unified": 1000}]
    # the operator makes room (grows the volume): the next run of the same file succeeds
    subprocess.run(["mount", "-o", "remount,size=256m", str(small_disk)], check=True)
    again = autonomos("run", "pipeline.yaml", data=data, cwd=work)
    assert again.returncode == 0, again.stderr + again.stdout
    assert counts(data, work) == [{"raw": BIG, "ids": BIG, "unified": BIG}]
    assert published(data)[0] == version + 1


def test_a_failed_load_gives_its_half_written_table_file_back(tmp_path: Path, small_disk: Path,
                                                              big_customers: Path) -> None:
    work, data = tmp_path / "work", small_disk / "data"
    work.mkdir()
    first_run(work, data)
    _, files = published(data)
    (work / "customers.csv").unlink()
    os.link(big_customers, work / "customers.csv")
    assert autonomos("run", "pipeline.yaml", data=data, cwd=work).returncode == 1
    (tenant,) = (data / "tenants").iterdir()
    left = {p.name for p in (tenant / "tables").glob("*.duckdb")} - files
    assert left == set(), f"{len(left)} unpublished table file(s) of the failed run still take the disk"
