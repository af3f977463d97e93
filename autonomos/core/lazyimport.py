"""Import a heavy module on first attribute access.

Every CLI command loads every built-in plugin; a plugin that needs SQLAlchemy or pyarrow only
when it actually reads should not make ``autonomos query`` or a files-only run pay ~0.1–0.3 s
to import them.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


class _DeferredSubmodule(ModuleType):
    """A submodule (``pyarrow.csv``) imported on first attribute access. Finding a submodule's
    spec imports its parent package, so :func:`lazy_module` cannot look it up ahead of time."""

    def __getattr__(self, attr: str) -> object:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module object that imports itself when first used."""
    if name in sys.modules:
        return sys.modules[name]
    if "." in name:
        return _DeferredSubmodule(name)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
