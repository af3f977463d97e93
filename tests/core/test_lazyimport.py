"""Every run loads every built-in plugin: the heavy libraries some plugins need (pyarrow for
Salesforce and REST, SQLAlchemy for SQL) must not load until a plugin actually reads, or a
files-only run and `autonomos query` pay ~0.2 s for them (issue 9's fixed cost)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from autonomos.core.lazyimport import lazy_module

HEAVY = ("pyarrow", "pyarrow.csv", "pyarrow.compute", "sqlalchemy", "pandas",
         "autonomos.connectors.rest.connector", "autonomos.connectors.salesforce.connector", "httpx")


def test_loading_every_builtin_plugin_imports_no_heavy_library() -> None:
    code = ("import json, sys\nfrom autonomos.core.plugins import get_host\nhost = get_host()\n"
            "assert {'salesforce', 'rest', 'sql'} <= set(host.registry['connectors'])\n"
            f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules and "
            "type(sys.modules[m]).__name__ != '_LazyModule']))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


def test_a_lazy_submodule_imports_on_first_use() -> None:
    code = ("import sys\nfrom autonomos.core.lazyimport import lazy_module\n"
            "m = lazy_module('email.mime.text')\nbefore = 'email.mime.text' in sys.modules\n"
            "print(before, m.MIMEText.__name__, 'email.mime.text' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "MIMEText", "True"]
    assert lazy_module("json").dumps({"a": 1}) == json.dumps({"a": 1})


def test_a_deferred_connector_loads_on_lookup_and_must_carry_its_name() -> None:
    from autonomos.core.errors import PluginError
    from autonomos.core.plugins import Deferred, PluginHost

    host = PluginHost(load_entrypoints=False)
    assert isinstance(host.registry["connectors"]["rest"], Deferred)
    assert "rest" in host.connectors() and "files" in sorted(host.connectors())  # names only: nothing imported
    assert isinstance(host.registry["connectors"]["rest"], Deferred)
    rest = host.connector("rest")
    assert rest.name == "rest" and host.registry["connectors"]["rest"] is rest
    assert all(not isinstance(c, Deferred) for c in host.connectors().values())
    host.registry["connectors"]["odd"] = Deferred("odd", "autonomos.connectors.rest.connector:RestConnector")
    with pytest.raises(PluginError, match="named 'rest'"):
        host.connector("odd")
    host.registry["connectors"]["gone"] = Deferred("gone", "autonomos.connectors.nowhere:Gone")
    with pytest.raises(PluginError, match="failed to load"):
        host.connector("gone")
