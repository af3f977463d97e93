"""The public API for plugin authors: ``from autonomos import ...`` (docs/plugins.md)."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import autonomos
from autonomos import (Agent, Connector, EntityMapper, LLMProvider, Mapper, Ontology, TableMapping,
                       TableSchema)
from autonomos.core.plugins import PluginHost

ROOT = Path(__file__).resolve().parent.parent
PLUGINS_MD = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")


def test_all_is_explicit_and_complete():
    assert len(autonomos.__all__) == len(set(autonomos.__all__))
    lazy = set(autonomos._LAZY)
    assert set(autonomos.__all__) == {"__version__", "hookimpl"} | lazy
    assert set(autonomos.__all__) <= set(dir(autonomos))


@pytest.mark.parametrize("name", autonomos.__all__)
def test_every_public_name_imports(name: str):
    value = getattr(autonomos, name)
    assert value is not None
    assert name in vars(autonomos)  # cached after the first lookup
    exec(f"from autonomos import {name}", {})


def test_public_names_are_the_real_objects():
    from autonomos.core import connector, guard, mapper, models
    from autonomos.llm_providers import base

    assert autonomos.Connector is connector.Connector
    assert autonomos.TableSchema is models.TableSchema
    assert autonomos.Mapper is mapper.Mapper
    assert autonomos.guard is guard
    assert autonomos.RunCancelled is guard.RunCancelled
    assert autonomos.Provider is base.Provider and autonomos.LLMError is base.LLMError
    assert issubclass(autonomos.LLMError, autonomos.AutonomosError)
    assert issubclass(autonomos.ConnectorError, autonomos.AutonomosError)


def test_unknown_attribute_is_an_attribute_error():
    assert not hasattr(autonomos, "NoSuchThing")
    with pytest.raises(ImportError):
        exec("from autonomos import NoSuchThing", {})


@pytest.mark.parametrize("name", autonomos.__all__)
def test_every_public_name_is_documented(name: str):
    assert f"`{name}`" in PLUGINS_MD, f"docs/plugins.md does not mention `{name}`"
    section = PLUGINS_MD.split("## The public API", 1)[1]
    assert re.search(rf"^- `{re.escape(name)}`: ", section, re.M), \
        f"`{name}` has no line of its own in docs/plugins.md's public API section"


# -- the built-ins and the test plugins satisfy the contracts -------------------------------
@pytest.fixture(scope="module")
def host() -> PluginHost:
    return PluginHost(load_entrypoints=False)


def test_builtins_satisfy_the_contracts(host: PluginHost):
    assert {"files", "sql", "demo"} <= set(host.connectors())
    assert {"heuristic", "llm"} <= set(host.mappers())
    assert {"openai", "gemini"} <= set(host.llm_providers())
    assert {"revops", "finops"} <= set(host.agents())
    assert "crm_finance" in host.ontologies()
    for name, cls in host.connectors().items():
        assert isinstance(cls, type) and issubclass(cls, Connector), name
    for name, mapper in host.mappers().items():
        assert isinstance(mapper, Mapper), name
        assert isinstance(mapper, EntityMapper), name  # both built-ins take a fixed entity
    for name, provider in host.llm_providers().items():
        assert isinstance(provider, LLMProvider), name
    for name, agent in host.agents().items():
        assert isinstance(agent, Agent), name
    for name, ontology in host.ontologies().items():
        assert isinstance(ontology, Ontology), name


def test_the_heuristic_mapper_answers_with_a_table_mapping(host: PluginHost):
    from autonomos import Field

    table = TableSchema("accounts", [Field("account_name", "VARCHAR", ["Acme"])])
    tm = host.mappers()["heuristic"].map_table(table, host.ontologies()["crm_finance"])
    assert isinstance(tm, TableMapping) and tm.entity == "account"


def test_the_test_plugin_fixtures_satisfy_the_contracts(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "plugins" / "autonomos_test_plugins"))
    good = importlib.import_module("autonomos_test_plugins.good")
    assert issubclass(good.InventoryConnector, Connector)
    assert isinstance(good.SkuMapper(), Mapper) and not isinstance(good.SkuMapper(), EntityMapper)
    assert isinstance(good.EchoProvider(), LLMProvider)
    assert isinstance(good.CountAgent(), Agent)


def test_the_protocols_tell_a_wrong_shape():
    class NoMethod:
        name = "x"

    class NoName:
        def map_table(self, table, ontology): ...

        def run(self, con): ...

    for obj in (NoMethod(), NoName(), object()):
        assert not isinstance(obj, Mapper)
        assert not isinstance(obj, Agent)
        assert not isinstance(obj, LLMProvider)


# -- the examples in docs/plugins.md run against the public API -----------------------------
def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PLUGINS_MD, re.S)


def _registered(namespace: dict[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for name, fn in namespace.items():
        if name.startswith("register_") and hasattr(fn, "autonomos_impl"):
            fn(register=found.setdefault(name[len("register_"):], []).append)
    return found


def test_every_example_imports_from_the_public_api():
    for block in _python_blocks():
        for line in block.splitlines():
            if line.startswith(("from autonomos", "import autonomos")):
                assert re.match(r"from autonomos(\.testing)? import ", line), line


def test_the_plugin_examples_in_the_docs_work(tmp_path: Path):
    from autonomos.testing import check_connector

    kinds: dict[str, list[Any]] = {}
    for block in _python_blocks():
        if "@hookimpl" not in block:
            continue
        namespace: dict[str, Any] = {}
        exec(compile(block, "docs/plugins.md", "exec"), namespace)
        for kind, objects in _registered(namespace).items():
            kinds.setdefault(kind, []).extend(objects)
    assert set(kinds) == {"connectors", "mappers", "llm_providers", "agents", "ontologies"}
    for cls in kinds["connectors"]:
        assert issubclass(cls, Connector)
        check_connector(cls, {"url": "https://inventory.test", "api_key": "k"}, tmp_path).assert_ok()
    ontology = PluginHost(load_entrypoints=False).ontologies()["crm_finance"]
    for mapper in kinds["mappers"]:
        assert isinstance(mapper, EntityMapper)
        table = TableSchema("costs", [autonomos.Field("sku_code", "VARCHAR"), autonomos.Field("n", "BIGINT")])
        tm = mapper.map_table(table, ontology)
        assert tm.entity == "cloud_cost" and tm.fields[0].canonical == "sku"
    for provider in kinds["llm_providers"]:
        assert isinstance(provider, LLMProvider)
        assert provider.complete("hi", {"type": "object", "properties": {"n": {"type": "integer"}}}) == {"n": 2}
        assert provider.models() == ["echo-1"]
    for agent in kinds["agents"]:
        import duckdb

        assert isinstance(agent, Agent)
        con = duckdb.connect()
        con.execute("CREATE SCHEMA unified; CREATE VIEW unified.account AS SELECT 1 AS id")
        assert agent.run(con)["summary"] == "1 accounts"
    for ontology in kinds["ontologies"]:
        assert isinstance(ontology, Ontology) and ontology.entity("ticket") is not None


# -- import autonomos stays cheap -----------------------------------------------------------
HEAVY = ("autonomos.server", "duckdb", "pandas", "pyarrow", "sqlalchemy")


def _imported_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout
    return out.split()


def test_import_autonomos_imports_nothing_heavy():
    assert _imported_after("import autonomos; from autonomos import hookimpl") == []


def test_the_public_api_does_not_import_the_server():
    loaded = _imported_after("from autonomos import *; import autonomos.core.plugins")
    assert "autonomos.server" not in loaded
    assert "pandas" not in loaded
