"""The built-in ``rest`` connector: a JSON or JSON-lines HTTP API declared in pipeline YAML.

Split by job: :mod:`.config` (the YAML model and its checks), :mod:`.auth` (bearer, basic, API
key, OAuth2), :mod:`.paginate` (page number, offset, cursor, next URL, ``Link`` header, header
cursor), :mod:`.select` (record selector paths, flattening), :mod:`.http` (timeouts, retries,
errors, where requests may go, the tenant's rate budget per host through
:mod:`autonomos.core.ratelimit`) and :mod:`.connector` (discovery, pages, parents, incremental
state). The YAML reference is docs/rest.md.

Example config::

    connector: rest
    config:
      base_url: https://api.example.com/v1
      auth: {type: bearer, token: {"$env": EXAMPLE_TOKEN}}
      paginator: {type: cursor, cursor_path: meta.next, cursor_param: after}
      resources:
        - {name: customers, record_selector: $.data[*], primary_key: id}
"""

from __future__ import annotations

from typing import Any

from autonomos import hookimpl
from autonomos.core.plugins import Deferred

__all__ = ["RestConnector", "RestConfig"]
_EXPORTS = {"RestConnector": "autonomos.connectors.rest.connector", "RestConfig": "autonomos.connectors.rest.config"}


def __getattr__(name: str) -> Any:
    """``RestConnector`` and ``RestConfig`` are imported when first used, not when the plugin loads."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)


@hookimpl
def register_connectors(register: Any) -> None:
    register(Deferred("rest", "autonomos.connectors.rest.connector:RestConnector"))
