"""AutonomOS: multi-tenant, plugin-driven data integration.

Plugins import ``hookimpl`` from here to implement the hooks in
:mod:`autonomos.core.hookspecs`.
"""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("autonomos")

__all__ = ["hookimpl", "__version__"]
