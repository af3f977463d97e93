"""Imports run one way: the engine never imports the server, and the task package has no cycle.

Every module of the ``autonomos`` package is parsed with :mod:`ast` (nothing is imported); an
import anywhere in a module counts — at module level, inside a function, under
``if TYPE_CHECKING:`` — unless a check says "module level" only. Relative imports are resolved.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "autonomos"
ENGINE = ("autonomos.core", "autonomos.connectors", "autonomos.mappers", "autonomos.llm_providers")
PLUGGABLE = ("autonomos.connectors", "autonomos.mappers", "autonomos.llm_providers")
TASKS = "autonomos.server.tasks"


@dataclass(frozen=True)
class Import:
    source: str   # the importing module
    target: str   # the imported module (or ``module.name`` for ``from module import name``)
    line: int
    top_level: bool  # at module level (not inside a function or class body's function)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports_of(path: Path) -> list[Import]:
    module = module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = top_level and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend(Import(module, alias.name, child.lineno, top_level) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(module, is_package, child.level, child.module)
                for alias in child.names:
                    # ``from pkg import mod`` imports pkg.mod when it is a module; keep both spellings
                    found.append(Import(module, f"{base}.{alias.name}" if alias.name != "*" else base,
                                        child.lineno, top_level))
            visit(child, inner)

    visit(tree, True)
    return found


def _all_imports() -> list[Import]:
    return [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in imports_of(path)]


ALL = _all_imports()
MODULES = {module_name(p) for p in PACKAGE.rglob("*.py")}


def _within(name: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _as_module(target: str) -> str | None:
    """The package module ``target`` names: itself, or for ``module.name`` the module."""
    if target in MODULES:
        return target
    head = target.rsplit(".", 1)[0]
    return head if head in MODULES else None


def _show(imps: list[Import]) -> str:
    return "\n".join(f"  {i.source}:{i.line} imports {i.target}{'' if i.top_level else ' (in a function)'}"
                     for i in imps)


def test_relative_imports_resolve() -> None:
    assert _resolve("autonomos.server.tasks.worker", False, 1, "models") == "autonomos.server.tasks.models"
    assert _resolve("autonomos.server.tasks", True, 1, "models") == "autonomos.server.tasks.models"
    assert _resolve("autonomos.server.tasks.worker", False, 2, "db") == "autonomos.server.db"
    assert _resolve("autonomos.core.pipeline.map", False, 2, None) == "autonomos.core"


def test_the_engine_never_imports_the_server() -> None:
    """(a) core, connectors, mappers and llm_providers import nothing of autonomos.server, anywhere."""
    bad = [i for i in ALL if _within(i.source, ENGINE) and _within(i.target, "autonomos.server")]
    assert not bad, "the engine imports the server:\n" + _show(bad)


def test_core_does_not_import_the_plugins_at_module_level() -> None:
    """(b) autonomos.core names connectors, mappers and LLM providers through the plugin host, not
    by import at module level (a function may load one lazily)."""
    bad = [i for i in ALL if _within(i.source, "autonomos.core") and i.top_level and _within(i.target, PLUGGABLE)]
    assert not bad, "autonomos.core imports a plugin package at module level:\n" + _show(bad)


def _tasks_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES if _within(m, TASKS) and m != TASKS}
    for i in ALL:
        if i.source not in graph:
            continue
        target = _as_module(i.target)
        if target is not None and target in graph and target != i.source:
            graph[i.source].add(target)
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def test_find_cycle_reports_the_loop() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_task_package_has_no_import_cycle() -> None:
    """(c) the modules of autonomos.server.tasks import one another one way (any import counts,
    also inside functions and under TYPE_CHECKING)."""
    graph = _tasks_graph()
    assert len(graph) >= 10, sorted(graph)  # the package was found
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle in autonomos.server.tasks: " + " → ".join(cycle or [])


def test_the_task_package_imports_autonomos_at_module_level() -> None:
    """Function-local imports of autonomos modules in the task package are the CLI's only (it keeps
    `autonomos --help` fast); any other one hid a cycle."""
    allowed = {"autonomos.server.tasks.cli"}
    bad = [i for i in ALL if _within(i.source, TASKS) and not i.top_level and i.target.startswith("autonomos")
           and i.source not in allowed]
    assert not bad, "function-local autonomos imports in the task package:\n" + _show(bad)


@pytest.mark.parametrize("module", ["autonomos.server.tasks.registry", "autonomos.core.network"])
def test_layer_bottoms_import_no_task_module_above_them(module: str) -> None:
    """The registry imports only models and config of the package; the network policy nothing of the server."""
    targets = {_as_module(i.target) or i.target for i in ALL if i.source == module}
    if module == "autonomos.core.network":
        assert not [t for t in targets if _within(t, "autonomos.server")]
    else:
        assert {t for t in targets if _within(t, TASKS)} <= {f"{TASKS}.models", f"{TASKS}.config"}
