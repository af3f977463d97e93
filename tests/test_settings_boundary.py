"""Issue 10, item 3: the engine reads the environment in one module. Anything below the edge
(core, connectors, mappers, LLM providers) asks ``autonomos.core.settings.current()`` instead."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autonomos.core import settings

PACKAGE = Path(__file__).resolve().parents[1] / "autonomos"
BELOW_THE_EDGE = ("core", "connectors", "mappers", "llm_providers", "agents", "notifiers")
# the one settings module, and the {"$env": NAME} resolver of pipeline YAML (a mapping it is given)
ALLOWED = {"core/settings.py", "core/spec.py"}


def _environment_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"{path.relative_to(PACKAGE)}:{node.lineno} from os import {a.name}" for a in node.names
                      if a.name in {"environ", "getenv", "environb"}]
    return found


def test_no_module_below_the_edge_reads_the_environment() -> None:
    reads = [hit for sub in BELOW_THE_EDGE for path in sorted((PACKAGE / sub).rglob("*.py"))
             if str(path.relative_to(PACKAGE)) not in ALLOWED for hit in _environment_reads(path)]
    assert reads == [], "read the environment through autonomos.core.settings instead:\n" + "\n".join(reads)


def test_a_run_reads_the_settings_it_was_given_not_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("AUTONOMOS_LLM_PROVIDER", "openai")
    monkeypatch.setenv("AUTONOMOS_MAX_COLUMNS", "12")
    given = settings.EngineSettings.from_env({"AUTONOMOS_DATA_DIR": str(tmp_path), "AUTONOMOS_LLM_SAMPLES": "2"})
    assert settings.current().llm_provider == "openai"  # outside a run: the environment as it is now
    with settings.using(given):
        from autonomos.core import guard
        from autonomos.core.pipeline.map import llm_configured
        from autonomos.mappers.llm import sample_limit

        assert settings.current() is given and settings.data_dir() == tmp_path.resolve()
        assert not llm_configured() and settings.llm_provider_name() is None
        assert sample_limit() == 2 and guard.limits().max_columns == guard.DEFAULT_MAX_COLUMNS
    assert settings.current().max_columns == "12"


def test_the_catalog_keeps_the_settings_it_was_built_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from autonomos.core.catalog import TenantCatalog
    from autonomos.core.locks import FileWriterLock

    given = settings.EngineSettings.from_env({"AUTONOMOS_DATA_DIR": str(tmp_path / "a")})
    monkeypatch.setenv("AUTONOMOS_DATA_DIR", str(tmp_path / "b"))
    monkeypatch.setenv("AUTONOMOS_REDIS_URL", "redis://127.0.0.1:1/0")  # would be a Redis lock
    catalog = TenantCatalog("acme", engine=given)
    assert catalog.root.parent.parent == (tmp_path / "a").resolve()
    assert isinstance(catalog.writer_lock(), FileWriterLock)


# the server's edge: its settings module, and the CLI commands that start processes (they hand
# variables to the children they spawn and pick the log level before anything is configured)
SERVER_EDGE = {"server/settings.py", "server/cli_commands.py", "server/tasks/cli.py"}


def test_the_server_reads_the_environment_only_at_its_edge() -> None:
    reads = [hit for path in sorted((PACKAGE / "server").rglob("*.py"))
             if str(path.relative_to(PACKAGE)) not in SERVER_EDGE and "migrations" not in path.parts
             for hit in _environment_reads(path)]
    assert reads == [], "read the environment through autonomos.server.settings instead:\n" + "\n".join(reads)
