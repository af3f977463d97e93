"""Every hook is documented (docs/plugins.md has a heading per hook) and tested."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from autonomos.core import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
               if hasattr(fn, "autonomos_spec"))


def test_hooks_are_the_documented_contract() -> None:
    assert HOOKS == ["on_event", "register_agents", "register_connectors", "register_llm_providers",
                     "register_mappers", "register_ontologies"]


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_docstring_and_doc_heading(hook: str) -> None:
    fn = getattr(hookspecs, hook)
    assert (fn.__doc__ or "").strip(), f"{hook} needs a docstring"
    params = ", ".join(inspect.signature(fn).parameters)
    headings = re.findall(r"^## (.+)$", (ROOT / "docs" / "plugins.md").read_text(), re.M)
    assert f"{hook}({params})" in headings


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_tested(hook: str) -> None:
    """A test named test_hook_<name> must exist somewhere under tests/."""
    found = any(f"def test_hook_{hook}" in p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    assert found, f"no test_hook_{hook} test"


def test_hook_register_ontologies() -> None:
    from autonomos.core.plugins import PluginHost

    host = PluginHost(load_entrypoints=False)
    onto = host.ontologies()["crm_finance"]
    assert [e.name for e in onto.entities] == ["account", "contact", "opportunity", "invoice", "usage",
                                               "health", "cloud_resource", "cloud_cost"]
    assert onto.entity("invoice").field("amount").type == "DECIMAL(18,2)"
