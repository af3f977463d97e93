"""The plugin host with a real installed distribution declaring entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autonomos.core.plugins import PluginHost


@pytest.fixture
def plugin_site(test_plugins_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(test_plugins_path))
    return test_plugins_path


def _by_name(host: PluginHost) -> dict:
    return {p.name: p for p in host.plugins}


def test_builtins_register_through_the_same_hooks() -> None:
    host = PluginHost(load_entrypoints=False)
    assert {"files", "sql", "demo"} <= set(host.connectors())
    assert "heuristic" in host.mappers()
    assert {"revops", "finops"} <= set(host.agents())
    assert "crm_finance" in host.ontologies()
    assert host.provided_by[("connectors", "files")] == "autonomos.connectors.files"
    assert all(p.origin == "builtin" and p.status == "ok" for p in host.plugins), [p for p in host.plugins if p.status != "ok"]


def test_entry_points_load_one_by_one_and_failures_are_reported(plugin_site: Path) -> None:
    host = PluginHost()
    plugins = _by_name(host)
    assert plugins["inventory"].status == "ok"
    assert plugins["inventory"].version == "0.0.1"
    assert "connector:inventory" in plugins["inventory"].provides
    assert "inventory" in host.connectors()
    assert plugins["broken_import"].status == "error"
    assert "this_module_does_not_exist" in plugins["broken_import"].error
    assert plugins["raising_hook"].status == "error"
    assert "boom in register_agents" in plugins["raising_hook"].error
    # the host still works: built-ins are all there
    assert {"files", "sql", "demo"} <= set(host.connectors())


def test_failing_observer_is_isolated(plugin_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autonomos.core.events import Event

    log = tmp_path / "events.log"
    monkeypatch.setenv("AUTONOMOS_TEST_EVENT_LOG", str(log))
    host = PluginHost()
    host.emit(Event(type="run_started", tenant="t"))  # raising observer must not propagate
    assert log.read_text().split() == ["run_started"]


def test_allow_and_deny_lists(plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTONOMOS_PLUGINS", "inventory")
    plugins = _by_name(PluginHost())
    assert plugins["inventory"].status == "ok"
    assert plugins["broken_import"].status == "disabled"
    monkeypatch.delenv("AUTONOMOS_PLUGINS")
    monkeypatch.setenv("AUTONOMOS_DISABLE_PLUGINS", "inventory,autonomos.connectors.demo")
    host = PluginHost()
    plugins = _by_name(host)
    assert plugins["inventory"].status == "disabled"
    assert plugins["autonomos.connectors.demo"].status == "disabled"
    assert "demo" not in host.connectors() and "inventory" not in host.connectors()


def test_cli_plugins_shows_errors(test_plugins_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(test_plugins_path)}
    proc = subprocess.run([sys.executable, "-m", "autonomos.cli", "plugins", "--json"],
                          capture_output=True, text=True, env=env, check=True)
    rows = {p["name"]: p for p in json.loads(proc.stdout)}
    assert rows["broken_import"]["status"] == "error"
    assert rows["inventory"]["status"] == "ok"
    table = subprocess.run([sys.executable, "-m", "autonomos.cli", "plugins"], capture_output=True, text=True,
                           env={**env, "COLUMNS": "250"}, check=True).stdout
    assert "broken_import" in table and "error" in table


def test_hook_register_connectors(plugin_site: Path) -> None:
    host = PluginHost()
    cls = host.connector("inventory")
    assert cls.Config().items == 3
    assert host.provided_by[("connectors", "inventory")] == "inventory"


def test_hook_register_llm_providers(plugin_site: Path) -> None:
    provider = PluginHost().llm_providers()["echo-llm"]
    assert provider.models() == ["echo-1"]
    assert provider.complete("hello", {"properties": {"n": {}}}) == {"n": 5}


def test_hook_register_agents(plugin_site: Path) -> None:
    import duckdb

    agent = PluginHost().agent("count_accounts")
    con = duckdb.connect()
    con.execute("CREATE SCHEMA unified; CREATE TABLE unified.account AS SELECT 1 AS id UNION ALL SELECT 2")
    assert agent.run(con) == {"summary": "2 accounts", "accounts": 2}


def test_hook_register_mappers(plugin_site: Path) -> None:
    from autonomos.core.models import Field, TableSchema

    host = PluginHost()
    mapper = host.mappers()["sku_mapper"]
    tm = mapper.map_table(TableSchema("items", [Field("sku"), Field("qty")]), host.ontologies()["crm_finance"])
    assert [f.canonical for f in tm.fields] == ["metric", None]


def test_hook_on_event(plugin_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autonomos.core.events import Event

    log = tmp_path / "events.log"
    monkeypatch.setenv("AUTONOMOS_TEST_EVENT_LOG", str(log))
    host = PluginHost()
    for t in ("run_started", "fault", "run_finished"):
        host.emit(Event(type=t, tenant="t"))
    assert log.read_text().split() == ["run_started", "fault", "run_finished"]


def test_unknown_connector_lists_known_ones() -> None:
    from autonomos.core.errors import AutonomosError

    with pytest.raises(AutonomosError, match=r"unknown connector 'filez' \(known: .*files"):
        PluginHost(load_entrypoints=False).connector("filez")
