"""AutonomOS: multi-tenant, plugin-driven data integration.

The public API for plugin authors (``docs/plugins.md`` describes every name)::

    from autonomos import hookimpl, Connector, ConnectorContext, TableSchema, Field, Mapper, ...

``hookimpl`` marks the implementations of the hooks in :mod:`autonomos.core.hookspecs`.
Everything else is imported on first use (a module-level ``__getattr__``), so ``import
autonomos`` stays cheap: a plugin module that only needs ``hookimpl`` pulls in neither attrs,
DuckDB nor pyarrow. Static type checkers see the real imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("autonomos")

# public name -> module that defines it (``guard`` is the module itself)
_LAZY: dict[str, str] = {
    # connectors
    "Connector": "autonomos.core.connector",
    "ConnectorContext": "autonomos.core.connector",
    "guard": "autonomos.core.guard",
    # models
    "Field": "autonomos.core.models",
    "TableSchema": "autonomos.core.models",
    "RejectedRow": "autonomos.core.models",
    "Ontology": "autonomos.core.models",
    "Entity": "autonomos.core.models",
    "OntologyField": "autonomos.core.models",
    "TableMapping": "autonomos.core.models",
    "FieldMapping": "autonomos.core.models",
    "Candidate": "autonomos.core.models",
    # mappers, agents, LLM providers
    "Mapper": "autonomos.core.mapper",
    "EntityMapper": "autonomos.core.mapper",
    "Agent": "autonomos.core.agent",
    "LLMProvider": "autonomos.core.llm_provider",
    "Provider": "autonomos.llm_providers.base",
    # events and the host
    "Event": "autonomos.core.events",
    "get_host": "autonomos.core.plugins",
    # errors
    "AutonomosError": "autonomos.core.errors",
    "ConfigError": "autonomos.core.errors",
    "ConnectorError": "autonomos.core.errors",
    "BadRowsError": "autonomos.core.errors",
    "PluginError": "autonomos.core.errors",
    "LLMError": "autonomos.llm_providers.base",
    "RunCancelled": "autonomos.core.guard",
    "LimitError": "autonomos.core.guard",
}

__all__ = [
    "__version__", "hookimpl",
    "Connector", "ConnectorContext", "guard",
    "Field", "TableSchema", "RejectedRow",
    "Ontology", "Entity", "OntologyField",
    "TableMapping", "FieldMapping", "Candidate",
    "Mapper", "EntityMapper", "Agent", "LLMProvider", "Provider",
    "Event", "get_host",
    "AutonomosError", "ConfigError", "ConnectorError", "BadRowsError", "PluginError",
    "LLMError", "RunCancelled", "LimitError",
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'autonomos' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if name == "guard" else getattr(module, name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from autonomos.core import guard as guard
    from autonomos.core.agent import Agent as Agent
    from autonomos.core.connector import Connector as Connector
    from autonomos.core.connector import ConnectorContext as ConnectorContext
    from autonomos.core.errors import AutonomosError as AutonomosError
    from autonomos.core.errors import BadRowsError as BadRowsError
    from autonomos.core.errors import ConfigError as ConfigError
    from autonomos.core.errors import ConnectorError as ConnectorError
    from autonomos.core.errors import PluginError as PluginError
    from autonomos.core.events import Event as Event
    from autonomos.core.guard import LimitError as LimitError
    from autonomos.core.guard import RunCancelled as RunCancelled
    from autonomos.core.llm_provider import LLMProvider as LLMProvider
    from autonomos.core.mapper import EntityMapper as EntityMapper
    from autonomos.core.mapper import Mapper as Mapper
    from autonomos.core.models import Candidate as Candidate
    from autonomos.core.models import Entity as Entity
    from autonomos.core.models import Field as Field
    from autonomos.core.models import FieldMapping as FieldMapping
    from autonomos.core.models import Ontology as Ontology
    from autonomos.core.models import OntologyField as OntologyField
    from autonomos.core.models import RejectedRow as RejectedRow
    from autonomos.core.models import TableMapping as TableMapping
    from autonomos.core.models import TableSchema as TableSchema
    from autonomos.core.plugins import get_host as get_host
    from autonomos.llm_providers.base import LLMError as LLMError
    from autonomos.llm_providers.base import Provider as Provider
