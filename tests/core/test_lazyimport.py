"""Every run loads every built-in plugin: the heavy libraries some plugins need (pyarrow for
Salesforce and REST, SQLAlchemy for SQL) must not load until a plugin actually reads, or a
files-only run and `autonomos query` pay ~0.2 s for them (issue 9's fixed cost)."""

from __future__ import annotations

import json
import subprocess
import sys

from autonomos.core.lazyimport import lazy_module

HEAVY = ("pyarrow", "pyarrow.csv", "pyarrow.compute", "sqlalchemy", "pandas")


def test_loading_every_builtin_plugin_imports_no_heavy_library() -> None:
    code = ("import json, sys\nfrom autonomos.core.plugins import get_host\nhost = get_host()\n"
            "assert 'salesforce' in host.connectors() and 'sql' in host.connectors()\n"
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
